import type { Executor } from "../../../platform/db.ts";
import { familyOf, q } from "../repository.ts";
import { formatAmount } from "./presenter.ts";

/** An order as a bot may tell its customer: number, status, total and date. */
export type OrderLookup = { number: string; status: string; currency: string; total: string; placedAt: string };

/**
 * One of the contact's own orders (merged profiles included) by its number (external id, any source), or
 * undefined: a customer can only ever learn about their own orders.
 */
export async function findContactOrder(
  db: Executor,
  workspaceId: string,
  contactId: string,
  number: string,
): Promise<OrderLookup | undefined> {
  const family = await familyOf(db, workspaceId, contactId);
  const order = await q(db)
    .selectFrom("orders")
    .select(["external_id", "status", "currency", "total", "placed_at"])
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "in", family)
    .where("external_id", "=", number.trim())
    .orderBy("placed_at", "desc")
    .executeTakeFirst();
  if (!order) return undefined;
  return {
    number: order.external_id,
    status: order.status,
    currency: order.currency,
    total: formatAmount(order.total),
    placedAt: order.placed_at.toISOString().slice(0, 10),
  };
}
