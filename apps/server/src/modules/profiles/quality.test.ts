import { describe, expect, it } from "vitest";
import { normalizeEmail, normalizePhone } from "./normalize.ts";
import { checkQuality } from "./quality.ts";

const emails = (...v: string[]) => v.map(normalizeEmail);
const phones = (...v: string[]) => v.map((p) => normalizePhone(p, "FR"));

describe("data-quality checks", () => {
  it("passes a clean contact", () => {
    expect(
      checkQuality({
        givenName: "Ada",
        familyName: "Lovelace",
        displayName: "Ada Lovelace",
        emails: emails("ada@example.com"),
        phones: phones("0612345678"),
      }),
    ).toEqual([]);
  });

  it("flags a phone in the email field and an email in a name field", () => {
    const flags = checkQuality({ displayName: "ada@example.com", emails: emails("+33 6 12 34 56 78"), phones: [] });
    expect(flags).toContainEqual({ field: "displayName", code: "email_in_name_field" });
    expect(flags).toContainEqual({ field: "emails[0]", code: "phone_in_email_field" });
  });

  it("flags invalid emails and phones, and an email in the phone field", () => {
    const flags = checkQuality({ emails: emails("ada@", "bob@example.com"), phones: phones("12345", "a@b.co") });
    expect(flags).toEqual([
      { field: "emails[0]", code: "invalid_email" },
      { field: "phones[0]", code: "invalid_phone" },
      { field: "phones[1]", code: "email_in_phone_field" },
    ]);
  });

  it("flags placeholder values", () => {
    const flags = checkQuality({
      givenName: "-",
      company: "n/a",
      emails: emails("test"),
      phones: phones("0000000000"),
    });
    expect(flags.map((f) => `${f.field}:${f.code}`)).toEqual([
      "givenName:placeholder_value",
      "company:placeholder_value",
      "emails[0]:placeholder_value",
      "phones[0]:placeholder_value",
    ]);
  });

  it("flags a Chinese name written given-name first", () => {
    expect(
      checkQuality({ givenName: "小明", familyName: "王", displayName: "小明王", emails: [], phones: [] }),
    ).toEqual([{ field: "displayName", code: "inconsistent_name_order" }]);
    expect(
      checkQuality({ givenName: "小明", familyName: "王", displayName: "王小明", emails: [], phones: [] }),
    ).toEqual([]);
  });
});
