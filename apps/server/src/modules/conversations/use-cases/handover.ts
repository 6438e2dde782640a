import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { type Executor, prepared } from "../../../platform/db.ts";
import { emitEvent } from "../../../platform/outbox.ts";
import { findCase, findWorkableCase, insertCaseEvent, q } from "../repository.ts";
import type { CaseActor } from "./update-case.ts";

/** Who answers a case's customer. */
export type CaseControl = "bot" | "agent";

/** A change of control, as recorded on the case and in its history. */
export type Handover = {
  to: CaseControl;
  /** Why: `customer_asked`, `low_confidence`, `flow`, `rule`, `agent_replied`, `handed_back`, … */
  reason: string;
  /** The intent the bot recognised last (and its confidence), when there was one. */
  intent?: { name: string; score: number } | null | undefined;
  /** What the bot collected (slot name → value). */
  slots?: Record<string, string> | undefined;
};

const SUMMARY_LINES = 10;
const WHO: Record<string, string> = {
  contact: "Customer",
  bot: "Bot",
  user: "Agent",
  token: "Agent",
  system: "System",
};

/** The case's last exchanges (private notes left out), one line each: `Customer: …`, `Bot: …`, `Agent: …`. */
async function transcriptSummary(db: Executor, ws: string, caseId: string): Promise<string> {
  const rows = await q(db)
    .selectFrom("messages")
    .select(["author_type", "text"])
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .where("private", "=", false)
    .orderBy("id", "desc")
    .limit(SUMMARY_LINES)
    .execute();
  return rows
    .reverse()
    .map((m) => {
      const text = m.text.replace(/\s+/g, " ").trim();
      return `${WHO[m.author_type] ?? m.author_type}: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
    })
    .join("\n");
}

/**
 * Records who has control of a case (bot or agent) with the reason, the detected intent, the collected slots and a
 * transcript summary (its last ten public messages): the case's `control` and `handover` fields, a `case.handover` history event and a
 * `case.updated` event, in the caller's transaction. The same protocol serves rules, bot flows and future agents.
 */
export async function recordHandover(tx: Executor, actor: CaseActor, caseId: string, handover: Handover) {
  const ws = actor.workspaceId;
  const current = await findWorkableCase(tx, ws, caseId, "its control cannot change.");
  const record = {
    from: current.control,
    to: handover.to,
    reason: handover.reason,
    intent: handover.intent ?? null,
    slots: handover.slots ?? {},
    summary: await transcriptSummary(tx, ws, caseId),
    by: { type: actor.type, id: actor.id },
    at: new Date().toISOString(),
  };
  await q(tx)
    .updateTable("cases")
    .set({ control: handover.to, handover: JSON.stringify(record), updated_at: new Date() })
    .where("workspace_id", "=", ws)
    .where("id", "=", caseId)
    .execute();
  await insertCaseEvent(tx, {
    workspace_id: ws,
    id: uuidv7(),
    case_id: caseId,
    actor_type: actor.type,
    actor_id: actor.id,
    action: "case.handover",
    details: record,
  });
  await emitEvent(tx, { workspaceId: ws, type: "case.updated", payload: { caseId, changed: ["control"] } });
  return record;
}

/** A case's control and what the bot needs to know of it; undefined when absent or merged away. */
export async function caseControl(db: Executor, ws: string, caseId: string) {
  const c = await findCase(db, ws, caseId);
  if (!c || c.merged_into) return undefined;
  return { control: c.control, handover: c.handover, status: c.status, contactId: c.contact_id };
}

/**
 * Of these cases, the ones a bot holds (control "bot", not merged away), in one statement (prepared: the ids
 * travel as one array, so its text is the same for every batch of the bot's handler).
 */
export async function casesUnderBot(db: Executor, ws: string, caseIds: readonly string[]): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`${prepared}
    select id from cases
    where workspace_id = ${ws} and id = any(${[...caseIds]}::uuid[]) and control = 'bot' and merged_into is null`.execute(
    db,
  );
  return new Set(rows.map((r) => r.id));
}

/** Whether a member or an API token has written to the customer in this case (rule and bot replies do not count). */
export async function hasAgentReply(db: Executor, ws: string, caseId: string): Promise<boolean> {
  const reply = await q(db)
    .selectFrom("messages")
    .select("id")
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .where("direction", "=", "outbound")
    .where("private", "=", false)
    .where("author_type", "in", ["user", "token"])
    .limit(1)
    .executeTakeFirst();
  return reply !== undefined;
}
