import type { z } from "zod";
import { IDENTITY_KINDS, type IdentityKind, NAMESPACED_KINDS } from "../normalize.ts";
import { CreateContactSchema } from "../schemas.ts";
import { unescapeFormula } from "./csv.ts";

/** What a column of an import file fills: a contact field, a custom attribute, an identity, or nothing. */
export type ColumnTarget =
  | { kind: "scalar"; field: ScalarField }
  | { kind: "list"; field: "emails" | "phones" | "tags" }
  | { kind: "attribute"; key: string }
  | { kind: "identity"; identityKind: IdentityKind; namespace: string }
  | { kind: "skip" };

const SCALAR_FIELDS = [
  "givenName",
  "familyName",
  "displayName",
  "language",
  "timezone",
  "gender",
  "birthday",
  "avatarUrl",
  "company",
  "lifecycleStage",
  "ownerUserId",
  "source",
] as const;
type ScalarField = (typeof SCALAR_FIELDS)[number];

/** Header names (folded: lower case without spaces, _ or -) understood without a --map. */
const ALIASES: Record<string, ColumnTarget> = {};
const alias = (target: ColumnTarget, ...names: string[]) => {
  for (const n of names) ALIASES[fold(n)] = target;
};
for (const f of SCALAR_FIELDS) alias({ kind: "scalar", field: f }, f);
alias({ kind: "scalar", field: "givenName" }, "first_name", "firstname", "given", "prenom", "名");
alias({ kind: "scalar", field: "familyName" }, "last_name", "lastname", "surname", "family", "nom", "姓");
alias({ kind: "scalar", field: "displayName" }, "name", "full_name", "fullname", "display", "姓名");
alias({ kind: "scalar", field: "language" }, "lang", "locale");
alias({ kind: "scalar", field: "timezone" }, "tz", "time_zone");
alias({ kind: "scalar", field: "birthday" }, "birthdate", "birth_date", "dob", "date_of_birth");
alias({ kind: "scalar", field: "avatarUrl" }, "avatar", "avatar_url", "photo");
alias({ kind: "scalar", field: "company" }, "organization", "organisation", "company_name");
alias({ kind: "scalar", field: "lifecycleStage" }, "stage", "lifecycle_stage");
alias({ kind: "scalar", field: "ownerUserId" }, "owner", "owner_user_id");
alias({ kind: "list", field: "emails" }, "email", "emails", "e-mail", "mail", "email_address");
alias({ kind: "list", field: "phones" }, "phone", "phones", "mobile", "tel", "telephone", "phone_number");
alias({ kind: "list", field: "tags" }, "tags", "tag", "labels");
alias({ kind: "skip" }, "id", "created_at", "createdat", "updated_at", "updatedat", "quality_flags", "qualityflags");

function fold(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");
}

/**
 * The target of a column name (or of a --map value): a field or alias, `attributes.<key>`,
 * `identity.<kind>` (namespaced kinds: `identity.<kind>.<namespace>`), a bare identity kind, or `-`/empty to skip.
 */
export function targetOf(name: string): ColumnTarget | null {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed === "-") return { kind: "skip" };
  const attr = /^(?:attributes|attribute|attr)\.([a-z][a-z0-9_]{0,62})$/.exec(trimmed);
  if (attr?.[1]) return { kind: "attribute", key: attr[1] };
  const ident = /^(?:identity\.)?([a-z_]+)(?:\.(.+))?$/.exec(trimmed);
  if (ident?.[1] && (IDENTITY_KINDS as readonly string[]).includes(ident[1])) {
    const identityKind = ident[1] as IdentityKind;
    const namespace = ident[2] ?? "";
    if (NAMESPACED_KINDS.includes(identityKind) !== (namespace !== "")) return null;
    if (!trimmed.startsWith("identity.") && (identityKind === "email" || identityKind === "phone")) {
      return ALIASES[fold(trimmed)] ?? null;
    }
    return { kind: "identity", identityKind, namespace };
  }
  return ALIASES[fold(trimmed)] ?? null;
}

/** A problem with the whole file, reported on its first line; nothing is imported. */
export class ImportFileError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly line = 1,
  ) {
    super(message);
  }
}

/** Parses `--map col=field` pairs (also `col=` or `col=-` to skip a column). */
export function parseMapPairs(pairs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new ImportFileError("map_invalid", `--map "${pair}" is not column=field.`, 0);
    map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return map;
}

const DELIMITER_NAMES: Record<string, string> = {
  ";": "semicolons (;)",
  "\t": "tabs",
  "|": "pipes (|)",
  ",": "commas",
};

