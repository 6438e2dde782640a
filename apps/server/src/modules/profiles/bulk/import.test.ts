import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import type { Role } from "../../tenancy/index.ts";
import { findImport } from "./bulk-repository.ts";
import { createImport, runImport } from "./import-contacts.ts";

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;
type ImportJson = {
  id: string;
  state: string;
  rowsRead: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  error: { line: number; reason: string; message: string } | null;
  errors: { line: number; field: string | null; reason: string; message: string }[];
};
type ContactJson = {
  id: string;
  displayName: string | null;
  givenName: string | null;
  company: string | null;
  tags: string[];
  emails: { value: string; normalized: string | null; valid: boolean }[];
  phones: { value: string; e164: string | null }[];
  attributes: Record<string, unknown>;
  qualityFlags: { field: string; code: string }[];
  identities: { kind: string; externalId: string }[];
};

const BAD_ROWS_CSV = [
  "given_name,family_name,email,phone,company,tags,attributes.vip_level,crm_id,birthday",
  "Ada,Lovelace,ada@example.com,06 12 34 56 78,Analytical,vip|paris,2,C-1,1815-12-10",
  "Grace,Hopper,grace@example.com,,Navy,,x,C-2,",
  "Alan,Turing,alan@example.com,,,,,C-3,1912-02-30",
  ",,,,,,,,",
  '"Multi',
  'line",Name,multi@example.com,,,,,C-4,',
  "Too,Few,fields",
  'Bad,"Quote"x,q@example.com,,,,,C-5,',
  "Ada,Lovelace,ADA@example.com,,,returning,,,",
  "Eve,,ada@example.com,,,,,C-4,",
  "Bob,Invalid,not-an-email,,,,,C-6,",
].join("\r\n");

