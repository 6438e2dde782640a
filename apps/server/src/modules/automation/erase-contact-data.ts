import { sql } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { findContactTraces } from "../conversations/index.ts";
import type { ErasureResult, ErasureSubject } from "../profiles/index.ts";

/**
 * Erases a person from automation, set-based (a fixed number of statements, run before conversations' eraser since it
 * reads the person's messages there): the AI analyses of their messages (with the words indexed for
 * similar-message search) and of their cases, the training corrections copied from their messages, the bot's
 * state and turns on their cases, their position in keyword menus, and their messages' ids in spike alerts' samples (the alert and its counts stay).
 */
export async function eraseAutomationData(tx: Executor, ws: string, subject: ErasureSubject): Promise<ErasureResult> {
  const traces = await findContactTraces(tx, ws, subject.contactIds);
  const messageIds = traces.messages.map((m) => m.id);
  const caseIds = traces.caseIds;
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);
  const analyses = await sql`
    delete from message_analyses
    where workspace_id = ${ws} and (message_id = any(${messageIds}::uuid[]) or case_id = any(${caseIds}::uuid[]))`.execute(
    tx,
  );
  const caseAnalyses = await sql`
    delete from case_analyses where workspace_id = ${ws} and case_id = any(${caseIds}::uuid[])`.execute(tx);
  const corrections = await sql`
    delete from ai_corrections where workspace_id = ${ws} and message_id = any(${messageIds}::uuid[])`.execute(tx);
  // The bot's state and turns on their cases (collected slots such as an order number).
  const botSessions = await sql`
    delete from bot_sessions where workspace_id = ${ws} and case_id = any(${caseIds}::uuid[])`.execute(tx);
  const botTurns = await sql`
    delete from bot_turns where workspace_id = ${ws} and case_id = any(${caseIds}::uuid[])`.execute(tx);
  // Where they stood in a keyword menu.
  const menuSessions = await sql`
    delete from automation_menu_sessions
    where workspace_id = ${ws} and contact_id = any(${subject.contactIds}::uuid[])`.execute(tx);
  const alerts = await sql`
    update ai_alerts
    set message_ids = array(select unnest(message_ids) except select unnest(${messageIds}::uuid[]))
    where workspace_id = ${ws} and message_ids && ${messageIds}::uuid[]`.execute(tx);
  return {
    counts: {
      messageAnalyses: n(analyses),
      caseAnalyses: n(caseAnalyses),
      aiCorrections: n(corrections),
      aiAlertsScrubbed: n(alerts),
      botSessions: n(botSessions),
      botTurns: n(botTurns),
      menuSessions: n(menuSessions),
    },
  };
}
