import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";

const SMTP_PASSWORD = "hunter2-smtp-secret";

describe.each(TEST_DATABASES)("testing a channel's connection on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let closed: Server;
  let closedPort: number;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    // A server that accepts and hangs up at once: an SMTP check against it fails fast.
    closed = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    closedPort = (closed.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => closed?.close(resolve));
    await env?.close();
  });

  const create = async (payload: object, auth = a.auth("admin")) => {
    const res = await env.app.inject({ method: "POST", url: "/api/v1/channels", headers: auth, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().channel.id as string;
  };
  const test = (id: string, auth = a.auth("admin")) =>
    env.app.inject({ method: "POST", url: `/api/v1/channels/${id}/test`, headers: auth });

  it("answers OK for an api channel, which has no remote credentials", async () => {
    const id = await create({ type: "api", name: "Shop" });
    const res = await test(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, detail: "This api channel has no remote credentials to check." });
  });

  it("reports a failed SMTP check clearly without echoing the password", async () => {
    const id = await create({
      type: "email",
      name: "Support",
      config: {
        fromAddress: "support@acme.test",
        smtpHost: "127.0.0.1",
        smtpPort: closedPort,
        smtpUser: "support",
        smtpPassword: SMTP_PASSWORD,
        allowPrivateNetwork: true,
      },
    });
    const res = await test(id);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.reason).toBe("email_smtp_failed");
    expect(res.json().error.message).toMatch(/^SMTP check failed: /);
    expect(res.body).not.toContain(SMTP_PASSWORD);
    const shown = await env.app.inject({ url: `/api/v1/channels/${id}`, headers: a.auth("admin") });
    expect(shown.body).not.toContain(SMTP_PASSWORD);
  });

  it("answers 404 for another workspace's channel, 400 for a malformed id, 403 for an agent", async () => {
    const id = await create({ type: "api", name: "Mine" });
    expect((await test(id, b.auth("owner"))).statusCode).toBe(404);
    expect((await test("not-a-uuid")).statusCode).toBe(400);
    expect((await test(id, a.auth("agent"))).statusCode).toBe(403);
  });

  it("edits a channel's name and config; another workspace cannot", async () => {
    const id = await create({ type: "api", name: "Before" });
    const patch = (payload: object, auth = a.auth("admin")) =>
      env.app.inject({ method: "PATCH", url: `/api/v1/channels/${id}`, headers: auth, payload });
    const ok = await patch({
      name: "After",
      config: { webhookUrl: "http://127.0.0.1:9/hook", allowPrivateNetwork: true },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: "After", config: { webhookUrl: "http://127.0.0.1:9/hook" } });
    // A host that does not resolve is a clear 400, not a server error.
    const unknown = await patch({
      config: { webhookUrl: "https://no-such-host.invalid/hook", allowPrivateNetwork: false },
    });
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error.reason).toBe("url_unresolvable");
    expect((await patch({ name: "Theirs" }, b.auth("owner"))).statusCode).toBe(404);
    const empty = await patch({});
    expect(empty.statusCode).toBe(400);
  });
});