describe.each(TEST_DATABASES)("contact import and export on %s", (kind) => {
  let env: TestEnv;
  let a: Ws;
  let b: Ws;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    for (const w of [a, b]) {
      await env.app.inject({
        method: "PUT",
        url: "/api/v1/contact-settings",
        headers: w.auth("admin"),
        payload: { defaultRegion: "FR" },
      });
      await env.app.inject({
        method: "POST",
        url: "/api/v1/contact-attributes",
        headers: w.auth("admin"),
        payload: { key: "vip_level", label: "VIP level", type: "number" },
      });
    }
    await env.jobs.start({ work: true, supervise: false });
  });
  afterAll(async () => env?.close());

  const upload = (w: Ws, body: string | Buffer, type = "text/csv", query = "", role: Role = "admin") =>
    env.app.inject({
      method: "POST",
      url: `/api/v1/contacts/imports${query}`,
      headers: { ...w.auth(role), "content-type": type },
      payload: body,
    });

  async function importFile(w: Ws, body: string | Buffer, type = "text/csv", query = ""): Promise<ImportJson> {
    const res = await upload(w, body, type, query);
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    expect(res.headers.location).toBe(`/api/v1/contacts/imports/${id}`);
    for (let i = 0; i < 200; i++) {
      const got = await env.app.inject({
        method: "GET",
        url: `/api/v1/contacts/imports/${id}`,
        headers: w.auth("admin"),
      });
      const body = got.json() as ImportJson;
      if (body.state === "completed" || body.state === "failed") return body;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error("import did not finish");
  }

  const contactsOf = async (w: Ws, query = "") => {
    const res = await env.app.inject({
      method: "GET",
      url: `/api/v1/contacts?limit=200${query}`,
      headers: w.auth("admin"),
    });
    return (res.json() as { data: ContactJson[] }).data;
  };

  it("imports the good rows, reports every bad row by line and reason, and duplicates nothing on a re-run", async () => {
    const first = await importFile(a, BAD_ROWS_CSV);
    expect(first.state).toBe("completed");
    expect(first.errors.map((e) => [e.line, e.reason, e.field])).toEqual([
      [3, "attribute_type_mismatch", "attributes.vip_level"],
      [4, "field_invalid", "birthday"],
      [5, "row_empty", null],
      [8, "column_count", null],
      [9, "csv_quote_invalid", null],
      [11, "ambiguous_match", null],
    ]);
    expect(first).toMatchObject({ rowsRead: 10, imported: 3, updated: 1, unchanged: 0, failed: 6 });
    const contacts = await contactsOf(a);
    expect(contacts).toHaveLength(3);
    const ada = contacts.find((c) => c.givenName === "Ada");
    expect(ada).toMatchObject({
      company: "Analytical",
      tags: ["vip", "paris", "returning"],
      attributes: { vip_level: 2 },
      phones: [{ value: "06 12 34 56 78", e164: "+33612345678" }],
    });
    const profile = (
      await env.app.inject({ method: "GET", url: `/api/v1/contacts/${ada?.id}`, headers: a.auth("admin") })
    ).json() as ContactJson;
    expect(profile.identities).toEqual([expect.objectContaining({ kind: "crm_id", externalId: "C-1" })]);
    expect(contacts.find((c) => c.givenName === "Multi\nline")).toBeTruthy();
    const bob = contacts.find((c) => c.givenName === "Bob");
    expect(bob?.emails).toEqual([{ value: "not-an-email", normalized: null, valid: false }]);
    expect(bob?.qualityFlags).toContainEqual({ field: "emails[0]", code: "invalid_email" });

    const again = await importFile(a, BAD_ROWS_CSV);
    expect(again).toMatchObject({ rowsRead: 10, imported: 0, updated: 0, unchanged: 4, failed: 6 });
    expect(await contactsOf(a)).toHaveLength(3);
  });

  it("stops on line 1, importing nothing, when the delimiter, encoding or header is wrong", async () => {
    const semicolons = "given_name;family_name;email\nJean;Dupont;jean@example.fr\n";
    const wrongDelimiter = await importFile(b, semicolons);
    expect(wrongDelimiter).toMatchObject({
      state: "failed",
      rowsRead: 0,
      error: { line: 1, reason: "delimiter_mismatch" },
    });
    expect(wrongDelimiter.error?.message).toContain("semicolons");

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("given_name\nJean\n", "utf16le")]);
    expect((await importFile(b, utf16)).error).toMatchObject({ line: 1, reason: "encoding_utf16" });

    const latin1 = Buffer.from("prénom,email\nJosé,jose@example.es\n", "latin1");
    expect((await importFile(b, latin1)).error).toMatchObject({ line: 1, reason: "encoding_invalid" });

    const unknown = await importFile(b, "given_name,shoe_size\nJean,42\n");
    expect(unknown.error).toMatchObject({ line: 1, reason: "column_unknown" });
    expect(unknown.error?.message).toContain('"shoe_size"');
    expect(await contactsOf(b)).toHaveLength(0);

    const mapped = await importFile(b, semicolons, "text/csv", "?delimiter=%3B&map=email%3Demails");
    expect(mapped).toMatchObject({ state: "completed", imported: 1, failed: 0 });
    const skipped = await importFile(
      b,
      "given_name,shoe_size,email\nJeanne,38,jeanne@example.fr\nNoKey,41,not-an-email\n",
      "text/csv",
      "?map=shoe_size%3D-",
    );
    expect(skipped).toMatchObject({ imported: 1, failed: 1 });
    expect(skipped.errors).toEqual([expect.objectContaining({ line: 3, reason: "row_without_key" })]);
    expect(await contactsOf(b)).toHaveLength(2);
  });

  it("imports JSONL with renamed keys and reports lines that are not JSON objects", async () => {
    const jsonl = [
      JSON.stringify({
        first: "Marie",
        familyName: "Curie",
        emails: ["marie@example.fr"],
        identities: [{ kind: "member_no", externalId: "M-1" }],
      }),
      "{not json",
      "[1,2]",
      "",
      JSON.stringify({ first: "Pierre", shoeSize: 44 }),
      JSON.stringify({ first: "Marie", identities: [{ kind: "member_no", externalId: "M-1" }], tags: ["nobel"] }),
    ].join("\n");
    const result = await importFile(b, jsonl, "application/x-ndjson", "?map=first%3DgivenName");
    expect(result.errors.map((e) => [e.line, e.reason])).toEqual([
      [2, "json_invalid"],
      [3, "json_not_object"],
      [5, "field_unknown"],
    ]);
    expect(result).toMatchObject({ imported: 1, updated: 1, failed: 3 });
    const [marie] = await contactsOf(b, "&query=curie");
    expect(marie?.tags).toEqual(["nobel"]);
  });

  it("reports a row whose owner is not a member of the workspace, importing the others", async () => {
    // A workspace of its own: the export test below reads everything workspace a holds.
    const c = await buildWorkspace(env);
    const csv = [
      "given_name,email,owner",
      `Olga,olga@example.com,${c.users.agent.id}`,
      `Oscar,oscar@example.com,${b.users.agent.id}`,
      "Otto,otto@example.com,0190a000-0000-7000-8000-000000000001",
      "Opal,opal@example.com,",
    ].join("\n");
    const result = await importFile(c, csv);
    expect(result.state).toBe("completed");
    expect(result.errors.map((e) => [e.line, e.field, e.reason])).toEqual([
      [3, "ownerUserId", "owner_not_member"],
      [4, "ownerUserId", "owner_not_member"],
    ]);
    expect(result).toMatchObject({ imported: 2, failed: 2 });
    const olga = (await contactsOf(c, "&query=olga"))[0] as ContactJson & { ownerUserId: string | null };
    expect(olga.ownerUserId).toBe(c.users.agent.id);
    expect(await contactsOf(c, "&query=oscar")).toHaveLength(0);
  });

  it("exports CSV with formula-escaped cells that import back into the same contacts", async () => {
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/contacts",
      headers: a.auth("admin"),
      payload: {
        givenName: '=HYPERLINK("http://evil")',
        company: "@Risk, Inc.",
        phones: ["+33 6 98 76 54 32"],
        identities: [{ kind: "member_no", externalId: "-7" }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const exported = await env.app.inject({
      method: "GET",
      url: "/api/v1/contacts/export?format=csv",
      headers: a.auth("admin"),
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-type"]).toContain("text/csv");
    const csv = exported.body;
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain(`"'@Risk, Inc."`);
    expect(csv).toContain("'+33 6 98 76 54 32");
    expect(csv).not.toMatch(/(^|,)[=+@-]/m);

    const c = await buildWorkspace(env);
    await env.app.inject({
      method: "POST",
      url: "/api/v1/contact-attributes",
      headers: c.auth("admin"),
      payload: { key: "vip_level", label: "VIP level", type: "number" },
    });
    await env.app.inject({
      method: "PUT",
      url: "/api/v1/contact-settings",
      headers: c.auth("admin"),
      payload: { defaultRegion: "FR" },
    });
    const reimported = await importFile(c, csv);
    expect(reimported).toMatchObject({ state: "completed", failed: 0, imported: 4 });
    const again = await env.app.inject({
      method: "GET",
      url: "/api/v1/contacts/export?format=csv",
      headers: c.auth("admin"),
    });
    const strip = (text: string) =>
      text
        .trim()
        .split("\r\n")
        .map((l) => l.replace(/^[0-9a-f-]{36},/, "").replace(/,[^,]*Z,[^,]*Z,/, ",,,"))
        .sort();
    expect(strip(again.body)).toEqual(strip(csv));

    const jsonl = await env.app.inject({
      method: "GET",
      url: "/api/v1/contacts/export?format=jsonl",
      headers: a.auth("admin"),
    });
    const lines = jsonl.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { givenName: string; identities: unknown[] });
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.givenName === "Ada")?.identities).toEqual([
      { kind: "crm_id", externalId: "C-1", verified: false },
    ]);
  });

  it("resumes an interrupted import after its last committed line without duplicating a row", async () => {
    const w = await buildWorkspace(env);
    const people = Array.from({ length: 25 }, (_, i) => `Person${i},p${i}@example.com`);
    const file = Buffer.from(["given_name,email", ...people].join("\n"));
    const system = { type: "system" as const, workspaceId: w.workspace.id };
    const imp = await createImport(env.database.db, system, {
      origin: "cli",
      format: "csv",
      fileName: "people.csv",
      options: {},
      state: "queued",
    });
    async function* crashing() {
      yield file.subarray(0, 200);
      throw new Error("power cut");
    }
    await expect(runImport(env, w.workspace.id, imp.id, crashing(), { batchSize: 4 })).rejects.toThrow("power cut");
    const interrupted = await findImport(env.database.db, w.workspace.id, imp.id);
    expect(interrupted?.state).toBe("running");
    expect(interrupted?.last_line).toBeGreaterThan(1);
    expect(interrupted?.rows_read).toBe((interrupted?.last_line ?? 0) - 1);
    async function* whole() {
      yield file;
    }
    const done = await runImport(env, w.workspace.id, imp.id, whole(), { batchSize: 4 });
    expect(done).toMatchObject({ state: "completed", rows_read: 25, imported: 25, updated: 0, failed: 0 });
    const { rows } = await env.database.query<{ n: number }>(
      "select count(*)::int as n from contacts where workspace_id = $1",
      [w.workspace.id],
    );
    expect(rows[0]?.n).toBe(25);
  });

  /** Runs an import of a CSV text straight through runImport (the CLI's way), with a small batch size. */
  async function runCsv(workspaceId: string, text: string, batchSize: number) {
    const imp = await createImport(
      env.database.db,
      { type: "system", workspaceId },
      { origin: "cli", format: "csv", fileName: "t.csv", options: {}, state: "queued" },
    );
    async function* whole() {
      yield Buffer.from(text);
    }
    return runImport(env, workspaceId, imp.id, whole(), { batchSize });
  }
  const tagEvents = async (workspaceId: string) =>
    (
      await env.database.query<{ payload: { contactIds: string[] } }>(
        "select payload from outbox where workspace_id = $1 and type = 'contacts.tags-changed' order by id",
        [workspaceId],
      )
    ).rows.map((r) => r.payload.contactIds);

  it("emits one contacts.tags-changed per committed batch with the contacts whose tags it set or changed", async () => {
    const w = await buildWorkspace(env);
    const rows = Array.from({ length: 7 }, (_, i) => `P${i},p${i}@example.com,${i % 2 ? "vip" : ""}`);
    const first = await runCsv(w.workspace.id, ["given_name,email,tags", ...rows].join("\n"), 3);
    expect(first).toMatchObject({ state: "completed", imported: 7 });
    // Batches of 3 rows: P1 | P3, P5 (P0, P2, P4, P6 have no tags; a batch without tag changes emits nothing).
    const events = await tagEvents(w.workspace.id);
    expect(events.map((ids) => ids.length)).toEqual([1, 2]);
    const { rows: tagged } = await env.database.query<{ id: string }>(
      "select id from contacts where workspace_id = $1 and tags <> '{}' order by id",
      [w.workspace.id],
    );
    expect(events.flat().sort()).toEqual(tagged.map((r) => r.id));
    // A re-run changes no tags: no event. A row adding a tag to an existing contact: that contact only.
    await runCsv(w.workspace.id, ["given_name,email,tags", ...rows].join("\n"), 3);
    expect(await tagEvents(w.workspace.id)).toHaveLength(2);
    await runCsv(w.workspace.id, "email,tags\np0@example.com,new\np1@example.com,vip\n", 10);
    const after = await tagEvents(w.workspace.id);
    expect(after).toHaveLength(3);
    const { rows: p0 } = await env.database.query<{ id: string }>(
      "select id from contacts where workspace_id = $1 and tags = '{new}'",
      [w.workspace.id],
    );
    expect(after.at(-1)).toEqual([p0[0]?.id]);
    // Another workspace's events name none of these contacts.
    expect((await tagEvents(b.workspace.id)).flat()).not.toContain(p0[0]?.id);
  });

  it("splits a batch's tag changes into events of at most 1,000 contacts", async () => {
    const w = await buildWorkspace(env);
    const rows = Array.from({ length: 1201 }, (_, i) => `t${i}@example.com,seg`);
    const done = await runCsv(w.workspace.id, ["email,tags", ...rows].join("\n"), 5000);
    expect(done).toMatchObject({ state: "completed", imported: 1201 });
    expect((await tagEvents(w.workspace.id)).map((ids) => ids.length)).toEqual([1000, 201]);
  });

  it("merges the rows of one person inside a batch and across batches, tags and identities united", async () => {
    const w = await buildWorkspace(env);
    const file = [
      "given_name,email,phone,crm_id,tags",
      "Ann,ann@example.com,,A-1,a",
      "Bo,bo@example.com,,B-1,",
      "Ann,ANN@example.com,+33 6 11 22 33 44,,b", // same person, same batch (by email)
      "Cy,cy@example.com,,C-1,",
      "Ann,,+33611223344,A-2,c", // same person, next batch (by phone), a second crm id
    ].join("\n");
    const done = await runCsv(w.workspace.id, file, 3);
    expect(done).toMatchObject({ state: "completed", imported: 3, updated: 2, failed: 0 });
    const { rows } = await env.database.query<{ tags: string[]; n: number }>(
      `select c.tags, (select count(*)::int from contact_identities i where i.workspace_id = c.workspace_id
         and i.contact_id = c.id) as n
       from contacts c where c.workspace_id = $1 and c.given_name = 'Ann'`,
      [w.workspace.id],
    );
    expect(rows).toEqual([{ tags: ["a", "b", "c"], n: 2 }]);
    const again = await runCsv(w.workspace.id, file, 3);
    expect(again).toMatchObject({ imported: 0, failed: 0 });
    const { rows: count } = await env.database.query<{ n: number }>(
      "select count(*)::int as n from contacts where workspace_id = $1",
      [w.workspace.id],
    );
    expect(count[0]?.n).toBe(3);
  });

  it("keeps imports and exports within their workspace and to admins", async () => {
    const mine = await importFile(a, "given_name\nSolo\n");
    for (const url of [`/api/v1/contacts/imports/${mine.id}`, `/api/v1/contacts/imports/${mine.id}/errors`]) {
      const res = await env.app.inject({ method: "GET", url, headers: b.auth("admin") });
      expect(res.statusCode).toBe(404);
    }
    expect((await upload(a, "given_name\nX\n", "text/csv", "", "agent")).statusCode).toBe(403);
    const agentExport = await env.app.inject({
      method: "GET",
      url: "/api/v1/contacts/export",
      headers: a.auth("agent"),
    });
    expect(agentExport.statusCode).toBe(403);
    const bExport = await env.app.inject({
      method: "GET",
      url: "/api/v1/contacts/export?format=jsonl",
      headers: b.auth("admin"),
    });
    expect(bExport.body).not.toContain("Solo");
    expect(bExport.body).not.toContain("Lovelace");
    const wrongType = await upload(a, JSON.stringify({ a: 1 }), "application/json");
    expect(wrongType.statusCode).toBe(415);
  });
});
