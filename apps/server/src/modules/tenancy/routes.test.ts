import type { FastifyRequest } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace, TEST_PASSWORD } from "../../../test/factories.ts";
import { countingDatabase, openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { authenticate } from "./authenticate.ts";
import { PERMISSIONS, type Permission, ROLES, type Role } from "./policy.ts";

describe.each(TEST_DATABASES)("tenancy on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
  });
  afterAll(async () => env?.close());

  const login = (email: string, password = TEST_PASSWORD, ip = "10.0.0.1") =>
    env.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password }, remoteAddress: ip });
  const cookieOf = (res: { cookies: { name: string; value: string }[] }) => {
    const c = res.cookies.find((x) => x.name === "rapport_session");
    if (!c) throw new Error("no session cookie");
    return { cookie: `rapport_session=${c.value}` };
  };

  describe("sign-in and sessions", () => {
    it("signs in with a password and sets an httpOnly, SameSite=Lax session cookie", async () => {
      const res = await login(a.users.admin.email);
      expect(res.statusCode).toBe(200);
      const cookie = res.cookies.find((c) => c.name === "rapport_session");
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
      expect(res.json()).toMatchObject({
        user: { email: a.users.admin.email },
        workspace: { slug: a.workspace.slug },
        role: "admin",
      });
      const me = await env.app.inject({ url: "/api/v1/me", headers: cookieOf(res) });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.email).toBe(a.users.admin.email);
    });

    it("answers a wrong password and an unknown email with the same message", async () => {
      const wrong = await login(a.users.agent.email, "wrong password!");
      const unknown = await login("nobody@nowhere.test", "wrong password!");
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json().error.message).toBe(unknown.json().error.message);
      expect(wrong.json().error.reason).toBe("invalid_credentials");
    });

    it("locks an account after repeated failures, even with the right password", async () => {
      const email = `locked-${kind}@x.test`;
      const { addMember } = await import("./use-cases/add-member.ts");
      await addMember(
        env,
        { type: "system", workspaceId: a.workspace.id },
        { email, role: "agent", password: TEST_PASSWORD },
      );
      for (let i = 0; i < 5; i++) expect((await login(email, "bad password!!", `10.1.0.${i}`)).statusCode).toBe(401);
      const res = await login(email, TEST_PASSWORD, "10.1.0.9");
      expect(res.statusCode).toBe(429);
      expect(res.json().error.reason).toBe("account_locked");
    });

    it("rate-limits sign-in attempts from one address", async () => {
      let last = 0;
      for (let i = 0; i < 21; i++) last = (await login("nobody@nowhere.test", "x", "10.9.9.9")).statusCode;
      expect(last).toBe(429);
    });

    it("ends the session on logout", async () => {
      const auth = cookieOf(await login(a.users.agent.email));
      expect((await env.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: auth })).statusCode).toBe(
        204,
      );
      const me = await env.app.inject({ url: "/api/v1/me", headers: auth });
      expect(me.statusCode).toBe(401);
      expect(me.json().error.reason).toBe("session_expired");
    });

    it("revokes the user's other sessions on password change, keeping the current one", async () => {
      const email = `pw-${kind}@x.test`;
      const { addMember } = await import("./use-cases/add-member.ts");
      await addMember(
        env,
        { type: "system", workspaceId: a.workspace.id },
        { email, role: "agent", password: TEST_PASSWORD },
      );
      const s1 = cookieOf(await login(email, TEST_PASSWORD, "10.2.0.1"));
      const s2 = cookieOf(await login(email, TEST_PASSWORD, "10.2.0.2"));
      const change = await env.app.inject({
        method: "POST",
        url: "/api/v1/me/password",
        headers: s1,
        payload: { currentPassword: TEST_PASSWORD, newPassword: "a brand new passphrase" },
      });
      expect(change.statusCode).toBe(200);
      expect(change.json().revokedSessions).toBe(1);
      expect((await env.app.inject({ url: "/api/v1/me", headers: s1 })).statusCode).toBe(200);
      expect((await env.app.inject({ url: "/api/v1/me", headers: s2 })).statusCode).toBe(401);
      expect((await login(email, TEST_PASSWORD, "10.2.0.3")).statusCode).toBe(401);
      expect((await login(email, "a brand new passphrase", "10.2.0.4")).statusCode).toBe(200);
    });

    it("refuses a weak new password and a wrong current one", async () => {
      const auth = cookieOf(await login(a.users.owner.email, TEST_PASSWORD, "10.3.0.1"));
      const weak = await env.app.inject({
        method: "POST",
        url: "/api/v1/me/password",
        headers: auth,
        payload: { currentPassword: TEST_PASSWORD, newPassword: "short" },
      });
      expect(weak.json().error.reason).toBe("password_too_short");
      const wrong = await env.app.inject({
        method: "POST",
        url: "/api/v1/me/password",
        headers: auth,
        payload: { currentPassword: "nope", newPassword: "long enough password" },
      });
      expect(wrong.json().error.reason).toBe("current_password_wrong");
    });
  });

  describe("API tokens", () => {
    it("creates a token shown once, stores only its hash, and stops it on revocation", async () => {
      const created = await env.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: a.auth("admin"),
        payload: { name: "ci", role: "agent" },
      });
      expect(created.statusCode).toBe(201);
      const { token, id } = created.json();
      expect(token).toMatch(/^rpt_/);
      const listed = await env.app.inject({ url: "/api/v1/tokens", headers: a.auth("admin") });
      expect(JSON.stringify(listed.json())).not.toContain(token);
      const { rows } = await env.database.query<{ token_hash: string }>(
        "select token_hash from api_tokens where id = $1",
        [id],
      );
      expect(rows[0]?.token_hash).not.toBe(token);
      expect(
        (await env.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } })).json().role,
      ).toBe("agent");
      const lastUsed = await env.app.inject({ url: "/api/v1/tokens", headers: a.auth("admin") });
      expect(lastUsed.json().data.find((t: { id: string }) => t.id === id).lastUsedAt).not.toBeNull();
      expect(
        (await env.app.inject({ method: "DELETE", url: `/api/v1/tokens/${id}`, headers: a.auth("admin") })).statusCode,
      ).toBe(200);
      const after = await env.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.reason).toBe("token_invalid");
    });

    it("looks a new credential up once however many requests present it at the same moment", async () => {
      // A database handle of its own: its credential cache starts empty.
      const { database, statements } = countingDatabase(env);
      const ctx = { database };
      const request = { headers: { authorization: `Bearer ${a.tokens.agent}` }, ip: "10.0.0.9" } as FastifyRequest;
      const actors = await Promise.all(Array.from({ length: 20 }, () => authenticate(ctx, request)));
      expect(new Set(actors.map((x) => `${x.type}:${x.id}:${x.role}:${x.ip}`))).toEqual(
        new Set([`token:${actors[0]?.id}:agent:10.0.0.9`]),
      );
      // One lookup, and at most one touch of last_used_at.
      expect(statements.length).toBeGreaterThanOrEqual(1);
      expect(statements.length).toBeLessThanOrEqual(2);
      const unknown = await Promise.allSettled(
        Array.from({ length: 3 }, () =>
          authenticate(ctx, { headers: { authorization: "Bearer rpt_nope2" }, ip: "10.0.0.9" } as FastifyRequest),
        ),
      );
      expect(unknown.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    });

    it("refuses to grant a role above the creator's", async () => {
      const res = await env.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: a.auth("admin"),
        payload: { name: "x", role: "owner" },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.reason).toBe("role_too_high");
    });

    it("rejects malformed and unknown bearer tokens", async () => {
      const malformed = await env.app.inject({ url: "/api/v1/me", headers: { authorization: "Token abc" } });
      expect(malformed.json().error.reason).toBe("authorization_malformed");
      const unknown = await env.app.inject({ url: "/api/v1/me", headers: { authorization: "Bearer rpt_nope" } });
      expect(unknown.json().error.reason).toBe("token_invalid");
    });
  });

  describe("permissions matrix", () => {
    // Each module's own tests cover its permissions; these are the ones of tenancy and the platform's admin routes.
    const routes: Partial<Record<Permission, { method: "GET" | "POST" | "PATCH"; url: string; payload?: object }>> = {
      "me.read": { method: "GET", url: "/api/v1/me" },
      "workspace.read": { method: "GET", url: "/api/v1/workspace" },
      "workspace.update": { method: "PATCH", url: "/api/v1/workspace", payload: { timezone: "UTC" } },
      "users.read": { method: "GET", url: "/api/v1/users" },
      "users.manage": { method: "POST", url: "/api/v1/users", payload: { email: "not-an-email", role: "agent" } },
      "teams.read": { method: "GET", url: "/api/v1/teams" },
      "teams.manage": { method: "POST", url: "/api/v1/teams", payload: { name: "" } },
      "tokens.manage": { method: "GET", url: "/api/v1/tokens" },
      "audit.read": { method: "GET", url: "/api/v1/audit-log" },
      "jobs.read": { method: "GET", url: "/api/v1/jobs/dead-letters" },
      "jobs.manage": { method: "POST", url: "/api/v1/jobs/dead-letters/00000000-0000-7000-8000-000000000000/retry" },
    };
    const cases = (Object.keys(routes) as Permission[]).flatMap((p) =>
      ROLES.map((role) => [p, role, (PERMISSIONS[p] as readonly Role[]).includes(role)] as const),
    );

    it.each(cases)("%s as %s → allowed=%s", async (permission, role, allowed) => {
      const route = routes[permission];
      if (!route) return;
      const res = await env.app.inject({
        method: route.method,
        url: route.url,
        headers: a.auth(role),
        ...(route.payload ? { payload: route.payload } : {}),
      });
      if (allowed) expect(res.statusCode, res.body).not.toBe(403);
      else {
        expect(res.statusCode).toBe(403);
        expect(res.json().error.reason).toBe("permission_denied");
      }
    });

    it("refuses every API route without credentials", async () => {
      for (const route of Object.values(routes)) {
        if (!route) continue;
        const res = await env.app.inject({
          method: route.method,
          url: route.url,
          ...(route.payload ? { payload: route.payload } : {}),
        });
        expect(res.statusCode, route.url).toBe(401);
      }
    });
  });

  describe("members and teams", () => {
    it("adds a member with a generated password, pages through members", async () => {
      const res = await env.app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: a.auth("admin"),
        payload: { email: `new-${kind}@x.test`, role: "agent" },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().initialPassword).toEqual(expect.any(String));
      const page1 = await env.app.inject({ url: "/api/v1/users?limit=2", headers: a.auth("admin") });
      expect(page1.json().data).toHaveLength(2);
      const ids = page1.json().data.map((u: { id: string }) => u.id);
      const page2 = await env.app.inject({
        url: `/api/v1/users?limit=2&cursor=${page1.json().nextCursor}`,
        headers: a.auth("admin"),
      });
      expect(page2.json().data.map((u: { id: string }) => u.id)).not.toContain(ids[0]);
    });

    it("creates a team, refuses a duplicate name and adds a member", async () => {
      const t = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("supervisor"),
        payload: { name: "VIP" },
      });
      expect(t.statusCode).toBe(201);
      const dup = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("supervisor"),
        payload: { name: "vip" },
      });
      expect(dup.statusCode).toBe(409);
      const put = await env.app.inject({
        method: "PUT",
        url: `/api/v1/teams/${t.json().id}/members/${a.users.agent.id}`,
        headers: a.auth("supervisor"),
      });
      expect(put.statusCode).toBe(204);
      const list = await env.app.inject({ url: "/api/v1/teams", headers: a.auth("agent") });
      expect(list.json().data.find((x: { id: string }) => x.id === t.json().id).memberIds).toEqual([a.users.agent.id]);
    });
  });

  describe("audit log", () => {
    it("records who did what, from where, and cannot be altered", async () => {
      await env.app.inject({
        method: "PATCH",
        url: "/api/v1/workspace",
        headers: { ...a.auth("owner"), "x-forwarded-for": "1.2.3.4" },
        payload: { name: "Renamed" },
        remoteAddress: "10.5.5.5",
      });
      const res = await env.app.inject({ url: "/api/v1/audit-log?action=workspace.updated", headers: a.auth("admin") });
      const entry = res.json().data[0];
      expect(entry).toMatchObject({
        action: "workspace.updated",
        actorType: "token",
        objectType: "workspace",
        ip: "10.5.5.5",
        details: { name: "Renamed" },
      });
      await expect(env.database.query("update audit_log set action = 'x'")).rejects.toThrow(/append-only/);
      await expect(env.database.query("delete from audit_log")).rejects.toThrow(/append-only/);
    });
  });

  describe("workspace isolation", () => {
    it("never shows another workspace's members, teams, tokens or audit entries", async () => {
      for (const url of ["/api/v1/users", "/api/v1/teams", "/api/v1/tokens", "/api/v1/audit-log"]) {
        const body = JSON.stringify((await env.app.inject({ url, headers: b.auth("owner") })).json());
        expect(body, url).not.toContain(a.workspace.id);
        for (const u of Object.values(a.users)) expect(body, url).not.toContain(u.id);
      }
    });

    it("answers 404 when revoking another workspace's token", async () => {
      const created = await env.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: a.auth("admin"),
        payload: { name: "mine", role: "agent" },
      });
      const res = await env.app.inject({
        method: "DELETE",
        url: `/api/v1/tokens/${created.json().id}`,
        headers: b.auth("owner"),
      });
      expect(res.statusCode).toBe(404);
      expect(
        (await env.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${created.json().token}` } }))
          .statusCode,
      ).toBe(200);
    });

    it("refuses to add another workspace's user to a team", async () => {
      const t = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: b.auth("owner"),
        payload: { name: "B team" },
      });
      const res = await env.app.inject({
        method: "PUT",
        url: `/api/v1/teams/${t.json().id}/members/${a.users.agent.id}`,
        headers: b.auth("owner"),
      });
      expect(res.statusCode).toBe(404);
    });
  });

  describe("bad input", () => {
    it("answers malformed JSON, unknown fields, wrong types and oversize bodies with clear 4xx errors", async () => {
      const malformed = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: { ...a.auth("admin"), "content-type": "application/json" },
        payload: "{nope",
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.reason).toBe("malformed_json");
      const unknown = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("admin"),
        payload: { name: "x", color: "red" },
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.message).toContain("color");
      const wrongType = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("admin"),
        payload: { name: 42 },
      });
      expect(wrongType.json().error).toMatchObject({ kind: "invalid", reason: "validation_failed" });
      const big = await env.app.inject({
        method: "POST",
        url: "/api/v1/teams",
        headers: a.auth("admin"),
        payload: { name: "x".repeat(2 * 1024 * 1024) },
      });
      expect(big.statusCode).toBe(413);
      const cursor = await env.app.inject({ url: "/api/v1/users?cursor=!!!", headers: a.auth("admin") });
      expect(cursor.json().error.reason).toBe("cursor_invalid");
      const limit = await env.app.inject({ url: "/api/v1/users?limit=500", headers: a.auth("admin") });
      expect(limit.statusCode).toBe(400);
    });

    it("writes no half row when a request fails", async () => {
      const before = await env.database.query<{ n: number }>("select count(*)::int as n from teams");
      await env.app.inject({ method: "POST", url: "/api/v1/teams", headers: a.auth("admin"), payload: { name: "" } });
      const after = await env.database.query<{ n: number }>("select count(*)::int as n from teams");
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    });

    it("exposes health, readiness, metrics and the OpenAPI document", async () => {
      expect((await env.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
      expect((await env.app.inject({ url: "/readyz" })).json()).toEqual({ status: "ready" });
      expect((await env.app.inject({ url: "/metrics" })).body).toContain("rapport_http_request_duration_seconds");
      const doc = (await env.app.inject({ url: "/api/openapi.json" })).json();
      expect(doc.paths["/api/v1/tokens"]).toBeDefined();
      const res = await env.app.inject({ url: "/healthz" });
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-request-id"]).toBeDefined();
    });
  });
});
