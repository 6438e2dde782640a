// SQL of orders, location points and computed lifecycles.
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import type { LifecycleFacts } from "../lifecycle.ts";
import { beforeTimeKey, type LocationRow, type OrderRow, type OrderStatus, q, type TimeKey } from "../repository.ts";

// ——— orders

export function findOrderByExternalId(db: Executor, workspaceId: string, source: string, externalId: string) {
  return q(db)
    .selectFrom("orders")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("source", "=", source)
    .where("external_id", "=", externalId)
    .forUpdate()
    .executeTakeFirst();
}

export type OrderWrite = Omit<OrderRow, "created_at" | "updated_at" | "properties"> & {
  properties: Record<string, unknown>;
};

/** Inserts an order, or (same source and external id) updates it; returns the row and whether it is new. */
export async function upsertOrderRow(db: Executor, row: OrderWrite) {
  const inserted = await q(db)
    .insertInto("orders")
    .values({ ...row, properties: JSON.stringify(row.properties) })
    .onConflict((oc) => oc.columns(["workspace_id", "source", "external_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { order: inserted, created: true };
  const updated = await q(db)
    .updateTable("orders")
    .set({
      status: row.status,
      currency: row.currency,
      total: row.total,
      placed_at: row.placed_at,
      properties: JSON.stringify(row.properties),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", row.workspace_id)
    .where("source", "=", row.source)
    .where("external_id", "=", row.external_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { order: updated, created: false };
}

export async function replaceOrderLines(
  db: Executor,
  workspaceId: string,
  orderId: string,
  lines: { sku: string | null; name: string; quantity: string; unitPrice: string; total: string | null }[],
) {
  await q(db)
    .deleteFrom("order_lines")
    .where("workspace_id", "=", workspaceId)
    .where("order_id", "=", orderId)
    .execute();
  if (lines.length === 0) return;
  await q(db)
    .insertInto("order_lines")
    .values(
      lines.map((l, n) => ({
        workspace_id: workspaceId,
        order_id: orderId,
        line_no: n + 1,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        total: l.total ?? sql<string>`${l.quantity}::numeric * ${l.unitPrice}::numeric`,
      })),
    )
    .execute();
}

export function insertOrderStatus(db: Executor, workspaceId: string, orderId: string, status: OrderStatus, at: Date) {
  return q(db)
    .insertInto("order_status_history")
    .values({ workspace_id: workspaceId, id: uuidv7(), order_id: orderId, status, changed_at: at })
    .execute();
}

export function listOrderLines(db: Executor, workspaceId: string, orderIds: string[]) {
  if (orderIds.length === 0) return Promise.resolve([]);
  return q(db)
    .selectFrom("order_lines")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("order_id", "in", orderIds)
    .orderBy("order_id")
    .orderBy("line_no")
    .execute();
}

export function listOrderStatuses(db: Executor, workspaceId: string, orderIds: string[]) {
  if (orderIds.length === 0) return Promise.resolve([]);
  return q(db)
    .selectFrom("order_status_history")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("order_id", "in", orderIds)
    .orderBy("changed_at")
    .orderBy("id")
    .execute();
}

/** Orders of the given contacts, newest first (placed_at, id). */
export function listOrders(
  db: Executor,
  workspaceId: string,
  contactIds: string[],
  after: TimeKey | undefined,
  limit: number,
) {
  let query = q(db)
    .selectFrom("orders")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", contactIds);
  if (after) query = query.where(beforeTimeKey("placed_at", after));
  return query
    .orderBy("placed_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

/** Per currency: orders not cancelled, and the value of paid and fulfilled ones; the last order time. */
export async function commerceSummary(db: Executor, workspaceId: string, contactIds: string[]) {
  const { rows } = await sql<{ currency: string; orders: number; value: string | null; last: Date | null }>`
    select currency,
      count(*) filter (where status <> 'cancelled')::int as orders,
      (sum(total) filter (where status in ('paid', 'fulfilled')))::text as value,
      max(placed_at) as last
    from orders
    where workspace_id = ${workspaceId} and contact_id = any(${contactIds}::uuid[])
    group by currency
    order by currency`.execute(db);
  return rows;
}

// ——— locations

export async function insertLocations(db: Executor, rows: Omit<LocationRow, "id">[]) {
  if (rows.length === 0) return;
  await q(db)
    .insertInto("contact_locations")
    .values(rows.map((r) => ({ id: uuidv7(), ...r })))
    .execute();
}

/** Points of the given contacts, newest first (occurred_at, id), optionally within a period. */
export function listLocations(
  db: Executor,
  workspaceId: string,
  contactIds: string[],
  filter: { from?: Date | undefined; to?: Date | undefined; after?: TimeKey | undefined },
  limit: number,
) {
  let query = q(db)
    .selectFrom("contact_locations")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", contactIds);
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  if (filter.after) query = query.where(beforeTimeKey("occurred_at", filter.after));
  return query
    .orderBy("occurred_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

// ——— lifecycle

/** Timeline event types that are not interactions, or that are brand-initiated (besides properties.direction). */
const FOLLOW_TYPES = ["follow", "subscribe"];
const UNFOLLOW_TYPES = ["unfollow", "unsubscribe"];
const OUTBOUND_TYPES = ["message.sent", "message.outbound", "campaign.sent", "campaign.delivered"];

type FactsRow = {
  survivor: string;
  created_at: Date;
  first_event_at: Date | null;
  followed_at: Date | null;
  unfollowed_at: Date | null;
  first_interaction_at: Date | null;
  last_interaction_at: Date | null;
  last_inbound_at: Date | null;
  in7: number;
  in30: number;
  in90: number;
  out7: number;
  out30: number;
  out90: number;
  previous_inbound_at: Date | null;
  first_recent_inbound_at: Date | null;
};

/** The lifecycle facts of live contacts (over their merged families' timelines) at a time. */
export async function lifecycleFactsOf(
  db: Executor,
  workspaceId: string,
  survivorIds: string[],
  now: Date,
): Promise<Map<string, LifecycleFacts>> {
  if (survivorIds.length === 0) return new Map();
  const d = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const { rows } = await sql<FactsRow>`
    with fam as (
      select c.id as member, coalesce(c.merged_into, c.id) as survivor
      from contacts c
      where c.workspace_id = ${workspaceId}
        and (c.id = any(${survivorIds}::uuid[]) or c.merged_into = any(${survivorIds}::uuid[]))
    ), ev as (
      select f.survivor, e.occurred_at,
        case
          when e.type = any(${FOLLOW_TYPES}::text[]) then 'follow'
          when e.type = any(${UNFOLLOW_TYPES}::text[]) then 'unfollow'
          when e.type like 'note%' then 'other'
          when e.properties->>'direction' = 'outbound' or e.type = any(${OUTBOUND_TYPES}::text[]) then 'out'
          else 'in'
        end as k
      from timeline_events e
      join fam f on e.contact_id = f.member
      where e.workspace_id = ${workspaceId} and e.occurred_at <= ${now}
    )
    select s.id as survivor, s.created_at,
      min(ev.occurred_at) as first_event_at,
      max(ev.occurred_at) filter (where k = 'follow') as followed_at,
      max(ev.occurred_at) filter (where k = 'unfollow') as unfollowed_at,
      min(ev.occurred_at) filter (where k in ('in', 'out')) as first_interaction_at,
      max(ev.occurred_at) filter (where k in ('in', 'out')) as last_interaction_at,
      max(ev.occurred_at) filter (where k = 'in') as last_inbound_at,
      count(*) filter (where k = 'in' and ev.occurred_at >= ${d(7)})::int as in7,
      count(*) filter (where k = 'in' and ev.occurred_at >= ${d(30)})::int as in30,
      count(*) filter (where k = 'in' and ev.occurred_at >= ${d(90)})::int as in90,
      count(*) filter (where k = 'out' and ev.occurred_at >= ${d(7)})::int as out7,
      count(*) filter (where k = 'out' and ev.occurred_at >= ${d(30)})::int as out30,
      count(*) filter (where k = 'out' and ev.occurred_at >= ${d(90)})::int as out90,
      max(ev.occurred_at) filter (where k = 'in' and ev.occurred_at < ${d(30)}) as previous_inbound_at,
      min(ev.occurred_at) filter (where k = 'in' and ev.occurred_at >= ${d(30)}) as first_recent_inbound_at
    from contacts s
    left join ev on ev.survivor = s.id
    where s.workspace_id = ${workspaceId} and s.id = any(${survivorIds}::uuid[])
      and s.merged_into is null and s.erased_at is null
    group by s.id, s.created_at`.execute(db);
  const out = new Map<string, LifecycleFacts>();
  for (const r of rows) {
    const created = new Date(r.created_at);
    const firstEvent = r.first_event_at ? new Date(r.first_event_at) : null;
    const date = (v: Date | null) => (v ? new Date(v) : null);
    out.set(r.survivor, {
      firstSeenAt: firstEvent && firstEvent < created ? firstEvent : created,
      followedAt: date(r.followed_at),
      unfollowedAt: date(r.unfollowed_at),
      firstInteractionAt: date(r.first_interaction_at),
      lastInteractionAt: date(r.last_interaction_at),
      lastInboundAt: date(r.last_inbound_at),
      inbound: { d7: r.in7, d30: r.in30, d90: r.in90 },
      outbound: { d7: r.out7, d30: r.out30, d90: r.out90 },
      previousInboundAt: date(r.previous_inbound_at),
      firstRecentInboundAt: date(r.first_recent_inbound_at),
    });
  }
  return out;
}

/** Stores computed lifecycles and mirrors each stage into contacts.lifecycle_stage. */
export async function saveLifecycles(
  db: Executor,
  workspaceId: string,
  rows: { contactId: string; stage: string; facts: LifecycleFacts }[],
  now: Date,
) {
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map((r) => ({
      workspace_id: workspaceId,
      contact_id: r.contactId,
      stage: r.stage,
      facts: r.facts,
      computed_at: now,
    })),
  );
  await sql`
    insert into contact_lifecycle
    select * from jsonb_populate_recordset(null::contact_lifecycle, ${json}::jsonb)
    on conflict (workspace_id, contact_id)
      do update set stage = excluded.stage, facts = excluded.facts, computed_at = excluded.computed_at`.execute(db);
  await sql`
    update contacts c set lifecycle_stage = v.stage
    from jsonb_populate_recordset(null::contact_lifecycle, ${json}::jsonb) v
    where c.workspace_id = v.workspace_id and c.id = v.contact_id
      and c.lifecycle_stage is distinct from v.stage`.execute(db);
}

export function findLifecycle(db: Executor, workspaceId: string, contactId: string) {
  return q(db)
    .selectFrom("contact_lifecycle")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "=", contactId)
    .executeTakeFirst();
}

/** A page of live contact ids of a workspace, by id (for the nightly recomputation). */
export async function liveContactIdsAfter(db: Executor, workspaceId: string, after: string | null, limit: number) {
  let query = q(db)
    .selectFrom("contacts")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("merged_into", "is", null)
    .where("erased_at", "is", null);
  if (after) query = query.where("id", ">", after);
  return (await query.orderBy("id").limit(limit).execute()).map((r) => r.id);
}

/** Marks contacts for a lifecycle recomputation (idempotent; one statement for the batch). */
export async function markLifecyclePending(db: Executor, workspaceId: string, contactIds: string[]) {
  if (contactIds.length === 0) return;
  await q(db)
    .insertInto("contact_lifecycle_pending")
    .values(contactIds.map((contact_id) => ({ workspace_id: workspaceId, contact_id })))
    .onConflict((oc) => oc.columns(["workspace_id", "contact_id"]).doNothing())
    .execute();
}

/** Takes up to `limit` marked contacts of a workspace off the list (a concurrent taker skips them); returns their ids. */
export async function takeLifecyclePending(db: Executor, workspaceId: string, limit: number): Promise<string[]> {
  const { rows } = await sql<{ contact_id: string }>`
    delete from contact_lifecycle_pending p
    where p.workspace_id = ${workspaceId} and p.contact_id in (
      select contact_id from contact_lifecycle_pending
      where workspace_id = ${workspaceId} order by since limit ${limit} for update skip locked)
    returning p.contact_id`.execute(db);
  return rows.map((r) => r.contact_id);
}

/** The workspaces that have contacts marked for a lifecycle recomputation. */
export async function workspacesWithPendingLifecycles(db: Executor): Promise<string[]> {
  const rows = await q(db)
    .selectFrom("contact_lifecycle_pending")
    .select("workspace_id")
    .distinct()
    .limit(1000)
    .execute();
  return rows.map((r) => r.workspace_id);
}
