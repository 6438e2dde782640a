/**
 * The one handover protocol, for rules, flows, the intent bot and future LLM agents: the case records who has
 * control now, why, the last recognised intent, the slots collected and a transcript summary (through
 * conversations' recordHandover); the bot's own state on the case follows.
 */
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type CaseActor, type CaseControl, recordHandover, updateCase } from "../../conversations/index.ts";
import { findSession, saveSession } from "./repository.ts";

export type HandOverInput = {
  to: CaseControl;
  reason: string;
  /** A team to route the case to when it goes to agents. */
  teamId?: string | null | undefined;
};

/** Gives a case's control to agents or back to the bot, in the caller's transaction; returns the record. */
export async function handOver(tx: Executor, actor: CaseActor, caseId: string, input: HandOverInput) {
  const ws = actor.workspaceId;
  const session = await findSession(tx, ws, caseId);
  const intent =
    session?.last_intent && session.last_score !== null
      ? { name: session.last_intent, score: session.last_score }
      : null;
  const record = await recordHandover(tx, actor, caseId, {
    to: input.to,
    reason: input.reason,
    intent,
    slots: session?.slots ?? {},
  });
  // Whoever has the case now, no flow goes on: an agent answers, or the bot starts afresh.
  await saveSession(tx, ws, caseId, {
    flow_id: null,
    step_id: null,
    flow_started_at: null,
    retries: 0,
    fallbacks: 0,
    expires_at: null,
    ...(input.to === "bot" ? { slots: {} } : {}),
  });
  if (input.to === "agent" && input.teamId) {
    try {
      await updateCase(tx, actor, caseId, { teamId: input.teamId }, [`handover: ${input.reason}`]);
    } catch (err) {
      // A team deleted since the flow or settings named it: the handover stands, unrouted.
      if (!(err instanceof AppError)) throw err;
    }
  }
  return record;
}
