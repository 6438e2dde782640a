import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { createContact, ingestEvents, mergeContacts, recordConsent, unmergeContacts } from "./index.ts";

const TABLES: [string, string][] = [
  ["contacts", "id"],
  ["contact_keys", "contact_id"],
  ["contact_identities", "contact_id"],
  ["consent_records", "contact_id"],
  ["timeline_events", "contact_id"],
];

const profileArb = fc.record({
  givenName: fc.option(fc.constantFrom("Ada", "小明", "Zoë", "-", "ada@example.com"), { nil: undefined }),
  familyName: fc.option(fc.constantFrom("Lovelace", "王", "Curie"), { nil: undefined }),
  displayName: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  emails: fc.uniqueArray(fc.constantFrom("a@x.io", "b@x.io", "A@X.io", "bad@", "0612345678"), { maxLength: 3 }),
  phones: fc.uniqueArray(fc.constantFrom("0612345678", "+33 6 98 76 54 32", "123", "n/a"), { maxLength: 2 }),
  company: fc.option(fc.constantFrom("ACME", "Initech", "n/a"), { nil: undefined }),
  tags: fc.uniqueArray(fc.constantFrom("vip", "lead", "paris", "新客"), { maxLength: 3 }),
  lifecycleStage: fc.option(fc.constantFrom("lead", "customer"), { nil: undefined }),
  birthday: fc.option(fc.constantFrom("1990-01-31", "2000-02-29"), { nil: undefined }),
  attributes: fc.option(fc.record({ score: fc.integer({ min: -5, max: 5 }) }), { nil: undefined }),
  identityKinds: fc.uniqueArray(fc.constantFrom("crm_id", "email", "phone", "whatsapp_id", "line_id" as const), {
    maxLength: 3,
  }),
  events: fc.nat({ max: 3 }),
  consent: fc.option(fc.constantFrom("granted", "withdrawn" as const), { nil: undefined }),
});

type Profile = typeof profileArb extends fc.Arbitrary<infer T> ? T : never;

describe.each(TEST_DATABASES)("merge then unmerge on %s", (kind) => {
  let env: TestEnv;
  let ws: Awaited<ReturnType<typeof buildWorkspace>>;
  let run = 0;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    ws = await buildWorkspace(env);
    await env.app.inject({
      method: "POST",
      url: "/api/v1/contact-attributes",
      headers: ws.auth("admin"),
      payload: { key: "score", label: "Score", type: "number" },
    });
  });
  afterAll(async () => env?.close());

  async function build(p: Profile, tag: string) {
    const system = { type: "system" as const, workspaceId: ws.workspace.id };
    const { identityKinds, events, consent, ...fields } = p;
    const externalOf = (k: string, i: number) =>
      k === "email"
        ? `${tag}-${i}@id.io`
        : k === "phone" || k === "whatsapp_id"
          ? `+336${"tsc".indexOf(tag[0] ?? "t") + 1}${String(run).padStart(6, "0")}${i}`
          : `${tag}-${i}`;
    const { contact } = await createContact(env, system, {
      ...fields,
      identities: identityKinds.map((k, i) => ({ kind: k, externalId: externalOf(k, i) })),
    });
    if (events > 0) {
      await ingestEvents(
        env,
        system,
        Array.from({ length: events }, (_, i) => ({
          id: `${tag}-evt-${i}`,
          type: "page_view",
          contactId: contact.id,
          occurredAt: new Date(Date.UTC(2026, 0, 1 + i)),
          properties: { i },
        })),
      );
    }
    if (consent)
      await recordConsent(env, system, contact.id, { purpose: "marketing", status: consent, source: "form" });
    return contact.id;
  }

  async function state(ids: string[]) {
    const out: Record<string, unknown[]> = {};
    for (const [table, column] of TABLES) {
      const { rows } = await env.database.query<{ t: string }>(
        `select to_jsonb(t)::text as t from ${table} t where workspace_id = $1 and ${column} = any($2::uuid[]) order by 1`,
        [ws.workspace.id, ids],
      );
      out[table] = rows.map((r) => r.t);
    }
    return out;
  }

  it("restores both profiles, identities, keys, consent and timelines exactly", async () => {
    await fc.assert(
      fc.asyncProperty(profileArb, profileArb, fc.boolean(), async (target, source, withChild) => {
        run++;
        const system = { type: "system" as const, workspaceId: ws.workspace.id };
        const t = await build(target, `t${run}`);
        const s = await build(source, `s${run}`);
        const ids = [t, s];
        if (withChild) {
          const child = await build({ ...source, identityKinds: ["crm_id"] }, `c${run}`);
          await mergeContacts(env, system, { targetId: s, sourceId: child, reason: "child" });
          ids.push(child);
        }
        const before = await state(ids);
        const { decision } = await mergeContacts(env, system, { targetId: t, sourceId: s, reason: "property" });
        expect(await state(ids)).not.toEqual(before);
        await unmergeContacts(env, system, { decisionId: decision.id });
        expect(await state(ids)).toEqual(before);
      }),
      { numRuns: kind === "pglite" ? 25 : 15 },
    );
  });
});
