import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { scheduleLifecycleRecompute } from "../commerce/recompute-lifecycle.ts";
import { insertLocations } from "../commerce/repository.ts";
import {
  type EventInsert,
  familyOf,
  findEventsByClientIds,
  insertEvents,
  listTimeline,
  type TimeKey,
} from "../repository.ts";
import { requireContact } from "./contacts.ts";
import { type IdentityInput, type ResolveHints, resolveContacts } from "./resolve-contact.ts";
import type { Caller } from "./types.ts";

/** One timeline event to ingest: whose (a contact id or an identity to resolve), what, when, with what. */
export type EventInput = {
  /** The client's event id: sending the same id again stores nothing new. */
  id?: string | undefined;
  type: string;
  occurredAt?: Date | undefined;
  source?: string | undefined;
  channel?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  contactId?: string | undefined;
  identity?: IdentityInput | undefined;
  hints?: ResolveHints | undefined;
};

export type EventResult = {
  clientEventId: string | null;
  id: string;
  contactId: string;
  status: "created" | "duplicate";
};

/**
 * Stores a batch of events in one transaction, resolving each one's contact by id or identity (creating
 * contacts for unknown identities). Events whose client id is already stored are reported as duplicates.
 * The contacts' lifecycle is recomputed a few seconds later by the worker's sweep (`LIFECYCLE_SWEEP_MS`).
 */
export async function ingestEvents(ctx: AppContext, caller: Caller, events: EventInput[]): Promise<EventResult[]> {
  const ws = caller.workspaceId;
  return ctx.database.db.transaction().execute(async (tx) => {
    const clientIds = events.map((e) => e.id).filter((id): id is string => Boolean(id));
    const stored = new Map((await findEventsByClientIds(tx, ws, clientIds)).map((r) => [r.client_event_id, r]));
    const results: EventResult[] = [];
    const rows: EventInsert[] = [];
    const seen = new Map<string, EventResult>();
    const points = new Map<string, LocationPoint>();
    // The senders named by identity, resolved together (the known ones in one statement).
    const byIdentity = events.flatMap((e, n) =>
      e.identity && !e.contactId && !(e.id && stored.has(e.id)) ? [{ n, identity: e.identity, hints: e.hints }] : [],
    );
    const resolvedAt = new Map<number, string>();
    const resolutions = await resolveContacts(
      tx,
      { workspaceId: ws },
      byIdentity.map(({ identity, hints }) => ({ identity, ...(hints ? { hints } : {}) })),
    );
    for (const [i, { n }] of byIdentity.entries())
      resolvedAt.set(n, (resolutions[i] as { contactId: string }).contactId);
    for (const [n, e] of events.entries()) {
      const clientId = e.id ?? null;
      const known = clientId ? stored.get(clientId) : undefined;
      if (known) {
        results.push({ clientEventId: clientId, id: known.id, contactId: known.contact_id, status: "duplicate" });
        continue;
      }
      const earlier = clientId ? seen.get(clientId) : undefined;
      if (earlier) {
        results.push({ ...earlier, status: "duplicate" });
        continue;
      }
      const point = e.type === "location" ? locationOf(e.properties, n) : undefined;
      let contactId: string;
      if (e.contactId) contactId = (await requireContact(tx, ws, e.contactId, `events[${n}].contactId`)).id;
      else if (e.identity) contactId = resolvedAt.get(n) as string;
      else {
        throw new AppError("invalid", "event_contact_missing", "Each event names a contactId or an identity.", {
          field: `events[${n}]`,
        });
      }
      const id = uuidv7();
      rows.push({
        workspace_id: ws,
        id,
        contact_id: contactId,
        type: e.type,
        occurred_at: e.occurredAt ?? new Date(),
        source: e.source ?? null,
        channel: e.channel ?? null,
        client_event_id: clientId,
        properties: e.properties ?? {},
      });
      const result: EventResult = { clientEventId: clientId, id, contactId, status: "created" };
      if (point) points.set(id, point);
      results.push(result);
      if (clientId) seen.set(clientId, result);
    }
    const inserted = new Set((await insertEvents(tx, rows)).map((r) => r.id));
    const lost = results.filter((r) => r.status === "created" && !inserted.has(r.id));
    if (lost.length) {
      // A concurrent request stored the same client ids first.
      const winners = new Map(
        (
          await findEventsByClientIds(
            tx,
            ws,
            lost.map((r) => r.clientEventId ?? ""),
          )
        ).map((r) => [r.client_event_id, r]),
      );
      for (const r of lost) {
        const w = winners.get(r.clientEventId);
        if (w) Object.assign(r, { id: w.id, contactId: w.contact_id, status: "duplicate" });
      }
    }
    const fresh = rows.filter((r) => inserted.has(r.id));
    await insertLocations(
      tx,
      fresh.flatMap((r) => {
        const p = points.get(r.id);
        return p
          ? [
              {
                workspace_id: ws,
                contact_id: r.contact_id,
                occurred_at: r.occurred_at,
                latitude: p.latitude,
                longitude: p.longitude,
                accuracy_m: p.accuracy,
                label: p.label,
                channel: r.channel,
                event_id: r.id,
              },
            ]
          : [];
      }),
    );
    await scheduleLifecycleRecompute(
      tx,
      ws,
      fresh.map((r) => r.contact_id),
    );
    return results;
  });
}

type LocationPoint = { latitude: number; longitude: number; accuracy: number | null; label: string | null };

/** The point of a `location` event: properties latitude/longitude (degrees), optional accuracy (m) and label. */
function locationOf(properties: Record<string, unknown> | undefined, n: number): LocationPoint {
  const p = properties ?? {};
  const coordinate = (key: "latitude" | "longitude", max: number) => {
    const v = p[key];
    if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) > max) {
      throw new AppError(
        "invalid",
        "location_invalid",
        `A location event needs properties.${key} as a number between -${max} and ${max}.`,
        { field: `events[${n}].properties.${key}` },
      );
    }
    return v;
  };
  const accuracy = p.accuracy;
  const label = p.label;
  return {
    latitude: coordinate("latitude", 90),
    longitude: coordinate("longitude", 180),
    accuracy: typeof accuracy === "number" && Number.isFinite(accuracy) && accuracy >= 0 ? accuracy : null,
    label: typeof label === "string" ? label.slice(0, 200) : null,
  };
}

export type TimelineQuery = {
  types?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  after?: TimeKey | undefined;
  limit: number;
};

/** The timeline of a contact and of every contact merged into it, newest first. */
export async function readTimeline(ctx: AppContext, workspaceId: string, contactId: string, query: TimelineQuery) {
  const { db } = ctx.database;
  const contact = await requireContact(db, workspaceId, contactId);
  const family = await familyOf(db, workspaceId, contact.id);
  return listTimeline(db, workspaceId, family, query, query.limit);
}
