import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";

describe.each(TEST_DATABASES)("changing a member's role on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
  });
  afterAll(async () => {
    await env?.close();
  });

  const patch = (ws: typeof a, role: "owner" | "admin" | "supervisor", userId: string, payload: object) =>
    env.app.inject({ method: "PATCH", url: `/api/v1/users/${userId}`, headers: ws.auth(role), payload });

  it("lets an admin promote an agent to supervisor, and records it in the audit log", async () => {
    const res = await patch(a, "admin", a.users.agent.id, { role: "supervisor" });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: a.users.agent.id, email: a.users.agent.email, role: "supervisor" });
    const members = (await env.app.inject({ url: "/api/v1/users", headers: a.auth("agent") })).json().data;
    expect(members.find((m: { id: string }) => m.id === a.users.agent.id).role).toBe("supervisor");
    const audit = (
      await env.app.inject({ url: "/api/v1/audit-log?action=member.role_changed", headers: a.auth("admin") })
    ).json().data;
    expect(audit[0]).toMatchObject({ objectId: a.users.agent.id, details: { from: "agent", to: "supervisor" } });
    expect((await patch(a, "admin", a.users.agent.id, { role: "agent" })).statusCode).toBe(200);
  });

  it("refuses roles above the caller's, touching a higher member, bad roles and supervisors", async () => {
    expect((await patch(a, "admin", a.users.agent.id, { role: "owner" })).json().error.reason).toBe("role_too_high");
    expect((await patch(a, "admin", a.users.owner.id, { role: "agent" })).json().error.reason).toBe("role_too_high");
    expect((await patch(a, "admin", a.users.agent.id, { role: "root" })).statusCode).toBe(400);
    expect((await patch(a, "supervisor", a.users.agent.id, { role: "analyst" })).statusCode).toBe(403);
  });

  it("refuses to change the caller's own role", async () => {
    const login = await env.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: a.users.admin.email, password: "correct horse battery" },
    });
    const cookie = `rapport_session=${login.cookies.find((c) => c.name === "rapport_session")?.value}`;
    const res = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${a.users.admin.id}`,
      headers: { cookie },
      payload: { role: "agent" },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ reason: "own_role", details: { field: "role" } });
  });

  it("answers 404 for a member of another workspace", async () => {
    const res = await patch(a, "owner", b.users.agent.id, { role: "analyst" });
    expect(res.statusCode).toBe(404);
    const members = (await env.app.inject({ url: "/api/v1/users", headers: b.auth("admin") })).json().data;
    expect(members.find((m: { id: string }) => m.id === b.users.agent.id).role).toBe("agent");
  });
});