/** The plan for a CSV header: one target per column. Unknown columns stop the import on line 1, with a hint. */
export function planColumns(header: string[], map: Record<string, string>, delimiter: string): ColumnTarget[] {
  const unknown: string[] = [];
  const badMap: string[] = [];
  const plan = header.map((raw) => {
    const name = raw.trim();
    const mapped = map[name];
    const target = targetOf(mapped ?? name);
    if (!target) (mapped !== undefined ? badMap : unknown).push(mapped !== undefined ? `${name}=${mapped}` : name);
    return target ?? { kind: "skip" as const };
  });
  if (badMap.length) {
    throw new ImportFileError(
      "map_target_unknown",
      `Line 1: --map ${badMap.join(", ")} names no contact field. Use a field (givenName, emails, …), attributes.<key>, identity.<kind> or - to skip.`,
    );
  }
  for (const key of Object.keys(map)) {
    if (!header.some((h) => h.trim() === key)) {
      throw new ImportFileError(
        "map_column_unknown",
        `Line 1: --map names a column "${key}" the header does not have.`,
      );
    }
  }
  if (unknown.length) {
    const joined = header.join(delimiter);
    for (const d of [";", "\t", "|", ","]) {
      if (d === delimiter || !joined.includes(d)) continue;
      const split = joined.split(d);
      if (split.length > 1 && split.filter((c) => targetOf(c) !== null).length > split.length / 2) {
        throw new ImportFileError(
          "delimiter_mismatch",
          `Line 1: the header is not separated by ${DELIMITER_NAMES[delimiter] ?? delimiter} but seems to be by ${DELIMITER_NAMES[d] ?? d}. Import again with the delimiter set to "${d === "\t" ? "\\t" : d}".`,
        );
      }
    }
    throw new ImportFileError(
      "column_unknown",
      `Line 1: unknown column(s) ${unknown.map((u) => `"${u}"`).join(", ")}. Map each to a field with --map "column=field", or skip it with --map "column=-".`,
    );
  }
  const seen = new Set<string>();
  for (const t of plan) {
    const key = t.kind === "scalar" ? t.field : t.kind === "attribute" ? `attributes.${t.key}` : null;
    if (key && seen.has(key)) throw new ImportFileError("column_duplicate", `Line 1: two columns fill ${key}.`);
    if (key) seen.add(key);
  }
  return plan;
}

/** Splits a multi-value cell (emails, phones, tags): values separated by | or ;. */
function splitList(cell: string): string[] {
  return cell
    .split(/[|;]/)
    .map((v) => v.trim())
    .filter(Boolean);
}

export type RawContact = Record<string, unknown>;

/** A CSV record as a create-contact body (empty cells are absent; formula escapes from exports undone). */
export function contactFromCsv(fields: readonly string[], plan: readonly ColumnTarget[]): RawContact {
  const out: RawContact = {};
  const lists: Record<string, string[]> = {};
  const attributes: Record<string, unknown> = {};
  const identities: { kind: IdentityKind; externalId: string; namespace?: string }[] = [];
  for (const [i, target] of plan.entries()) {
    const cell = unescapeFormula((fields[i] ?? "").trim());
    if (cell === "" || target.kind === "skip") continue;
    switch (target.kind) {
      case "scalar":
        out[target.field] = cell;
        break;
      case "list":
        lists[target.field] = [...(lists[target.field] ?? []), ...splitList(cell)];
        break;
      case "attribute":
        attributes[target.key] = cell;
        break;
      case "identity":
        for (const v of splitList(cell)) {
          identities.push({
            kind: target.identityKind,
            externalId: v,
            ...(target.namespace ? { namespace: target.namespace } : {}),
          });
        }
        break;
    }
  }
  Object.assign(out, lists);
  if (Object.keys(attributes).length) out.attributes = attributes;
  if (identities.length) out.identities = identities;
  return out;
}

/** Keys of an exported contact that an import ignores (the import gives contacts ids of its own). */
const READ_ONLY_KEYS = new Set(["id", "createdAt", "updatedAt", "qualityFlags", "mergedContactIds", "consent"]);

/** A JSONL object with its keys renamed by the map (`col=-` drops a key). */
export function contactFromJson(value: unknown, map: Record<string, string>): RawContact | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const out: RawContact = {};
  for (const [k, v] of Object.entries(value)) {
    const target = map[k] ?? (READ_ONLY_KEYS.has(k) ? "-" : k);
    if (target === "" || target === "-" || v === null || v === "") continue;
    out[target] = v;
  }
  return out;
}

export type ContactDraft = z.infer<typeof CreateContactSchema>;
export type RowError = { field: string | null; reason: string; message: string };

/**
 * Validates a row as a create-contact body. CSV attribute cells are text: they are typed later against the
 * workspace's definitions. A row with no name, email, phone or identity is refused.
 */
export function validateRow(raw: RawContact): { draft: ContactDraft } | { error: RowError } {
  const parsed = CreateContactSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join(".") : null;
    return {
      error: {
        field,
        reason: issue?.code === "unrecognized_keys" ? "field_unknown" : "field_invalid",
        message:
          issue?.code === "unrecognized_keys"
            ? `unknown field(s): ${(issue as { keys?: string[] }).keys?.join(", ") ?? ""}`
            : `${field ?? "row"}: ${issue?.message ?? "invalid"}`,
      },
    };
  }
  const d = parsed.data;
  if (
    !d.givenName &&
    !d.familyName &&
    !d.displayName &&
    !d.emails?.length &&
    !d.phones?.length &&
    !d.identities?.length
  ) {
    return {
      error: { field: null, reason: "row_empty", message: "the row has no name, email, phone or identity" },
    };
  }
  return { draft: d };
}

/** Types CSV attribute cells by the workspace's definitions (numbers, booleans, multiselect lists); JSONL is typed already. */
export function coerceCsvAttributes(
  values: Record<string, unknown>,
  types: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const type = types.get(key);
    if (typeof value !== "string") {
      out[key] = value;
      continue;
    }
    if (type === "number" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) out[key] = Number(value);
    else if (type === "boolean" && /^(true|yes|1)$/i.test(value)) out[key] = true;
    else if (type === "boolean" && /^(false|no|0)$/i.test(value)) out[key] = false;
    else if (type === "multiselect") out[key] = splitList(value);
    else out[key] = value;
  }
  return out;
}
