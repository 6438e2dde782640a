import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../../tenancy/index.ts";
import { findContact, insertEvents, type OrderStatus } from "../repository.ts";
import { requireContact } from "../use-cases/contacts.ts";
import { type IdentityInput, type ResolveHints, resolveContact } from "../use-cases/resolve-contact.ts";
import { emitRecordedEvents } from "../use-cases/timeline.ts";
import type { Caller } from "../use-cases/types.ts";
import { recomputeLifecycles } from "./recompute-lifecycle.ts";
import { findOrderByExternalId, insertOrderStatus, replaceOrderLines, upsertOrderRow } from "./repository.ts";

export type OrderInput = {
  externalId: string;
  /** The shop or system the external id belongs to (e.g. "shopify"); default "". */
  source?: string | undefined;
  contactId?: string | undefined;
  identity?: IdentityInput | undefined;
  hints?: ResolveHints | undefined;
  status: OrderStatus;
  currency: string;
  total: string;
  placedAt?: Date | undefined;
  properties?: Record<string, unknown> | undefined;
  lines?:
    | { sku?: string | undefined; name: string; quantity: string; unitPrice: string; total?: string | undefined }[]
    | undefined;
};

/**
 * Creates or updates an order by (source, external id): status, totals, currency and lines are replaced, and a
 * status change is appended to the order's status history and to the contact's timeline (`order.<status>`).
 * An order keeps the contact it was first stored with. Recomputes the contact's lifecycle.
 */
export async function upsertOrder(ctx: AppContext, caller: Caller, input: OrderInput) {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const source = input.source ?? "";
    const existing = await findOrderByExternalId(tx, ws, source, input.externalId);
    let contactId: string;
    if (existing) {
      const owner = await findContact(tx, ws, existing.contact_id);
      contactId = owner?.merged_into ?? existing.contact_id;
    } else if (input.contactId) {
      contactId = (await requireContact(tx, ws, input.contactId, "contactId")).id;
    } else if (input.identity) {
      contactId = (await resolveContact(tx, { workspaceId: ws }, input.identity, input.hints)).contactId;
    } else {
      throw new AppError("invalid", "order_contact_missing", "An order names a contactId or an identity.", {
        field: "contactId",
      });
    }
    const now = new Date();
    const { order, created } = await upsertOrderRow(tx, {
      workspace_id: ws,
      id: existing?.id ?? uuidv7(),
      contact_id: existing?.contact_id ?? contactId,
      source,
      external_id: input.externalId,
      status: input.status,
      currency: input.currency,
      total: input.total,
      placed_at: input.placedAt ?? existing?.placed_at ?? now,
      properties: input.properties ?? {},
    });
    if (input.lines) {
      await replaceOrderLines(
        tx,
        ws,
        order.id,
        input.lines.map((l) => ({
          sku: l.sku ?? null,
          name: l.name,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          total: l.total ?? null,
        })),
      );
    }
    const statusChanged = created || existing?.status !== input.status;
    if (statusChanged) {
      await insertOrderStatus(tx, ws, order.id, input.status, now);
      const orderEvent = {
        workspace_id: ws,
        id: uuidv7(),
        contact_id: order.contact_id,
        type: `order.${input.status}`,
        occurred_at: created ? order.placed_at : now,
        source: source || "orders",
        channel: null,
        client_event_id: `order:${order.id}:${input.status}`,
        properties: { orderId: order.id, externalId: input.externalId, total: input.total, currency: input.currency },
      };
      const inserted = await insertEvents(tx, [orderEvent]);
      if (inserted.length) await emitRecordedEvents(tx, [orderEvent]);
      await recomputeLifecycles(tx, ws, [contactId], now);
    }
    await recordAudit(tx, caller, {
      action: created ? "order.created" : "order.updated",
      objectType: "order",
      objectId: order.id,
      details: { status: input.status },
    });
    return { order, created, contactId };
  });
}
