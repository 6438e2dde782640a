import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";
import { waitFor } from "../../../test/wait.ts";
import { createDispatcher, type Dispatcher } from "../../platform/outbox.ts";
import { subscribeHandlers } from "../../wiring.ts";

const RATE = 50; // the api channel's declared rate (capabilities.ratePerSecond), burst of the same size
const TIMEOUT_MS = 500;

/**
 * A provider that fails 30 % of calls — 10 % 429, 10 % 500, 10 % a response slower than the client's
 * timeout after the message was accepted — honours idempotency keys (a repeated key is answered from the
 * first outcome, never processed twice) and refuses recipients named `blocked-*` for good.
 */
async function flakyProvider() {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const processed = new Map<string, number>();
  const calls: number[] = [];
  const stats = { failures: 0, replays: 0 };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      calls.push(performance.now());
      const key = String(req.headers["idempotency-key"]);
      const answer = (status: number) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: `p-${key}` }));
      };
      if (processed.has(key)) {
        stats.replays++;
        return answer(200);
      }
      const recipient = (JSON.parse(body) as { recipient: { externalId: string } }).recipient.externalId;
      if (recipient.startsWith("blocked-")) return answer(403);
      const roll = random();
      if (roll < 0.3) stats.failures++;
      if (roll < 0.1) return answer(429);
      if (roll < 0.2) return answer(500);
      processed.set(key, (processed.get(key) ?? 0) + 1);
      if (roll < 0.3) {
        setTimeout(() => answer(200), TIMEOUT_MS + 300);
        return;
      }
      answer(200);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, processed, calls, stats, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The most calls seen in any window of `ms` milliseconds. */
function busiestWindow(calls: number[], ms: number): number {
  const sorted = [...calls].sort((x, y) => x - y);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) > ms) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe.each(TEST_DATABASES)("outbound against a provider failing 30 %% of calls on %s", (kind) => {
  let env: TestEnv;
  let provider: Awaited<ReturnType<typeof flakyProvider>>;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    env = await openTestEnv(kind, { OUTBOUND_RETRY_DELAY_SECONDS: "1" });
    provider = await flakyProvider();
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await env?.close();
    await provider?.close();
  });

  it("sends every reply once, within the rate limit, and ends each one sent or failed with a reason", async () => {
    const ws = await buildWorkspace(env);
    const created = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: ws.auth("admin"),
      payload: {
        type: "api",
        name: "flaky",
        config: { webhookUrl: provider.url, allowPrivateNetwork: true, timeoutMs: TIMEOUT_MS },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const channelId = created.json().channel.id;
    const customers = [...Array.from({ length: 18 }, (_, i) => `cust-${i}`), "blocked-1", "blocked-2"];
    const inbound = await env.app.inject({
      method: "POST",
      url: `/api/v1/channels/${channelId}/inbound`,
      headers: ws.auth("agent"),
      payload: {
        messages: customers.map((c) => ({ externalMessageId: `in-${c}`, from: { externalId: c }, text: "Hello" })),
      },
    });
    expect(inbound.statusCode, inbound.body).toBe(202);
    const caseIds = (inbound.json().data as { caseId: string }[]).map((r) => r.caseId);

    const replies = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        env.app.inject({
          method: "POST",
          url: `/api/v1/cases/${caseIds[i % caseIds.length]}/messages`,
          headers: ws.auth("agent"),
          payload: { text: `Reply ${i}` },
        }),
      ),
    );
    expect(replies.map((r) => r.statusCode)).toEqual(replies.map(() => 201));

    const outcome = () =>
      sql<{ status: string; error: string | null; id: string; blocked: boolean }>`
        select m.id, m.status, m.error, c.external_thread_id like 'blocked-%' as blocked
        from messages m join conversations c on c.workspace_id = m.workspace_id and c.id = m.conversation_id
        where m.workspace_id = ${ws.workspace.id} and m.direction = 'outbound'
      `
        .execute(env.database.db)
        .then((r) => r.rows);
    await waitFor(async () => (await outcome()).every((m) => m.status === "sent" || m.status === "failed"), 100_000);
    const rows = await outcome();
    expect(rows).toHaveLength(150);
    expect(provider.stats.failures).toBeGreaterThan(20);
    // Refused recipients fail at once with the provider's answer; nothing else is lost.
    for (const m of rows) {
      if (m.blocked) expect(m).toMatchObject({ status: "failed", error: "webhook answered 403" });
      else if (m.status === "failed") expect(m.error).toBeTruthy();
    }
    const sent = rows.filter((m) => m.status === "sent");
    // A message failing six times in a row (0.3^6) ends failed with its reason; the rest are sent.
    expect(sent.length).toBeGreaterThanOrEqual(rows.filter((m) => !m.blocked).length - 3);
    // Zero duplicate deliveries: a retry after a timeout carries the same idempotency key (the message id),
    // so the provider answers it from the first outcome; each sent message was processed exactly once.
    for (const m of sent) expect(provider.processed.get(m.id)).toBe(1);
    expect([...provider.processed.values()].every((n) => n === 1)).toBe(true);
    expect(provider.stats.replays).toBeGreaterThan(0);
    // Zero rate-limit violations: a token bucket of RATE/s with a burst of RATE (small slack for timers).
    expect(busiestWindow(provider.calls, 1000)).toBeLessThanOrEqual(2 * RATE + 2);
    expect(busiestWindow(provider.calls, 100)).toBeLessThanOrEqual(RATE + RATE / 10 + 2);
  }, 120_000);
});
