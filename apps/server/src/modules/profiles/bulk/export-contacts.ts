import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import type { AttributeValue } from "../attributes.ts";
import { IDENTITY_KINDS, type IdentityKind, NAMESPACED_KINDS } from "../normalize.ts";
import { presentContact } from "../presenter.ts";
import { type ContactRow, listAttributeDefinitions, selectLiveContacts } from "../repository.ts";
import { csvLine } from "./csv.ts";

export type ExportFormat = "csv" | "jsonl";

const PAGE = 1000;
/** Identity kinds with a column of their own in CSV exports (namespaced kinds are in JSONL exports only). */
const CSV_IDENTITY_KINDS = IDENTITY_KINDS.filter((k) => !NAMESPACED_KINDS.includes(k));

const SCALAR_COLUMNS: [string, (c: ContactRow) => string | null][] = [
  ["id", (c) => c.id],
  ["displayName", (c) => c.display_name],
  ["givenName", (c) => c.given_name],
  ["familyName", (c) => c.family_name],
  ["emails", (c) => c.emails.map((e) => e.value).join("|")],
  ["phones", (c) => c.phones.map((p) => p.value).join("|")],
  ["language", (c) => c.language],
  ["timezone", (c) => c.timezone],
  ["gender", (c) => c.gender],
  ["birthday", (c) => c.birthday],
  ["avatarUrl", (c) => c.avatar_url],
  ["company", (c) => c.company],
  ["tags", (c) => c.tags.join("|")],
  ["lifecycleStage", (c) => c.lifecycle_stage],
  ["ownerUserId", (c) => c.owner_user_id],
  ["source", (c) => c.source],
  ["createdAt", (c) => c.created_at.toISOString()],
  ["updatedAt", (c) => c.updated_at.toISOString()],
];

function attributeCell(v: AttributeValue | undefined): string {
  if (v === undefined || v === null) return "";
  return Array.isArray(v) ? v.join("|") : String(v);
}

type IdentityCell = { kind: IdentityKind; namespace: string; external_id: string; verified: boolean; survivor: string };

/**
 * Streams the workspace's live contacts (merged ones are in their survivor, erased ones left out) as CSV or
 * JSONL, a page of 1,000 at a time. CSV cells are formula-escaped (a leading ' before = + - @ tab CR; the
 * import undoes it) and hold lists joined by |; the columns match what the import reads, so an export can
 * be imported again.
 */
export async function* exportContacts(db: Executor, workspaceId: string, format: ExportFormat): AsyncGenerator<string> {
  const attributeKeys = (await listAttributeDefinitions(db, workspaceId)).map((a) => a.key);
  if (format === "csv") {
    yield csvLine([
      ...SCALAR_COLUMNS.map(([name]) => name),
      ...attributeKeys.map((k) => `attributes.${k}`),
      ...CSV_IDENTITY_KINDS.map((k) => `identity.${k}`),
    ]);
  }
  let after: string | undefined;
  for (;;) {
    let query = selectLiveContacts(db, workspaceId);
    if (after) query = query.where("id", ">", after);
    const rows = await query.orderBy("id").limit(PAGE).execute();
    if (rows.length === 0) return;
    after = rows.at(-1)?.id;
    const ids = rows.map((r) => r.id);
    const { rows: identities } = await sql<IdentityCell>`
      select i.kind, i.namespace, i.external_id, i.verified, coalesce(c.merged_into, c.id) as survivor
      from contact_identities i
      join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id
      where i.workspace_id = ${workspaceId}
        and (c.id = any(${ids}::uuid[]) or c.merged_into = any(${ids}::uuid[]))
      order by i.id`.execute(db);
    const bySurvivor = new Map<string, IdentityCell[]>();
    for (const i of identities) {
      const list = bySurvivor.get(i.survivor) ?? [];
      list.push(i);
      bySurvivor.set(i.survivor, list);
    }
    let out = "";
    for (const c of rows) {
      const own = bySurvivor.get(c.id) ?? [];
      if (format === "jsonl") {
        const { qualityFlags: _q, emails: _e, phones: _p, ...contact } = presentContact(c);
        const line = {
          ...contact,
          emails: c.emails.map((e) => e.value),
          phones: c.phones.map((p) => p.value),
          identities: own.map((i) => ({
            kind: i.kind,
            externalId: i.external_id,
            ...(i.namespace ? { namespace: i.namespace } : {}),
            verified: i.verified,
          })),
        };
        out += `${JSON.stringify(line)}\n`;
      } else {
        out += csvLine([
          ...SCALAR_COLUMNS.map(([, get]) => get(c) ?? ""),
          ...attributeKeys.map((k) => attributeCell(c.attributes[k])),
          ...CSV_IDENTITY_KINDS.map((k) =>
            own
              .filter((i) => i.kind === k)
              .map((i) => i.external_id)
              .join("|"),
          ),
        ]);
      }
    }
    yield out;
    if (rows.length < PAGE) return;
  }
}
