import { type EmailValue, isCjk, isPlaceholder, looksLikeEmail, looksLikePhone, type PhoneValue } from "./normalize.ts";

export type QualityFlag = {
  field: string;
  code:
    | "invalid_email"
    | "invalid_phone"
    | "phone_in_email_field"
    | "email_in_phone_field"
    | "email_in_name_field"
    | "phone_in_name_field"
    | "placeholder_value"
    | "inconsistent_name_order";
};

export type QualityInput = {
  givenName?: string | null;
  familyName?: string | null;
  displayName?: string | null;
  company?: string | null;
  emails: EmailValue[];
  phones: PhoneValue[];
};

/** Data-quality problems of a contact, each naming its field; values are kept as entered, only flagged. */
export function checkQuality(input: QualityInput): QualityFlag[] {
  const flags: QualityFlag[] = [];
  const names = [
    ["givenName", input.givenName],
    ["familyName", input.familyName],
    ["displayName", input.displayName],
    ["company", input.company],
  ] as const;
  for (const [field, value] of names) {
    if (value === null || value === undefined) continue;
    if (isPlaceholder(value)) flags.push({ field, code: "placeholder_value" });
    else if (field !== "company" && looksLikeEmail(value)) flags.push({ field, code: "email_in_name_field" });
    else if (field !== "company" && looksLikePhone(value)) flags.push({ field, code: "phone_in_name_field" });
  }
  input.emails.forEach((e, i) => {
    const field = `emails[${i}]`;
    if (isPlaceholder(e.value)) flags.push({ field, code: "placeholder_value" });
    else if (!e.valid && looksLikePhone(e.value)) flags.push({ field, code: "phone_in_email_field" });
    else if (!e.valid) flags.push({ field, code: "invalid_email" });
  });
  input.phones.forEach((p, i) => {
    const field = `phones[${i}]`;
    if (isPlaceholder(p.value) || /^0+$|^(\d)\1+$/.test(p.value.replace(/\D/g, "")))
      flags.push({ field, code: "placeholder_value" });
    else if (looksLikeEmail(p.value)) flags.push({ field, code: "email_in_phone_field" });
    else if (!p.valid) flags.push({ field, code: "invalid_phone" });
  });
  // A CJK display name written "given family" (小明 王) instead of 王小明.
  const { givenName: g, familyName: f, displayName: d } = input;
  if (g && f && d && isCjk(g + f) && d.replace(/\s/g, "") === `${g}${f}`.replace(/\s/g, "") && g !== f) {
    flags.push({ field: "displayName", code: "inconsistent_name_order" });
  }
  return flags;
}
