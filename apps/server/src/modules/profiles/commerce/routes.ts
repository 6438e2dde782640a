import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { toPage } from "../../../platform/pagination.ts";
import { actorOf, guard } from "../../tenancy/index.ts";
import { decodeTimeCursor, timeCursorKey } from "../cursor.ts";
import { familyOf, type OrderRow } from "../repository.ts";
import { OrderSchema, PeriodPageQuerySchema, TimePageQuerySchema } from "../schemas.ts";
import { requireContact } from "../use-cases/contacts.ts";
import { upsertOrder } from "./orders.ts";
import { formatAmount, presentLocation, presentOrder } from "./presenter.ts";
import {
  commerceSummary,
  findLifecycle,
  listLocations,
  listOrderLines,
  listOrderStatuses,
  listOrders,
} from "./repository.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["profiles"] };

function byOrder<R extends { order_id: string }>(rows: readonly R[]): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const list = out.get(r.order_id);
    if (list) list.push(r);
    else out.set(r.order_id, [r]);
  }
  return out;
}

async function presentOrders(db: Executor, workspaceId: string, orders: OrderRow[]) {
  const ids = orders.map((o) => o.id);
  const [lines, statuses] = await Promise.all([
    listOrderLines(db, workspaceId, ids),
    listOrderStatuses(db, workspaceId, ids),
  ]);
  const linesOf = byOrder(lines);
  const statusesOf = byOrder(statuses);
  return orders.map((o) => presentOrder(o, linesOf.get(o.id) ?? [], statusesOf.get(o.id) ?? []));
}

/** What the profile derives from orders, locations and the timeline: commerce totals, last location, lifecycle. */
export async function profileExtras(db: Executor, workspaceId: string, family: string[]) {
  const [summary, last, lifecycle] = await Promise.all([
    commerceSummary(db, workspaceId, family),
    listLocations(db, workspaceId, family, {}, 1),
    findLifecycle(db, workspaceId, family[0] ?? ""),
  ]);
  const lastOrder = summary.reduce<Date | null>((m, r) => (r.last && (!m || r.last > m) ? new Date(r.last) : m), null);
  const point = last[0];
  return {
    commerce: {
      orderCount: summary.reduce((n, r) => n + r.orders, 0),
      lifetimeValue: summary
        .filter((r) => r.value !== null)
        .map((r) => ({ currency: r.currency, amount: formatAmount(r.value ?? "0") })),
      lastOrderAt: lastOrder?.toISOString() ?? null,
    },
    lastLocation: point
      ? {
          latitude: point.latitude,
          longitude: point.longitude,
          label: point.label,
          occurredAt: point.occurred_at.toISOString(),
        }
      : null,
    lifecycle: lifecycle
      ? { stage: lifecycle.stage, facts: lifecycle.facts, computedAt: lifecycle.computed_at.toISOString() }
      : null,
  };
}

/** Orders (upsert, list per contact) and the location trajectory of a contact. */
export function registerCommerceRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;

  app.post(
    "/api/v1/orders",
    { schema: { ...tags, body: OrderSchema }, onRequest: guard(ctx, "orders.write") },
    async (request, reply) => {
      const { placedAt, ...rest } = request.body;
      const actor = actorOf(request);
      const { order, created } = await upsertOrder(ctx, actor, {
        ...rest,
        placedAt: placedAt ? new Date(placedAt) : undefined,
      });
      const [presented] = await presentOrders(db, actor.workspaceId, [order]);
      return reply.status(created ? 201 : 200).send(presented);
    },
  );

  app.get(
    "/api/v1/contacts/:id/orders",
    {
      schema: {
        ...tags,
        params: IdParams,
        querystring: TimePageQuerySchema,
      },
      onRequest: guard(ctx, "contacts.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const contact = await requireContact(db, ws, request.params.id);
      const { limit, cursor } = request.query;
      const rows = await listOrders(db, ws, await familyOf(db, ws, contact.id), decodeTimeCursor(cursor), limit);
      const page = toPage(
        rows,
        limit,
        (r) => timeCursorKey(r.placed_at, r.id),
        (r) => r,
      );
      return { data: await presentOrders(db, ws, page.data), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/api/v1/contacts/:id/locations",
    {
      schema: { ...tags, params: IdParams, querystring: PeriodPageQuerySchema },
      onRequest: guard(ctx, "contacts.read"),
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const contact = await requireContact(db, ws, request.params.id);
      const { limit, cursor, from, to } = request.query;
      const rows = await listLocations(
        db,
        ws,
        await familyOf(db, ws, contact.id),
        {
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
          after: decodeTimeCursor(cursor),
        },
        limit,
      );
      return toPage(rows, limit, (r) => timeCursorKey(r.occurred_at, r.id), presentLocation);
    },
  );
}
