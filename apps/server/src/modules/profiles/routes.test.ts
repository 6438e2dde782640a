import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import type { Role } from "../tenancy/index.ts";
import { resolveContact, resolveContacts } from "./index.ts";

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;
type Json = Record<string, unknown> & { id: string };

/** Every table the profiles module owns (the erasure scan reads them all). */
const PROFILE_TABLES = [
  "profile_settings",
  "contact_attribute_definitions",
  "contacts",
  "contact_keys",
  "contact_identities",
  "consent_records",
  "timeline_events",
  "contact_link_decisions",
  "duplicate_dismissals",
  "contact_erasures",
  "contact_imports",
  "contact_import_chunks",
  "contact_import_errors",
  "orders",
  "order_lines",
  "order_status_history",
  "contact_locations",
  "contact_lifecycle",
];

describe.each(TEST_DATABASES)("profiles on %s", (kind) => {
  let env: TestEnv;
  let a: Ws;
  let b: Ws;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    for (const w of [a, b]) {
      const res = await env.app.inject({
        method: "PUT",
        url: "/api/v1/contact-settings",
        headers: w.auth("admin"),
        payload: { defaultRegion: "FR" },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const attr = await env.app.inject({
      method: "POST",
      url: "/api/v1/contact-attributes",
      headers: a.auth("admin"),
      payload: { key: "vip_level", label: "VIP level", type: "number" },
    });
    expect(attr.statusCode, attr.body).toBe(201);
  });
  afterAll(async () => env?.close());

  const call = (
    w: Ws,
    method: "GET" | "POST" | "PATCH" | "PUT",
    url: string,
    payload?: unknown,
    role: Role = "admin",
  ) =>
    env.app.inject({
      method,
      url,
      headers: w.auth(role),
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const create = async (w: Ws, payload: Record<string, unknown>) => {
    const res = await call(w, "POST", "/api/v1/contacts", payload);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Json;
  };
  const get = async (w: Ws, id: string) => (await call(w, "GET", `/api/v1/contacts/${id}`)).json() as Json;

  describe("contacts", () => {
    it("normalises phones with the workspace region, keeps bad values as entered and flags them", async () => {
      const c = await create(a, {
        givenName: "Ada",
        familyName: "Lovelace",
        emails: ["Ada@Example.com", "ada@"],
        phones: ["06 12 34 56 78", "12"],
        company: "n/a",
        attributes: { vip_level: 2 },
        identities: [{ kind: "crm_id", externalId: "CRM-1", verified: true }],
      });
      expect(c.displayName).toBe("Ada Lovelace");
      expect(c.emails).toEqual([
        { value: "Ada@Example.com", normalized: "ada@example.com", valid: true },
        { value: "ada@", normalized: null, valid: false },
      ]);
      expect(c.phones).toEqual([
        { value: "06 12 34 56 78", e164: "+33612345678", valid: true },
        { value: "12", e164: null, valid: false },
      ]);
      expect(c.qualityFlags).toEqual([
        { field: "company", code: "placeholder_value" },
        { field: "emails[1]", code: "invalid_email" },
        { field: "phones[1]", code: "invalid_phone" },
      ]);
      expect(c.attributes).toEqual({ vip_level: 2 });
      const profile = await get(a, c.id);
      expect(profile.identities).toEqual([
        expect.objectContaining({
          kind: "crm_id",
          externalId: "CRM-1",
          verified: true,
          consent: { service: "unknown", marketing: "unknown", profiling: "unknown", identity_linking: "unknown" },
        }),
      ]);
    });

    it("composes a Chinese display name family name first and finds it by substring", async () => {
      const c = await create(a, { givenName: "小明", familyName: "王", tags: ["vip"], lifecycleStage: "customer" });
      expect(c.displayName).toBe("王小明");
      for (const q of ["小明", "王", "王小", "王小明", "明"]) {
        const found = (await call(a, "GET", `/api/v1/contacts?query=${encodeURIComponent(q)}`)).json();
        expect(
          found.data.map((x: Json) => x.id),
          q,
        ).toContain(c.id);
      }
      const none = (await call(a, "GET", `/api/v1/contacts?query=${encodeURIComponent("明王")}`)).json();
      expect(none.data.map((x: Json) => x.id)).not.toContain(c.id);
      const byTag = (await call(a, "GET", "/api/v1/contacts?tag=vip&stage=customer")).json();
      expect(byTag.data.map((x: Json) => x.id)).toEqual([c.id]);
    });

    it("pages through a common Chinese character newest first, in any sort", async () => {
      const made: string[] = [];
      for (const given of ["一", "二", "三", "四", "五"])
        made.push((await create(a, { givenName: given, familyName: "欧阳" })).id);
      await create(b, { givenName: "六", familyName: "欧阳" });
      const pages = async (sort: string) => {
        const ids: string[] = [];
        let cursor = "";
        for (let i = 0; i < 5; i++) {
          const res = await call(
            a,
            "GET",
            `/api/v1/contacts?query=${encodeURIComponent("欧")}&limit=2&sort=${sort}${cursor}`,
          );
          expect(res.statusCode, res.body).toBe(200);
          ids.push(...res.json().data.map((x: Json) => x.id));
          if (!res.json().nextCursor) break;
          cursor = `&cursor=${encodeURIComponent(res.json().nextCursor)}`;
        }
        return ids;
      };
      // More matches than a page: the walk of the sort's first rows answers; the last page comes from the index.
      expect(await pages("newest")).toEqual([...made].reverse());
      expect(await pages("oldest")).toEqual(made);
    });

    it("searches emails, phones in any format, companies and identities", async () => {
      const c = await create(a, {
        displayName: "Grace Hopper",
        emails: ["grace@navy.mil"],
        phones: ["+33 6 98 76 54 32"],
        company: "Société Générale",
        identities: [{ kind: "telegram_id", externalId: "tg-777" }],
      });
      for (const q of [
        "GRACE@navy",
        "0698765432",
        "+33698765432",
        "societe generale",
        "tg-777",
        "hopper",
        "race hop",
      ]) {
        const res = await call(a, "GET", `/api/v1/contacts?query=${encodeURIComponent(q)}`);
        expect(res.statusCode).toBe(200);
        expect(
          res.json().data.map((x: Json) => x.id),
          q,
        ).toContain(c.id);
      }
      expect((await call(b, "GET", "/api/v1/contacts?query=grace")).json().data).toEqual([]);
      const swapped = (await call(a, "GET", "/api/v1/contacts?query=hopper%20grace")).json();
      expect(swapped.data.map((x: Json) => x.id)).not.toContain(c.id);
    });

    it("pages through contacts with a cursor", async () => {
      for (let i = 0; i < 3; i++) await create(b, { displayName: `Pager ${i}`, tags: ["pager"] });
      const first = (await call(b, "GET", "/api/v1/contacts?tag=pager&limit=2")).json();
      expect(first.data).toHaveLength(2);
      const second = (await call(b, "GET", `/api/v1/contacts?tag=pager&limit=2&cursor=${first.nextCursor}`)).json();
      expect(second.data).toHaveLength(1);
      expect(second.nextCursor).toBeNull();
      expect((await call(b, "GET", "/api/v1/contacts?cursor=%%%")).json().error.details.field).toBe("cursor");
    });

    it("updates a contact and clears fields with null", async () => {
      const c = await create(a, {
        givenName: "Alan",
        familyName: "Turing",
        company: "GCHQ",
        attributes: { vip_level: 1 },
      });
      const res = await call(a, "PATCH", `/api/v1/contacts/${c.id}`, {
        company: null,
        familyName: "Mathison Turing",
        attributes: { vip_level: null },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ company: null, displayName: "Alan Mathison Turing", attributes: {} });
    });

    it("refuses an owner who is not a member of the workspace, naming ownerUserId", async () => {
      const agent = a.users.agent.id;
      const owned = await create(a, { displayName: "Owned", ownerUserId: agent });
      expect(owned.ownerUserId).toBe(agent);
      const strangers = ["0190a000-0000-7000-8000-000000000001", b.users.agent.id];
      for (const ownerUserId of strangers) {
        const created = await call(a, "POST", "/api/v1/contacts", { displayName: "X", ownerUserId });
        expect(created.statusCode, ownerUserId).toBe(400);
        expect(created.json().error).toMatchObject({ reason: "owner_not_member", details: { field: "ownerUserId" } });
        const updated = await call(a, "PATCH", `/api/v1/contacts/${owned.id}`, { ownerUserId });
        expect(updated.statusCode, ownerUserId).toBe(400);
        expect(updated.json().error).toMatchObject({ reason: "owner_not_member", details: { field: "ownerUserId" } });
      }
      expect((await get(a, owned.id)).ownerUserId).toBe(agent);
      const moved = await call(a, "PATCH", `/api/v1/contacts/${owned.id}`, { ownerUserId: a.users.supervisor.id });
      expect(moved.statusCode, moved.body).toBe(200);
      const cleared = await call(a, "PATCH", `/api/v1/contacts/${owned.id}`, { ownerUserId: null });
      expect(cleared.json()).toMatchObject({ ownerUserId: null });
    });

    it("rejects an unknown attribute or a wrong type, naming the field", async () => {
      const unknown = await call(a, "POST", "/api/v1/contacts", { displayName: "X", attributes: { shoe: 1 } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({
        reason: "attribute_unknown",
        details: { field: "attributes.shoe" },
      });
      const wrong = await call(a, "POST", "/api/v1/contacts", { displayName: "X", attributes: { vip_level: "high" } });
      expect(wrong.json().error).toMatchObject({
        reason: "attribute_type_mismatch",
        details: { field: "attributes.vip_level" },
      });
    });

    it("rejects bad input with the field named", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ timezone: "Mars/Olympus" }, "/timezone"],
        [{ birthday: "1990-02-30" }, "/birthday"],
        [{ identities: [{ kind: "fax", externalId: "1" }] }, "/identities/0/kind"],
        [{ nickname: "x" }, ""],
      ];
      for (const [payload, path] of cases) {
        const res = await call(a, "POST", "/api/v1/contacts", payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(JSON.stringify(res.json().error.details.issues)).toContain(`"path":"${path}`);
      }
      const ns = await call(a, "POST", "/api/v1/contacts", {
        identities: [{ kind: "wechat_openid", externalId: "o1" }],
      });
      expect(ns.json().error).toMatchObject({
        reason: "identity_namespace_missing",
        details: { field: "identities[0].namespace" },
      });
    });

    it("refuses an identity another contact holds", async () => {
      await create(a, { identities: [{ kind: "member_no", externalId: "M-1" }] });
      const res = await call(a, "POST", "/api/v1/contacts", { identities: [{ kind: "member_no", externalId: "M-1" }] });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details.field).toBe("identities[0]");
      // The same external id in another workspace is another person.
      await create(b, { identities: [{ kind: "member_no", externalId: "M-1" }] });
    });
  });

  describe("resolution", () => {
    const scope = () => ({ workspaceId: a.workspace.id });

    it("returns the contact of a known identity and creates one for an unknown identity", async () => {
      const first = await resolveContact(
        env.database.db,
        scope(),
        { kind: "line_id", externalId: "U-line-1" },
        { displayName: "Line User" },
      );
      expect(first.created).toBe(true);
      const again = await resolveContact(env.database.db, scope(), { kind: "line_id", externalId: "U-line-1" });
      expect(again).toEqual({ contactId: first.contactId, created: false });
      expect((await get(a, first.contactId)).displayName).toBe("Line User");
      const other = await resolveContact(
        env.database.db,
        { workspaceId: b.workspace.id },
        { kind: "line_id", externalId: "U-line-1" },
      );
      expect(other.contactId).not.toBe(first.contactId);
    });

    it("creates one contact when the same new identity is resolved concurrently", async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          resolveContact(env.database.db, scope(), { kind: "telegram_id", externalId: "race-1" }),
        ),
      );
      expect(new Set(results.map((r) => r.contactId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it("resolves a batch: known identities, new ones created together once each, races lost to another batch", async () => {
      const known = await resolveContact(env.database.db, scope(), { kind: "line_id", externalId: "batch-known" });
      const batch = [
        { identity: { kind: "line_id" as const, externalId: "batch-known" } },
        {
          identity: { kind: "line_id" as const, externalId: "batch-new-1" },
          hints: { email: "Batch.One@Example.com" },
        },
        { identity: { kind: "line_id" as const, externalId: "batch-new-2" }, hints: { displayName: "Batch Two" } },
        { identity: { kind: "line_id" as const, externalId: "batch-new-1" } },
        { identity: { kind: "phone" as const, externalId: "06 12 34 56 78" } },
      ];
      // Two batches at once race for the same new identities: one contact each all the same.
      const [r, s] = await Promise.all([
        resolveContacts(env.database.db, scope(), batch),
        resolveContacts(env.database.db, scope(), batch.slice(1, 3)),
      ]);
      expect(r[0]).toEqual({ contactId: known.contactId, created: false });
      expect(r[3]).toEqual({ contactId: r[1]?.contactId, created: false });
      expect(s.map((x) => x.contactId)).toEqual([r[1]?.contactId, r[2]?.contactId]);
      expect([...r.slice(1, 3), ...s].filter((x) => x.created)).toHaveLength(2);
      const one = await get(a, r[1]?.contactId ?? "");
      expect(one.emails).toEqual([expect.objectContaining({ normalized: "batch.one@example.com" })]);
      expect((await get(a, r[2]?.contactId ?? "")).displayName).toBe("Batch Two");
      // The new contact's email is a key: a contact created with the same email is a certain duplicate.
      const twin = await create(a, { displayName: "Twin", emails: ["batch.one@example.com"] });
      const dup = await call(a, "GET", `/api/v1/contacts/${twin.id}/duplicates`);
      expect(dup.json().data.map((x: { contact: Json }) => x.contact.id)).toContain(r[1]?.contactId);
      // The phone took the full path, with the workspace's region (FR).
      const phone = await call(a, "GET", `/api/v1/contacts?query=${encodeURIComponent("+33612345678")}`);
      expect(phone.json().data.map((c: Json) => c.id)).toContain(r[4]?.contactId);
      // Another workspace resolving the same identities gets its own contacts.
      const other = await resolveContacts(env.database.db, { workspaceId: b.workspace.id }, batch.slice(1, 2));
      expect(other[0]?.contactId).not.toBe(r[1]?.contactId);
    });

    it("joins the OpenIDs of several WeChat apps into one contact by UnionID", async () => {
      const oa = await resolveContact(
        env.database.db,
        scope(),
        { kind: "wechat_openid", namespace: "wx-oa", externalId: "o-oa-1" },
        { unionId: "u-1", displayName: "微信用户" },
      );
      const mini = await resolveContact(
        env.database.db,
        scope(),
        { kind: "wechat_openid", namespace: "wx-mini", externalId: "o-mini-1" },
        { unionId: "u-1" },
      );
      expect(mini).toEqual({ contactId: oa.contactId, created: false });
      const kinds = ((await get(a, oa.contactId)).identities as Json[]).map(
        (i) => `${i.kind}:${i.namespace}:${i.externalId}`,
      );
      expect(kinds.sort()).toEqual([
        "wechat_openid:wx-mini:o-mini-1",
        "wechat_openid:wx-oa:o-oa-1",
        "wechat_unionid:null:u-1",
      ]);
    });

    it("merges two contacts found to share a UnionID, as an undoable decision", async () => {
      const web = await resolveContact(env.database.db, scope(), {
        kind: "wechat_openid",
        namespace: "wx-web",
        externalId: "o-web-2",
      });
      const oa = await resolveContact(
        env.database.db,
        scope(),
        { kind: "wechat_openid", namespace: "wx-oa", externalId: "o-oa-2" },
        { unionId: "u-2" },
      );
      expect(web.contactId).not.toBe(oa.contactId);
      const joined = await resolveContact(
        env.database.db,
        scope(),
        { kind: "wechat_openid", namespace: "wx-web", externalId: "o-web-2" },
        { unionId: "u-2" },
      );
      expect(joined.contactId).toBe(oa.contactId);
      const decisions = (await call(a, "GET", `/api/v1/contacts/${oa.contactId}/decisions`)).json().data;
      expect(decisions).toEqual([
        expect.objectContaining({ kind: "merge", basis: "wechat_unionid", sourceContactId: web.contactId }),
      ]);
      const again = await resolveContact(env.database.db, scope(), {
        kind: "wechat_openid",
        namespace: "wx-web",
        externalId: "o-web-2",
      });
      expect(again.contactId).toBe(oa.contactId);
    });
  });

  describe("consent, merge and unmerge", () => {
    it("keeps an append-only consent ledger and derives the current consent", async () => {
      const c = await create(a, {
        displayName: "Consenting",
        identities: [{ kind: "whatsapp_id", externalId: "+33 6 11 22 33 44" }],
      });
      const grant = await call(a, "POST", `/api/v1/contacts/${c.id}/consent`, {
        purpose: "marketing",
        channel: "whatsapp",
        status: "granted",
        source: "form",
        evidence: { formId: "f1" },
        recordedAt: "2026-01-01T00:00:00Z",
      });
      expect(grant.statusCode, grant.body).toBe(201);
      await call(a, "POST", `/api/v1/contacts/${c.id}/consent`, {
        purpose: "marketing",
        status: "withdrawn",
        source: "conversation",
        recordedAt: "2026-02-01T00:00:00Z",
      });
      const consent = (await call(a, "GET", `/api/v1/contacts/${c.id}/consent`)).json();
      expect(consent.history).toHaveLength(2);
      expect(consent.current).toEqual([
        expect.objectContaining({ purpose: "marketing", channel: null, status: "withdrawn" }),
        expect.objectContaining({ purpose: "marketing", channel: "whatsapp", status: "granted" }),
      ]);
      const identity = ((await get(a, c.id)).identities as Json[])[0];
      expect(identity?.consent).toMatchObject({ marketing: "withdrawn", service: "unknown" });
      await expect(env.database.query("delete from consent_records")).rejects.toThrow(/append-only/);
      const bad = await call(a, "POST", `/api/v1/contacts/${c.id}/consent`, {
        purpose: "spam",
        status: "granted",
        source: "x",
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.issues[0].path).toBe("/purpose");
    });

    it("links two contacts only with identity_linking consent or an agent's stated reason", async () => {
      const x = await create(a, { displayName: "Link X", emails: ["linkx@example.com"] });
      const y = await create(a, {
        displayName: "Link Y",
        identities: [{ kind: "messenger_psid", namespace: "page-1", externalId: "psid-1" }],
      });
      const refused = await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: y.id }, "agent");
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.reason).toBe("linking_consent_missing");

      await call(a, "POST", `/api/v1/contacts/${y.id}/consent`, {
        purpose: "identity_linking",
        status: "granted",
        source: "member_portal",
      });
      const merged = await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: y.id }, "agent");
      expect(merged.statusCode, merged.body).toBe(200);
      expect(merged.json().decision).toMatchObject({ basis: "consent", actorType: "token" });
      expect(merged.json().contact.identities.map((i: Json) => i.externalId)).toEqual(["psid-1"]);

      const z = await create(a, { displayName: "Link Z" });
      const w = await create(a, { displayName: "Link W" });
      const byAgent = await call(a, "POST", `/api/v1/contacts/${z.id}/merge`, {
        sourceId: w.id,
        reason: "Customer confirmed on the phone",
        evidence: { call: "2026-03-01" },
      });
      expect(byAgent.json().decision).toMatchObject({
        basis: "agent_decision",
        reason: "Customer confirmed on the phone",
      });
    });

    it("refuses to merge a contact with itself, with another workspace's contact, or twice", async () => {
      const x = await create(a, { displayName: "Self" });
      const self = await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: x.id, reason: "r" });
      expect(self.statusCode).toBe(409);
      expect(self.json().error.reason).toBe("merge_with_itself");
      const foreign = await create(b, { displayName: "Foreign" });
      const cross = await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: foreign.id, reason: "r" });
      expect(cross.statusCode).toBe(404);
      expect(cross.json().error.details.field).toBe("sourceId");
      const y = await create(a, { displayName: "Twice" });
      expect(
        (await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: y.id, reason: "r" })).statusCode,
      ).toBe(200);
      const twice = await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: y.id, reason: "r" });
      expect(twice.json().error.reason).toBe("contact_already_merged");
    });

    it("unmerges exactly: both profiles, identities, consent and timelines come back", async () => {
      const x = await create(a, {
        givenName: "Marie",
        familyName: "Curie",
        emails: ["marie@example.com"],
        tags: ["science"],
        identities: [{ kind: "email", externalId: "marie@example.com" }],
      });
      const y = await create(a, {
        displayName: "M. Curie",
        phones: ["0611111111"],
        company: "Sorbonne",
        tags: ["paris"],
        attributes: { vip_level: 5 },
        identities: [{ kind: "line_id", externalId: "line-curie" }],
      });
      await call(a, "POST", "/api/v1/events", { contactId: x.id, type: "page_view", id: "curie-1" });
      await call(a, "POST", "/api/v1/events", {
        identity: { kind: "line_id", externalId: "line-curie" },
        type: "message",
        id: "curie-2",
      });
      await call(a, "POST", `/api/v1/contacts/${y.id}/consent`, {
        purpose: "marketing",
        status: "granted",
        source: "form",
      });
      const before = await Promise.all([get(a, x.id), get(a, y.id)]);
      const timelines = async () =>
        Promise.all(
          [x.id, y.id].map(async (id) => (await call(a, "GET", `/api/v1/contacts/${id}/timeline`)).json().data),
        );
      const timelinesBefore = await timelines();
      const rows = async () =>
        (await env.database.query(`select * from contacts where id in ($1, $2) order by id`, [x.id, y.id])).rows;
      const rowsBefore = await rows();

      const merge = (
        await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, { sourceId: y.id, reason: "same person" })
      ).json();
      expect(merge.contact).toMatchObject({
        company: "Sorbonne",
        tags: ["science", "paris"],
        attributes: { vip_level: 5 },
      });
      expect(merge.contact.identities).toHaveLength(2);
      expect((await call(a, "GET", `/api/v1/contacts/${x.id}/timeline`)).json().data).toHaveLength(2);
      expect((await get(a, y.id)).id).toBe(x.id);

      const undo = await call(a, "POST", `/api/v1/contacts/${x.id}/unmerge`, { decisionId: merge.decision.id });
      expect(undo.statusCode, undo.body).toBe(200);
      expect(await Promise.all([get(a, x.id), get(a, y.id)])).toEqual(before);
      expect(await timelines()).toEqual(timelinesBefore);
      expect(await rows()).toEqual(rowsBefore);

      const again = await call(a, "POST", `/api/v1/contacts/${x.id}/unmerge`, { decisionId: merge.decision.id });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.reason).toBe("merge_already_undone");
      const decisions = (await call(a, "GET", `/api/v1/contacts/${x.id}/decisions`)).json().data;
      expect(decisions.map((d: Json) => d.kind)).toEqual(["merge", "unmerge"]);
    });
  });

  describe("timeline events", () => {
    it("ingests single and batch events idempotently, resolving identities", async () => {
      const single = await call(a, "POST", "/api/v1/events", {
        id: "evt-1",
        type: "page_view",
        occurredAt: "2026-01-10T10:00:00Z",
        identity: { kind: "ecommerce_id", externalId: "shop-42" },
        hints: { displayName: "Shopper" },
        properties: { url: "/shoes" },
      });
      expect(single.statusCode, single.body).toBe(201);
      const contactId = single.json().results[0].contactId;
      const batch = await call(a, "POST", "/api/v1/events", {
        events: [
          { id: "evt-1", type: "page_view", identity: { kind: "ecommerce_id", externalId: "shop-42" } },
          { id: "evt-2", type: "order", occurredAt: "2026-01-12T10:00:00Z", contactId, properties: { total: 99 } },
          { id: "evt-2", type: "order", contactId },
          {
            id: "evt-3",
            type: "cart",
            occurredAt: "2026-01-11T10:00:00Z",
            identity: { kind: "ecommerce_id", externalId: "shop-42" },
          },
        ],
      });
      expect(batch.statusCode, batch.body).toBe(201);
      expect(batch.json()).toMatchObject({ created: 2, duplicates: 2 });
      expect(batch.json().results.map((r: Json) => r.status)).toEqual(["duplicate", "created", "duplicate", "created"]);
      const retry = await call(a, "POST", "/api/v1/events", { events: [{ id: "evt-3", type: "cart", contactId }] });
      expect(retry.statusCode).toBe(200);
      expect(retry.json().created).toBe(0);

      const all = (await call(a, "GET", `/api/v1/contacts/${contactId}/timeline`)).json();
      expect(all.data.map((e: Json) => e.clientEventId)).toEqual(["evt-2", "evt-3", "evt-1"]);
      const orders = (
        await call(a, "GET", `/api/v1/contacts/${contactId}/timeline?type=order,cart&from=2026-01-11T12:00:00Z`)
      ).json();
      expect(orders.data.map((e: Json) => e.clientEventId)).toEqual(["evt-2"]);
      const page1 = (await call(a, "GET", `/api/v1/contacts/${contactId}/timeline?limit=2`)).json();
      const page2 = (
        await call(a, "GET", `/api/v1/contacts/${contactId}/timeline?limit=2&cursor=${page1.nextCursor}`)
      ).json();
      expect([...page1.data, ...page2.data].map((e: Json) => e.clientEventId)).toEqual(["evt-2", "evt-3", "evt-1"]);
      expect(page2.nextCursor).toBeNull();
    });

    it("filters the timeline by kind: `order.*` is every type under order., other entries match exactly", async () => {
      const contactId = (await call(a, "POST", "/api/v1/contacts", { displayName: "Kind filter" })).json().id;
      const types = ["order.paid", "order.refunded", "orderly", "web_x.view", "webax.view", "location"];
      const ingested = await call(a, "POST", "/api/v1/events", {
        events: types.map((type, i) => ({
          type,
          contactId,
          occurredAt: `2026-02-0${i + 1}T10:00:00Z`,
          ...(type === "location" ? { properties: { latitude: 48.85, longitude: 2.35 } } : {}),
        })),
      });
      expect(ingested.statusCode, ingested.body).toBe(201);
      const typesOf = async (filter: string) =>
        (await call(a, "GET", `/api/v1/contacts/${contactId}/timeline?type=${encodeURIComponent(filter)}`))
          .json()
          .data.map((e: Json) => e.type);
      expect(await typesOf("order.*")).toEqual(["order.refunded", "order.paid"]);
      // `_` is a plain character, not a LIKE wildcard.
      expect(await typesOf("web_x.*,location")).toEqual(["location", "web_x.view"]);
      expect(await typesOf("order")).toEqual([]);
      const foreign = await call(b, "GET", `/api/v1/contacts/${contactId}/timeline?type=order.*`);
      expect(foreign.statusCode).toBe(404);
    });

    it("rejects bad events with the field named, and batches over 1,000", async () => {
      const noContact = await call(a, "POST", "/api/v1/events", { type: "x" });
      expect(noContact.statusCode).toBe(400);
      expect(noContact.json().error.details.issues[0].path).toBe("/identity");
      const badType = await call(a, "POST", "/api/v1/events", {
        events: [{ type: "Bad Type!", contactId: a.workspace.id }],
      });
      expect(badType.json().error.details.issues[0].path).toBe("/events/0/type");
      const big = await call(a, "POST", "/api/v1/events", {
        events: Array.from({ length: 1001 }, (_, i) => ({
          type: "x",
          identity: { kind: "crm_id", externalId: `c${i}` },
        })),
      });
      expect(big.statusCode).toBe(400);
      const unknown = await call(a, "POST", "/api/v1/events", {
        events: [{ type: "x", contactId: "0190a0a0-0000-7000-8000-000000000000" }],
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.details.field).toBe("events[0].contactId");
    });

    it("ingests a full batch of 1,000 events", async () => {
      const res = await call(a, "POST", "/api/v1/events", {
        events: Array.from({ length: 1000 }, (_, i) => ({
          id: `bulk-${i}`,
          type: "page_view",
          identity: { kind: "crm_id", externalId: `bulk-${i % 50}` },
        })),
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
      expect(res.json().created).toBe(1000);
    });
  });

  describe("duplicates", () => {
    it("suggests certain and probable duplicates with reasons, and forgets dismissed ones", async () => {
      const base = await create(a, {
        displayName: "Jonathan Smithers",
        emails: ["jon@smithers.io"],
        company: "Initech",
      });
      const sameEmail = await create(a, { displayName: "J.S.", emails: ["JON@smithers.io "] });
      const typo = await create(a, { displayName: "Jonahtan Smithers", company: "initech" });
      await create(a, { displayName: "Someone Else", company: "Initech" });
      const list = (await call(a, "GET", `/api/v1/contacts/${base.id}/duplicates`)).json().data;
      expect(list).toEqual([
        expect.objectContaining({
          contact: expect.objectContaining({ id: sameEmail.id }),
          level: "certain",
          reasons: [{ code: "same_email", value: "jon@smithers.io" }],
        }),
        expect.objectContaining({ contact: expect.objectContaining({ id: typo.id }), level: "probable" }),
      ]);
      const created = await create(a, { displayName: "Jonathan Smithers", company: "Initech" });
      expect((created.duplicates as Json[]).map((d) => (d.contact as Json).id)).toContain(base.id);
      const dismiss = await call(a, "POST", `/api/v1/contacts/${base.id}/duplicates/${typo.id}/dismiss`, {
        reason: "different people",
      });
      expect(dismiss.statusCode).toBe(204);
      const after = (await call(a, "GET", `/api/v1/contacts/${base.id}/duplicates`)).json().data;
      expect(after.map((d: { contact: Json }) => d.contact.id)).not.toContain(typo.id);
    });

    it("suggests the same name written in another script or word order, never another workspace's", async () => {
      const duplicatesOf = async (w: Ws, id: string) => {
        const res = await call(w, "GET", `/api/v1/contacts/${id}/duplicates`);
        expect(res.statusCode, res.body).toBe(200);
        return res.json().data as { contact: Json; level: string; reasons: unknown[] }[];
      };
      const theirs = await create(b, { displayName: "Wang Fang" });
      const han = await create(a, { givenName: "芳", familyName: "王" });
      expect(han.displayName).toBe("王芳");
      const latin = await create(a, { displayName: "Fang Wang" });
      expect(await duplicatesOf(a, han.id)).toEqual([
        expect.objectContaining({
          contact: expect.objectContaining({ id: latin.id }),
          level: "probable",
          reasons: [{ code: "transliterated_name", value: "Fang Wang" }],
        }),
      ]);
      expect((await duplicatesOf(a, latin.id)).map((d) => d.contact.id)).toEqual([han.id]);
      expect((await duplicatesOf(b, theirs.id)).map((d) => d.contact.id)).toEqual([]);

      const cyrillic = await create(a, { givenName: "Иван", familyName: "Петров" });
      const ivan = await create(a, { displayName: "Ivan Petrov", company: "Initrode" });
      expect(await duplicatesOf(a, ivan.id)).toEqual([
        expect.objectContaining({
          contact: expect.objectContaining({ id: cyrillic.id }),
          reasons: [{ code: "transliterated_name", value: "Иван Петров" }],
        }),
      ]);

      // A contact renamed is found under its new name, and no longer under the old one.
      const patched = await call(a, "PATCH", `/api/v1/contacts/${latin.id}`, { displayName: "Petrov Ivan" });
      expect(patched.statusCode, patched.body).toBe(200);
      expect((await duplicatesOf(a, han.id)).map((d) => d.contact.id)).toEqual([]);
      expect((await duplicatesOf(a, cyrillic.id)).map((d) => d.contact.id).sort()).toEqual([ivan.id, latin.id].sort());
    });
  });

  describe("privacy", () => {
    it("exports everything about a contact as JSON", async () => {
      const c = await create(a, {
        displayName: "Export Me",
        emails: ["export@example.com"],
        identities: [{ kind: "crm_id", externalId: "EXP-1" }],
      });
      await call(a, "POST", "/api/v1/events", { contactId: c.id, type: "note", properties: { text: "hello" } });
      await call(a, "POST", `/api/v1/contacts/${c.id}/consent`, {
        purpose: "service",
        status: "granted",
        source: "form",
      });
      const res = await call(a, "GET", `/api/v1/contacts/${c.id}/export`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        contact: { id: c.id, displayName: "Export Me" },
        identities: [{ kind: "crm_id", externalId: "EXP-1" }],
        consent: [{ purpose: "service", status: "granted" }],
        timeline: [{ type: "note", properties: { text: "hello" } }],
      });
    });

    it("erases a contact (and what was merged into it) leaving no trace in any profiles table", async () => {
      const secrets = [
        "erase.me@example.com",
        "+33655554444",
        "Zyxwv Erasable",
        "wx-erase-openid",
        "ERASE-CRM",
        "Erasmus Corp",
        "secret-note-text",
        "ERASE-ORDER-1",
        "secret-item-name",
        "secret-place-label",
      ];
      const x = await create(a, {
        displayName: "Zyxwv Erasable",
        emails: ["erase.me@example.com"],
        phones: ["06 55 55 44 44"],
        company: "Erasmus Corp",
        identities: [{ kind: "wechat_openid", namespace: "wx-oa", externalId: "wx-erase-openid" }],
      });
      const y = await create(a, {
        displayName: "Zyxwv Erasable",
        identities: [{ kind: "crm_id", externalId: "ERASE-CRM" }],
      });
      await call(a, "POST", "/api/v1/events", {
        contactId: y.id,
        type: "note",
        properties: { text: "secret-note-text" },
      });
      const located = await call(a, "POST", "/api/v1/events", {
        contactId: y.id,
        type: "location",
        properties: { latitude: 48.85, longitude: 2.35, label: "secret-place-label" },
      });
      expect(located.statusCode, located.body).toBe(201);
      const ordered = await call(a, "POST", "/api/v1/orders", {
        contactId: x.id,
        externalId: "ERASE-ORDER-1",
        status: "paid",
        currency: "EUR",
        total: "10",
        lines: [{ name: "secret-item-name", quantity: 1, unitPrice: "10" }],
      });
      expect(ordered.statusCode, ordered.body).toBe(201);
      await call(a, "POST", `/api/v1/contacts/${x.id}/consent`, {
        purpose: "marketing",
        status: "granted",
        source: "form",
        evidence: { email: "erase.me@example.com" },
      });
      await call(a, "POST", `/api/v1/contacts/${x.id}/merge`, {
        sourceId: y.id,
        reason: "same person",
        evidence: { said: "Zyxwv Erasable" },
      });

      expect((await call(a, "POST", `/api/v1/contacts/${x.id}/erase`, undefined, "agent")).statusCode).toBe(403);
      const erased = await call(a, "POST", `/api/v1/contacts/${x.id}/erase`);
      expect(erased.statusCode, erased.body).toBe(200);
      expect(erased.json().contactIds.sort()).toEqual([x.id, y.id].sort());

      for (const table of PROFILE_TABLES) {
        const { rows } = await env.database.query<{ t: string }>(`select t::text as t from ${table} t`);
        for (const row of rows)
          for (const s of secrets) expect(row.t.toLowerCase(), `${table} holds ${s}`).not.toContain(s.toLowerCase());
      }
      expect((await call(a, "GET", `/api/v1/contacts/${x.id}`)).statusCode).toBe(404);
      expect((await call(a, "GET", `/api/v1/contacts/${y.id}`)).statusCode).toBe(404);
      const fresh = await resolveContact(
        env.database.db,
        { workspaceId: a.workspace.id },
        { kind: "crm_id", externalId: "ERASE-CRM" },
      );
      expect(fresh.created).toBe(true);
    });
  });

  describe("isolation and permissions", () => {
    it("answers 404 for another workspace's contact on every contact endpoint", async () => {
      const theirs = await create(b, { displayName: "Theirs", identities: [{ kind: "crm_id", externalId: "T-1" }] });
      const mine = await create(a, { displayName: "Mine" });
      const merge = (
        await call(b, "POST", `/api/v1/contacts/${theirs.id}/merge`, {
          sourceId: (await create(b, { displayName: "Theirs 2" })).id,
          reason: "r",
        })
      ).json();
      const id = theirs.id;
      const requests: ["GET" | "POST" | "PATCH", string, unknown?][] = [
        ["GET", `/api/v1/contacts/${id}`],
        ["PATCH", `/api/v1/contacts/${id}`, { displayName: "hijack" }],
        ["POST", `/api/v1/contacts/${id}/merge`, { sourceId: mine.id, reason: "r" }],
        ["POST", `/api/v1/contacts/${mine.id}/merge`, { sourceId: id, reason: "r" }],
        ["POST", `/api/v1/contacts/${id}/unmerge`, { decisionId: merge.decision.id }],
        ["POST", `/api/v1/contacts/${mine.id}/unmerge`, { decisionId: merge.decision.id }],
        ["GET", `/api/v1/contacts/${id}/decisions`],
        ["GET", `/api/v1/contacts/${id}/consent`],
        ["POST", `/api/v1/contacts/${id}/consent`, { purpose: "marketing", status: "granted", source: "x" }],
        ["GET", `/api/v1/contacts/${id}/duplicates`],
        ["POST", `/api/v1/contacts/${id}/duplicates/${mine.id}/dismiss`, {}],
        ["POST", `/api/v1/contacts/${mine.id}/duplicates/${id}/dismiss`, {}],
        ["GET", `/api/v1/contacts/${id}/timeline`],
        ["POST", "/api/v1/events", { contactId: id, type: "x" }],
        ["GET", `/api/v1/contacts/${id}/export`],
        ["POST", `/api/v1/contacts/${id}/erase`],
        ["GET", `/api/v1/contacts/${id}/orders`],
        ["GET", `/api/v1/contacts/${id}/locations`],
        ["POST", "/api/v1/orders", { contactId: id, externalId: "X-1", status: "paid", currency: "EUR", total: 1 }],
      ];
      for (const [method, url, payload] of requests) {
        const res = await call(a, method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
      expect((await get(b, id)).displayName).toBe("Theirs");
      const list = (await call(a, "GET", "/api/v1/contacts?query=T-1")).json();
      expect(list.data).toEqual([]);
    });

    it("documents its routes in the OpenAPI document under the profiles tag", async () => {
      const res = await env.app.inject({ url: "/api/openapi.json" });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { paths: Record<string, Record<string, { tags?: string[] }>> };
      expect(doc.paths["/api/v1/events"]?.post?.tags).toEqual(["profiles"]);
      expect(doc.paths["/api/v1/contacts/{id}"]?.get?.tags).toEqual(["profiles"]);
    });

    it("checks permissions per role", async () => {
      const c = await create(a, { displayName: "Perm" });
      const cases: [string, "GET" | "POST" | "PUT", string, unknown, number][] = [
        ["analyst", "GET", `/api/v1/contacts/${c.id}`, undefined, 200],
        ["analyst", "POST", "/api/v1/contacts", { displayName: "no" }, 403],
        ["analyst", "POST", "/api/v1/events", { contactId: c.id, type: "x" }, 403],
        ["agent", "POST", "/api/v1/contacts", { displayName: "yes" }, 201],
        ["agent", "GET", `/api/v1/contacts/${c.id}/export`, undefined, 403],
        ["agent", "POST", "/api/v1/contact-attributes", { key: "k", label: "K", type: "text" }, 403],
        ["agent", "PUT", "/api/v1/contact-settings", { defaultRegion: "CN" }, 403],
        ["supervisor", "POST", `/api/v1/contacts/${c.id}/erase`, undefined, 403],
        ["owner", "GET", `/api/v1/contacts/${c.id}/export`, undefined, 200],
      ];
      for (const [role, method, url, payload, status] of cases) {
        const res = await env.app.inject({
          method,
          url,
          headers: a.auth(role as Role),
          ...(payload !== undefined ? { payload: payload as object } : {}),
        });
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(status);
      }
      expect((await env.app.inject({ url: "/api/v1/contacts" })).statusCode).toBe(401);
    });
  });
});
