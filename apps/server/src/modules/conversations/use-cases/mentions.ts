import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import { emitEvents } from "../../../platform/outbox.ts";
import { listMembers } from "../../tenancy/index.ts";
import { type MessageRow, q } from "../repository.ts";
import type { CaseActor } from "./update-case.ts";

/** `@` not preceded by a word character (so `ann@example.com` alone is no mention), then a handle or an email. */
const HANDLE = /(?<![\p{L}\p{N}_.+-])@([\p{L}\p{N}_.+-]+(?:@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)?)/gu;

/** The handles written after `@` in a note, lower-cased, without trailing punctuation (`@ann.` → `ann`). */
export function parseMentionHandles(text: string): string[] {
  const handles = [...text.matchAll(HANDLE)].map((m) => (m[1] as string).replace(/[.+-]+$/, "").toLowerCase());
  return [...new Set(handles.filter(Boolean))];
}

/** The handles a member answers to: the email, its local part and the name without spaces. */
export function mentionKeysOf(member: { email: string; name: string | null }): string[] {
  const email = member.email.toLowerCase();
  const keys = [email, email.split("@")[0] ?? ""];
  if (member.name?.trim()) keys.push(member.name.replace(/\s+/g, "").toLowerCase());
  return keys.filter(Boolean);
}

const MAX_MEMBERS = 2000;

/** The members a set of handles names; a handle that fits several members names none of them. */
export async function resolveMentions(db: Executor, workspaceId: string, handles: string[]): Promise<string[]> {
  if (handles.length === 0) return [];
  const members = await listMembers(db, workspaceId, undefined, MAX_MEMBERS);
  const byKey = new Map<string, Set<string>>();
  for (const member of members) {
    for (const key of mentionKeysOf(member)) {
      const ids = byKey.get(key) ?? new Set<string>();
      ids.add(member.id);
      byKey.set(key, ids);
    }
  }
  const found = new Set<string>();
  for (const handle of handles) {
    const ids = byKey.get(handle);
    if (ids?.size === 1) found.add([...ids][0] as string);
  }
  return [...found];
}

/**
 * Stores the members a private note @mentions (never its own author) and emits `mention.created` for each,
 * which reaches the console live; returns the mentioned user ids.
 */
export async function recordMentions(tx: Executor, actor: CaseActor, note: MessageRow): Promise<string[]> {
  const ws = actor.workspaceId;
  const userIds = (await resolveMentions(tx, ws, parseMentionHandles(note.text))).filter(
    (id) => !(actor.type === "user" && actor.id === id),
  );
  if (userIds.length === 0) return [];
  const rows = await q(tx)
    .insertInto("mentions")
    .values(
      userIds.map((userId) => ({
        workspace_id: ws,
        id: uuidv7(),
        user_id: userId,
        case_id: note.case_id,
        message_id: note.id,
        author_type: actor.type,
        author_id: actor.id,
      })),
    )
    .onConflict((oc) => oc.columns(["workspace_id", "message_id", "user_id"]).doNothing())
    .returning(["id", "user_id"])
    .execute();
  await emitEvents(
    tx,
    rows.map((r) => ({
      workspaceId: ws,
      type: "mention.created",
      payload: { mentionId: r.id, userId: r.user_id, caseId: note.case_id, messageId: note.id },
    })),
  );
  return userIds;
}

/** One page of a member's mentions, newest first, with the note and its case (limit+1 rows, for toPage). */
export function listMentions(
  db: Executor,
  workspaceId: string,
  userId: string,
  before: string | undefined,
  limit: number,
) {
  let query = q(db)
    .selectFrom("mentions as m")
    .innerJoin("messages as msg", (j) =>
      j.onRef("msg.workspace_id", "=", "m.workspace_id").onRef("msg.id", "=", "m.message_id"),
    )
    .innerJoin("cases as c", (j) => j.onRef("c.workspace_id", "=", "m.workspace_id").onRef("c.id", "=", "m.case_id"))
    .select([
      "m.id",
      "m.case_id",
      "m.message_id",
      "m.author_type",
      "m.author_id",
      "m.created_at",
      "msg.text",
      "c.number as case_number",
      "c.subject as case_subject",
      "c.status as case_status",
    ])
    .where("m.workspace_id", "=", workspaceId)
    .where("m.user_id", "=", userId);
  if (before) query = query.where("m.id", "<", before);
  return query
    .orderBy("m.id", "desc")
    .limit(limit + 1)
    .execute();
}
