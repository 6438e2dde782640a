import type { LocationRow, OrderRow, ProfilesTables } from "../repository.ts";

type LineRow = ProfilesTables["order_lines"];
type StatusRow = { status: string; changed_at: Date };

/** A decimal from the database ("120.5000") as money text with at least two decimals ("120.50"). */
export function formatAmount(value: string | number): string {
  const s = String(value);
  if (!s.includes(".")) return `${s}.00`;
  const [int, frac = ""] = s.split(".");
  const trimmed = frac.replace(/0+$/, "");
  return `${int}.${trimmed.padEnd(2, "0")}`;
}

export const presentOrder = (o: OrderRow, lines: readonly LineRow[], statuses: readonly StatusRow[]) => ({
  id: o.id,
  contactId: o.contact_id,
  source: o.source || null,
  externalId: o.external_id,
  status: o.status,
  currency: o.currency,
  total: formatAmount(o.total),
  placedAt: o.placed_at.toISOString(),
  properties: o.properties,
  lines: lines.map((l) => ({
    lineNo: l.line_no,
    sku: l.sku,
    name: l.name,
    quantity: formatAmount(l.quantity).replace(/\.00$/, ""),
    unitPrice: formatAmount(l.unit_price),
    total: formatAmount(l.total),
  })),
  statusHistory: statuses.map((s) => ({ status: s.status, at: s.changed_at.toISOString() })),
  createdAt: o.created_at.toISOString(),
  updatedAt: o.updated_at.toISOString(),
});

export const presentLocation = (l: LocationRow) => ({
  id: l.id,
  contactId: l.contact_id,
  latitude: l.latitude,
  longitude: l.longitude,
  accuracyM: l.accuracy_m,
  label: l.label,
  channel: l.channel,
  eventId: l.event_id,
  occurredAt: l.occurred_at.toISOString(),
});
