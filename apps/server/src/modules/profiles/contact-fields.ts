import type { AttributeValue } from "./attributes.ts";
import { nameSortKeyOf } from "./contact-sort.ts";
import {
  composeDisplayName,
  foldText,
  latinNameKeyOf,
  nameKeyOf,
  normalizeEmail,
  normalizePhone,
} from "./normalize.ts";
import { checkQuality } from "./quality.ts";
import type { ContactRow } from "./repository.ts";

/** The fields of a contact a caller may set (API names). */
export type ContactFieldsInput = {
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
  displayName?: string | null | undefined;
  emails?: string[] | undefined;
  phones?: string[] | undefined;
  language?: string | null | undefined;
  timezone?: string | null | undefined;
  gender?: string | null | undefined;
  birthday?: string | null | undefined;
  avatarUrl?: string | null | undefined;
  company?: string | null | undefined;
  tags?: string[] | undefined;
  lifecycleStage?: string | null | undefined;
  ownerUserId?: string | null | undefined;
  source?: string | null | undefined;
};

const FIELD_COLUMNS = {
  givenName: "given_name",
  familyName: "family_name",
  language: "language",
  timezone: "timezone",
  gender: "gender",
  birthday: "birthday",
  avatarUrl: "avatar_url",
  company: "company",
  lifecycleStage: "lifecycle_stage",
  ownerUserId: "owner_user_id",
  source: "source",
} as const;

/** An empty contact row of a workspace, to build a new one on. */
export function blankContact(workspaceId: string, id: string, now: Date): ContactRow {
  return {
    workspace_id: workspaceId,
    id,
    given_name: null,
    family_name: null,
    display_name: null,
    emails: [],
    phones: [],
    language: null,
    timezone: null,
    gender: null,
    birthday: null,
    avatar_url: null,
    company: null,
    tags: [],
    lifecycle_stage: null,
    owner_user_id: null,
    source: null,
    attributes: {},
    quality_flags: [],
    name_key: "",
    name_latin_key: "",
    company_key: "",
    search_text: "",
    name_sort: nameSortKeyOf(null),
    merged_into: null,
    erased_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** Recomputes what a contact row derives from its fields: name (also in Latin letters) and company keys, search text, quality flags. */
export function deriveContact(row: ContactRow): ContactRow {
  const phoneForms = row.phones.flatMap((p) => [p.value, p.e164 ?? "", p.value.replace(/\D/g, "")]);
  const search = [
    row.display_name,
    row.given_name,
    row.family_name,
    row.company,
    ...row.emails.map((e) => e.value),
    ...phoneForms,
  ]
    .filter((s): s is string => Boolean(s))
    .map(foldText)
    .join(" ");
  return {
    ...row,
    name_key: nameKeyOf(row.display_name),
    name_latin_key: latinNameKeyOf(row.given_name, row.family_name, row.display_name),
    company_key: row.company ? foldText(row.company) : "",
    search_text: search,
    name_sort: nameSortKeyOf(row.display_name),
    quality_flags: checkQuality({
      givenName: row.given_name,
      familyName: row.family_name,
      displayName: row.display_name,
      company: row.company,
      emails: row.emails,
      phones: row.phones,
    }),
  };
}

/**
 * Applies the fields of a create or patch to a row: phones normalised with the region, emails checked,
 * invalid values kept as entered (flagged), tags de-duplicated, the display name composed when not given.
 */
export function applyContactFields(
  row: ContactRow,
  input: ContactFieldsInput,
  region: string | null,
  attributes?: Record<string, AttributeValue>,
  now: Date = new Date(),
): ContactRow {
  const next: ContactRow = { ...row, updated_at: now };
  for (const [field, column] of Object.entries(FIELD_COLUMNS) as [keyof typeof FIELD_COLUMNS, string][]) {
    const value = input[field];
    if (value !== undefined) (next as Record<string, unknown>)[column] = value === null ? null : value.trim() || null;
  }
  if (input.emails !== undefined) next.emails = dedupe(input.emails).map(normalizeEmail);
  if (input.phones !== undefined) next.phones = dedupe(input.phones).map((p) => normalizePhone(p, region));
  if (input.tags !== undefined) next.tags = dedupe(input.tags.map((t) => t.trim()).filter(Boolean));
  if (input.displayName !== undefined) next.display_name = input.displayName?.trim() || null;
  const namesChanged = input.givenName !== undefined || input.familyName !== undefined;
  if (!next.display_name || (namesChanged && input.displayName === undefined && row.display_name === composedOf(row))) {
    next.display_name = composeDisplayName(next.given_name, next.family_name);
  }
  if (attributes) {
    const merged = { ...next.attributes };
    for (const [k, v] of Object.entries(attributes)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    next.attributes = merged;
  }
  return deriveContact(next);
}

function composedOf(row: ContactRow): string | null {
  return composeDisplayName(row.given_name, row.family_name);
}

function dedupe(values: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const key = v.trim().toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(v.trim());
  }
  return out;
}

/** The surviving profile of a merge: the target's values win, the source fills gaps; lists are united. */
export function mergeContactRows(target: ContactRow, source: ContactRow, now: Date): ContactRow {
  const pick = <K extends keyof ContactRow>(k: K): ContactRow[K] => target[k] ?? source[k];
  const emails = [...target.emails];
  for (const e of source.emails)
    if (!emails.some((x) => x.value.toLowerCase() === e.value.toLowerCase())) emails.push(e);
  const phones = [...target.phones];
  for (const p of source.phones) {
    if (!phones.some((x) => (x.e164 && x.e164 === p.e164) || x.value === p.value)) phones.push(p);
  }
  return deriveContact({
    ...target,
    given_name: pick("given_name"),
    family_name: pick("family_name"),
    display_name: pick("display_name"),
    emails,
    phones,
    language: pick("language"),
    timezone: pick("timezone"),
    gender: pick("gender"),
    birthday: pick("birthday"),
    avatar_url: pick("avatar_url"),
    company: pick("company"),
    tags: [...new Set([...target.tags, ...source.tags])],
    lifecycle_stage: pick("lifecycle_stage"),
    owner_user_id: pick("owner_user_id"),
    source: pick("source"),
    attributes: { ...source.attributes, ...target.attributes },
    created_at: new Date(Math.min(target.created_at.getTime(), source.created_at.getTime())),
    updated_at: now,
  });
}
