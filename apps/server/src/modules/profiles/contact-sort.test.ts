import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { insertContactsBulk, updateContactsBulk } from "./bulk/bulk-repository.ts";
import { applyContactFields, blankContact } from "./contact-fields.ts";
import { compareContacts, NAMELESS_SORT_KEY, nameSortKeyOf } from "./contact-sort.ts";

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;
type Contact = { id: string; displayName: string | null; updatedAt: string };
type Page = { data: Contact[]; nextCursor: string | null };

describe("name sort key", () => {
  it("folds case and accents, keeps spaces, and puts nameless contacts after every name", () => {
    expect(nameSortKeyOf("  Émile   Zola ")).toBe("emile zola");
    expect(nameSortKeyOf(null)).toBe(NAMELESS_SORT_KEY);
    expect(nameSortKeyOf("x".repeat(300))).toHaveLength(100);
    const row = (id: string, name: string | null) => ({ id, updated_at: new Date(0), name_sort: nameSortKeyOf(name) });
    // An astral character is above U+FFFF in the database's byte order, below it in UTF-16 units.
    const sorted = [row("1", null), row("2", "\u{20000}"), row("3", "\uFFFD"), row("4", "zz")].sort(
      compareContacts("name"),
    );
    expect(sorted.map((r) => r.id)).toEqual(["4", "3", "2", "1"]);
  });
});

