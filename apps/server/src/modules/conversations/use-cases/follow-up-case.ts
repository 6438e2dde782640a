import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { type CaseRow, findWorkableCase, nextCaseNumber, type Priority, q, recordCaseEvent } from "../repository.ts";
import { linkCases } from "./link-cases.ts";
import { subjectOf } from "./receive-message.ts";
import { sendReply } from "./send-message.ts";
import { type CaseActor, causeOf } from "./update-case.ts";

export type FollowUpInput = {
  subject: string;
  note?: string | undefined;
  priority?: Priority | undefined;
  teamId?: string | undefined;
};

/**
 * Opens a new case for the same customer as `caseId`, linked to it (`related`), with an optional private
 * note; emits `case.created` with `followUpOf` and the actor (rules skip their own follow-ups).
 */
export async function createFollowUpCase(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  input: FollowUpInput,
): Promise<CaseRow> {
  const ws = actor.workspaceId;
  const source = await findWorkableCase(tx, ws, caseId, "it cannot get a follow-up.");
  const subject = subjectOf(input.subject);
  const created = await q(tx)
    .insertInto("cases")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      number: await nextCaseNumber(tx, ws),
      subject,
      priority: input.priority ?? source.priority,
      contact_id: source.contact_id,
      assignee_id: null,
      team_id: input.teamId ?? source.team_id,
      tags: [],
      custom_fields: "{}",
      reply_window_closes_at: null,
      last_inbound_at: null,
      first_response_at: null,
      solved_at: null,
      reopened_at: null,
      merged_into: null,
      search: sql`to_tsvector('simple', ${subject})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordCaseEvent(tx, actor, created.id, "case.created", { followUpOf: caseId, followUpOfNumber: source.number });
  await linkCases(tx, actor, created.id, { caseId, kind: "related" });
  if (input.note?.trim()) await sendReply(tx, actor, created.id, { text: input.note, private: true });
  await emitEvents(tx, [
    {
      workspaceId: ws,
      type: "case.created",
      payload: { caseId: created.id, followUpOf: caseId, actor: causeOf(actor) },
    },
  ]);
  return created;
}
