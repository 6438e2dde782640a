import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { waitFor } from "../../../../test/wait.ts";
import { recomputeLifecyclePage } from "../jobs.ts";
import { recomputePendingLifecycles, startLifecycleSweeper } from "./recompute-lifecycle.ts";

type Ws = Awaited<ReturnType<typeof buildWorkspace>>;
type Profile = {
  id: string;
  lifecycleStage: string | null;
  commerce: { orderCount: number; lifetimeValue: { currency: string; amount: string }[]; lastOrderAt: string | null };
  lastLocation: { latitude: number; longitude: number; label: string | null; occurredAt: string } | null;
  lifecycle: { stage: string; facts: { inbound: { d30: number } } } | null;
};

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

describe.each(TEST_DATABASES)("orders, locations and lifecycle on %s", (kind) => {
  let env: TestEnv;
  let a: Ws;
  let b: Ws;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
  });
  afterAll(async () => env?.close());

  const call = (w: Ws, method: "GET" | "POST", url: string, payload?: unknown, role: "admin" | "analyst" = "admin") =>
    env.app.inject({
      method,
      url,
      headers: w.auth(role),
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const profile = async (w: Ws, id: string) => (await call(w, "GET", `/api/v1/contacts/${id}`)).json() as Profile;
  const newContact = async (w: Ws, displayName: string) =>
    ((await call(w, "POST", "/api/v1/contacts", { displayName })).json() as { id: string }).id;

  it("upserts orders by external id, keeps their status history and derives lifetime value and order count", async () => {
    const first = await call(a, "POST", "/api/v1/orders", {
      source: "shop",
      externalId: "1001",
      identity: { kind: "ecommerce_id", externalId: "cust-1" },
      hints: { displayName: "Olga Buyer" },
      status: "pending",
      currency: "EUR",
      total: "59.90",
      placedAt: daysAgo(3),
      lines: [
        { sku: "TEE", name: "T-shirt", quantity: 2, unitPrice: "19.95" },
        { name: "Shipping", quantity: "1", unitPrice: 20 },
      ],
    });
    expect(first.statusCode, first.body).toBe(201);
    const order = first.json() as { id: string; contactId: string; lines: { total: string }[] };
    expect(order.lines.map((l) => l.total)).toEqual(["39.90", "20.00"]);
    const contactId = order.contactId;
    expect((await profile(a, contactId)).commerce).toMatchObject({ orderCount: 1, lifetimeValue: [] });

    const paid = await call(a, "POST", "/api/v1/orders", {
      source: "shop",
      externalId: "1001",
      identity: { kind: "ecommerce_id", externalId: "cust-1" },
      status: "paid",
      currency: "EUR",
      total: 59.9,
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const updated = paid.json() as { id: string; statusHistory: { status: string }[]; lines: unknown[] };
    expect(updated.id).toBe(order.id);
    expect(updated.statusHistory.map((s) => s.status)).toEqual(["pending", "paid"]);
    expect(updated.lines).toHaveLength(2);
    expect(
      (
        await call(a, "POST", "/api/v1/orders", {
          source: "shop",
          externalId: "1001",
          contactId,
          status: "paid",
          currency: "EUR",
          total: 59.9,
        })
      ).statusCode,
    ).toBe(200);

    for (const [externalId, status, currency, total] of [
      ["1002", "fulfilled", "EUR", "40.10"],
      ["1003", "cancelled", "EUR", "500"],
      ["1004", "refunded", "EUR", "30"],
      ["1005", "paid", "CNY", "88"],
    ] as const) {
      const res = await call(a, "POST", "/api/v1/orders", {
        contactId,
        source: "shop",
        externalId,
        status,
        currency,
        total,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const p = await profile(a, contactId);
    expect(p.commerce.orderCount).toBe(4);
    expect(p.commerce.lifetimeValue).toEqual([
      { currency: "CNY", amount: "88.00" },
      { currency: "EUR", amount: "100.00" },
    ]);
    const list = (await call(a, "GET", `/api/v1/contacts/${contactId}/orders?limit=2`)).json() as {
      data: { externalId: string }[];
      nextCursor: string | null;
    };
    expect(list.data).toHaveLength(2);
    expect(list.nextCursor).not.toBeNull();
    const timeline = (
      await call(a, "GET", `/api/v1/contacts/${contactId}/timeline?type=order.pending,order.paid`)
    ).json() as {
      data: unknown[];
    };
    expect(timeline.data).toHaveLength(3);

    const bad = await call(a, "POST", "/api/v1/orders", {
      contactId,
      externalId: "x",
      status: "paid",
      currency: "euro",
      total: "1,5",
    });
    expect(bad.statusCode).toBe(400);
    expect(
      (
        await call(
          a,
          "POST",
          "/api/v1/orders",
          { contactId, externalId: "x", status: "paid", currency: "EUR", total: 1 },
          "analyst",
        )
      ).statusCode,
    ).toBe(403);
  });

  it("keeps a trajectory of location points and shows the last known one on the profile", async () => {
    const id = await newContact(a, "Walker");
    const points = [
      [daysAgo(2), 48.8566, 2.3522, "Paris"],
      [daysAgo(1), 45.764, 4.8357, "Lyon"],
      [daysAgo(5), 43.2965, 5.3698, "Marseille"],
    ] as const;
    for (const [occurredAt, latitude, longitude, label] of points) {
      const res = await call(a, "POST", "/api/v1/events", {
        contactId: id,
        type: "location",
        occurredAt,
        properties: { latitude, longitude, label },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const trajectory = (await call(a, "GET", `/api/v1/contacts/${id}/locations`)).json() as {
      data: { label: string }[];
    };
    expect(trajectory.data.map((p) => p.label)).toEqual(["Lyon", "Paris", "Marseille"]);
    const windowed = (
      await call(a, "GET", `/api/v1/contacts/${id}/locations?from=${encodeURIComponent(daysAgo(3))}`)
    ).json() as {
      data: unknown[];
    };
    expect(windowed.data).toHaveLength(2);
    expect((await profile(a, id)).lastLocation).toMatchObject({ label: "Lyon", latitude: 45.764 });
    const wrong = await call(a, "POST", "/api/v1/events", {
      contactId: id,
      type: "location",
      properties: { latitude: 91, longitude: 0 },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.field).toBe("events[0].properties.latitude");
  });

  it("recomputes the lifecycle stage shortly after events arrive (debounced job) and in the nightly pass", async () => {
    const id = await newContact(a, "Cycler");
    // What the debounced job does when its window ends.
    const settle = () => recomputePendingLifecycles(env.database.db, a.workspace.id);
    expect((await profile(a, id)).lifecycleStage).toBeNull();
    await call(a, "POST", "/api/v1/events", { contactId: id, type: "follow", occurredAt: daysAgo(1) });
    // The ingest only marked the contact: no aggregate over its timeline ran on the way in.
    expect((await profile(a, id)).lifecycleStage).toBeNull();
    const marked = await env.database.query<{ n: number }>(
      "select count(*)::int as n from contact_lifecycle_pending where workspace_id = $1 and contact_id = $2",
      [a.workspace.id, id],
    );
    expect(marked.rows[0]?.n).toBe(1);
    expect(await settle()).toBe(false);
    expect((await profile(a, id)).lifecycleStage).toBe("new");
    await call(a, "POST", "/api/v1/events", { contactId: id, type: "unfollow" });
    await settle();
    const churned = await profile(a, id);
    expect(churned.lifecycleStage).toBe("churned");
    expect(churned.lifecycle?.stage).toBe("churned");

    // An old customer who wrote 100 days ago and again today is re-engaged.
    const old = await newContact(a, "Returner");
    await env.database.query("update contacts set created_at = now() - interval '200 days' where id = $1", [old]);
    await call(a, "POST", "/api/v1/events", {
      events: [
        { contactId: old, type: "message.received", occurredAt: daysAgo(100) },
        { contactId: old, type: "message.sent", occurredAt: daysAgo(2), properties: { direction: "outbound" } },
      ],
    });
    await settle();
    expect((await profile(a, old)).lifecycleStage).toBe("churned");
    await call(a, "POST", "/api/v1/events", { contactId: old, type: "message.received" });
    await settle();
    expect((await profile(a, old)).lifecycleStage).toBe("re-engaged");

    // Time passes: the nightly pass moves a contact without new events.
    const in40Days = new Date(Date.now() + 40 * 86_400_000);
    expect(await recomputeLifecyclePage(env, a.workspace.id, null, in40Days)).toBeNull();
    expect((await profile(a, old)).lifecycleStage).toBe("at-risk");
  });

  it("has the worker's sweep recompute marked contacts within seconds", async () => {
    const stop = startLifecycleSweeper(env);
    try {
      const id = await newContact(a, "Swept");
      await call(a, "POST", "/api/v1/events", { contactId: id, type: "follow" });
      await waitFor(async () => (await profile(a, id)).lifecycleStage === "new", 15_000);
      const left = await env.database.query<{ n: number }>(
        "select count(*)::int as n from contact_lifecycle_pending where workspace_id = $1",
        [a.workspace.id],
      );
      expect(left.rows[0]?.n).toBe(0);
    } finally {
      await stop();
    }
  });

  it("keeps orders and locations within their workspace", async () => {
    const theirs = await newContact(b, "Theirs");
    await call(b, "POST", "/api/v1/orders", {
      contactId: theirs,
      externalId: "B-1",
      status: "paid",
      currency: "EUR",
      total: 5,
    });
    const mine = await call(a, "POST", "/api/v1/orders", {
      externalId: "B-1",
      identity: { kind: "crm_id", externalId: "mine" },
      status: "paid",
      currency: "EUR",
      total: 7,
    });
    expect(mine.statusCode, mine.body).toBe(201);
    expect((mine.json() as { contactId: string }).contactId).not.toBe(theirs);
    expect((await profile(b, theirs)).commerce.lifetimeValue).toEqual([{ currency: "EUR", amount: "5.00" }]);
    for (const url of [`/api/v1/contacts/${theirs}/orders`, `/api/v1/contacts/${theirs}/locations`]) {
      expect((await call(a, "GET", url)).statusCode).toBe(404);
    }
  });
});