describe.each(TEST_DATABASES)("contact list sorts on %s", (kind) => {
  let env: TestEnv;
  let w: Ws;
  let other: Ws;
  const ids: Record<string, string> = {};

  const list = async (ws: Ws, qs: string) => {
    const res = await env.app.inject({ method: "GET", url: `/api/v1/contacts?${qs}`, headers: ws.auth("admin") });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Page;
  };
  /** Every page of a list with limit=2, checking each contact comes once. */
  const pageAll = async (ws: Ws, qs: string) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(ws, `${qs}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    return seen;
  };
  const names = (found: string[]) => found.map((id) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id);

  beforeAll(async () => {
    env = await openTestEnv(kind);
    w = await buildWorkspace(env);
    other = await buildWorkspace(env);
    const make = async (ws: Ws, label: string, payload: Record<string, unknown>) => {
      const res = await env.app.inject({
        method: "POST",
        url: "/api/v1/contacts",
        headers: ws.auth("admin"),
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      ids[label] = (res.json() as Contact).id;
    };
    await make(w, "zoe", { displayName: "Zoë", tags: ["vip"] });
    await make(w, "ada1", { displayName: "ada Lovelace" });
    await make(w, "nameless1", { emails: ["ada.nameless@example.com"], tags: ["vip"] });
    await make(w, "emile", { givenName: "Émile", familyName: "Zola", tags: ["vip"] });
    await make(w, "ada2", { displayName: "ADA LOVELACE", tags: ["vip"] });
    await make(w, "yves", { displayName: "Yves", identities: [{ kind: "line_id", externalId: "ada" }] });
    await make(w, "nameless2", { phones: ["+33 6 12 34 56 78"] });
    await make(w, "adam", { displayName: "Ådam", tags: ["vip"] });
    await make(w, "bob", { displayName: "bob" });
    await make(other, "intruder", { displayName: "Aaron", tags: ["vip"] });
    // Two contacts updated at the same instant: the tie is broken by id.
    const at = (label: string, iso: string) =>
      sql`update contacts set updated_at = ${iso}::timestamptz where id = ${ids[label]}::uuid`.execute(env.database.db);
    await at("bob", "2026-01-03T00:00:00Z");
    await at("zoe", "2026-01-03T00:00:00Z");
    await at("ada1", "2026-01-04T00:00:00Z");
    await at("nameless2", "2026-01-01T00:00:00Z");
  });
  afterAll(async () => env?.close());

  const inW = () => Object.entries(ids).filter(([label]) => label !== "intruder");
  const byIdDesc = () =>
    inW()
      .map(([, id]) => id)
      .sort()
      .reverse();
  const tie = (a: string, b: string) => [ids[a], ids[b]].sort().map((id) => names([id as string])[0]);

  it("orders by each sort, ties broken by id", async () => {
    expect((await list(w, "limit=50")).data.map((c) => c.id)).toEqual(byIdDesc());
    expect((await list(w, "sort=newest")).data.map((c) => c.id)).toEqual(byIdDesc());
    expect((await list(w, "sort=oldest")).data.map((c) => c.id)).toEqual(byIdDesc().reverse());
    expect(names((await list(w, "sort=name")).data.map((c) => c.id))).toEqual([
      ...tie("ada1", "ada2"),
      "adam",
      "bob",
      "emile",
      "yves",
      "zoe",
      ...tie("nameless1", "nameless2"),
    ]);
    const updated = names((await list(w, "sort=updated")).data.map((c) => c.id));
    // The untouched ones were updated at creation (now), after every date set above, newest first.
    const fresh = names(byIdDesc()).filter((l) => !["bob", "zoe", "ada1", "nameless2"].includes(l));
    expect(updated).toEqual([...fresh, "ada1", ...tie("bob", "zoe").reverse(), "nameless2"]);
  });

  it("pages through every sort with a small limit: each contact once, in order", async () => {
    for (const sort of ["newest", "oldest", "name", "updated"]) {
      const whole = (await list(w, `sort=${sort}`)).data.map((c) => c.id);
      expect(whole).toHaveLength(inW().length);
      expect(await pageAll(w, `sort=${sort}`)).toEqual(whole);
    }
  });

  it("combines each sort with tag, stage and search, across the search's merged probes", async () => {
    expect(names(await pageAll(w, "sort=name&tag=vip"))).toEqual(["ada2", "adam", "emile", "zoe", "nameless1"]);
    // "ada" matches names and an email through the search text, and Yves through an identity.
    expect(names(await pageAll(w, "sort=name&query=ada"))).toEqual([
      ...tie("ada1", "ada2"),
      "adam",
      "yves",
      "nameless1",
    ]);
    expect(names(await pageAll(w, "sort=updated&query=ada&tag=vip"))).toEqual(
      names(
        [ids.ada2, ids.nameless1, ids.adam]
          .map((id) => id as string)
          .sort()
          .reverse(),
      ),
    );
    expect(names(await pageAll(w, "sort=oldest&query=ada"))).toEqual(
      names(["ada1", "ada2", "adam", "yves", "nameless1"].map((l) => ids[l] as string).sort()),
    );
    expect(await pageAll(w, "sort=name&stage=customer")).toEqual([]);
  });

  it("refuses an unknown sort naming the allowed values, and a cursor of another sort", async () => {
    const bad = await env.app.inject({ method: "GET", url: "/api/v1/contacts?sort=age", headers: w.auth("admin") });
    expect(bad.statusCode).toBe(400);
    const error = bad.json().error;
    expect(error.details.issues[0].path).toBe("/sort");
    expect(error.message).toContain("newest");
    expect(error.message).toContain("updated");
    const cursors: Record<string, string> = {};
    for (const sort of ["newest", "oldest", "name", "updated"]) {
      cursors[sort] = (await list(w, `sort=${sort}&limit=1`)).nextCursor as string;
    }
    for (const [made, cursor] of Object.entries(cursors)) {
      for (const sort of ["newest", "oldest", "name", "updated"].filter((s) => s !== made)) {
        const res = await env.app.inject({
          method: "GET",
          url: `/api/v1/contacts?sort=${sort}&cursor=${cursor}`,
          headers: w.auth("admin"),
        });
        expect(res.statusCode, `${made} cursor under ${sort}`).toBe(400);
        expect(res.json().error.details.field).toBe("cursor");
      }
    }
  });

  it("keys the names of contacts an import inserts or updates", async () => {
    const ws = await buildWorkspace(env);
    const now = new Date();
    const row = (name: string | null) =>
      applyContactFields(blankContact(ws.workspace.id, uuidv7(), now), { displayName: name }, null, undefined, now);
    const [olga, nameless, bea] = [row("Olga"), row(null), row("Béa")];
    await insertContactsBulk(env.database.db, [olga, nameless, bea]);
    const order = async () => (await list(ws, "sort=name")).data.map((c) => c.id);
    expect(await order()).toEqual([bea.id, olga.id, nameless.id]);
    await updateContactsBulk(env.database.db, [
      applyContactFields(nameless, { displayName: "Anna" }, null, undefined, now),
    ]);
    expect(await order()).toEqual([nameless.id, bea.id, olga.id]);
  });

  it("documents the sort in the OpenAPI document, with its values and default", async () => {
    const doc = (await env.app.inject({ url: "/api/openapi.json" })).json() as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string; schema?: unknown }[] } }>;
    };
    const sort = doc.paths["/api/v1/contacts"]?.get?.parameters?.find((p) => p.name === "sort");
    expect(sort).toMatchObject({
      in: "query",
      schema: { enum: ["newest", "oldest", "name", "updated"], default: "newest" },
    });
  });

  it("never lists another workspace's contacts, whatever the sort", async () => {
    for (const sort of ["newest", "oldest", "name", "updated"]) {
      const mine = await pageAll(w, `sort=${sort}&tag=vip`);
      expect(mine).not.toContain(ids.intruder);
      expect(await pageAll(other, `sort=${sort}`)).toEqual([ids.intruder]);
      expect(await pageAll(other, `sort=${sort}&query=ada`)).toEqual([]);
    }
  });
});
