import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
import { toPage } from "../../platform/pagination.ts";
import { actorOf, guard } from "../tenancy/index.ts";
import { registerBulkRoutes } from "./bulk/routes.ts";
import { profileExtras, registerCommerceRoutes } from "./commerce/routes.ts";
import { contactCursorKey, decodeContactCursor } from "./contact-sort.ts";
import { decodeTimeCursor, timeCursorKey } from "./cursor.ts";
import { foldText, looksLikePhone, normalizeEmail, normalizeExternalId, normalizePhone } from "./normalize.ts";
import {
  presentAttributeDefinition,
  presentConsentRecord,
  presentContact,
  presentCurrentConsent,
  presentDecision,
  presentDuplicate,
  presentEvent,
  presentIdentityFields,
  presentProfile,
} from "./presenter.ts";
import {
  familyOf,
  findDefaultRegion,
  listAttributeDefinitions,
  listConsentOf,
  listContacts,
  listDecisionsOf,
} from "./repository.ts";
import {
  AttributeDefinitionSchema,
  ConsentSchema,
  CreateContactSchema,
  IngestSchema,
  ListContactsQuerySchema,
  MergeSchema,
  SettingsSchema,
  TimelineQuerySchema,
  UnmergeSchema,
  UpdateContactSchema,
} from "./schemas.ts";
import { createContact, loadProfile, requireContact, updateContact } from "./use-cases/contacts.ts";
import { dismissDuplicate, findDuplicates } from "./use-cases/find-duplicates.ts";
import { mergeContacts, unmergeContacts } from "./use-cases/merge-contacts.ts";
import { eraseContact, exportContactData } from "./use-cases/privacy.ts";
import { recordConsent } from "./use-cases/record-consent.ts";
import { defineAttribute, setDefaultRegion } from "./use-cases/settings.ts";
import { type EventInput, ingestEvents, readTimeline } from "./use-cases/timeline.ts";

const IdParams = z.strictObject({ id: z.uuid() });
const tags = { tags: ["profiles"] };

/** Registers the profiles HTTP routes: contacts, identities, consent, merges, duplicates, timeline, privacy. */
export function registerProfilesRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  registerBulkRoutes(app, ctx);
  registerCommerceRoutes(app, ctx);

  app.get(
    "/api/v1/contacts",
    { schema: { ...tags, querystring: ListContactsQuerySchema }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const { limit, cursor, query, tag, stage, sort } = request.query;
      const after = decodeContactCursor(sort, cursor);
      let identityIds: string[] | undefined;
      let queries: string[] | undefined;
      let keys: { kind: "email" | "phone"; key: string }[] | undefined;
      if (query) {
        // A complete valid email or phone number is matched exactly (normalised); anything else as a substring.
        identityIds = [query, normalizeExternalId("email", query)];
        const email = normalizeEmail(query);
        const phone = looksLikePhone(query) ? normalizePhone(query, await findDefaultRegion(db, ws)) : undefined;
        if (email.normalized) {
          queries = [];
          keys = [{ kind: "email", key: email.normalized }];
        } else if (phone?.e164) {
          queries = [];
          keys = [{ kind: "phone", key: phone.e164 }];
          identityIds.push(phone.e164, phone.e164.slice(1));
        } else {
          queries = [foldText(query)];
        }
      }
      const rows = await listContacts(db, ws, { sort, after, queries, identityIds, keys, tag, stage }, limit);
      return toPage(rows, limit, (r) => contactCursorKey(sort, r), presentContact);
    },
  );

  app.post(
    "/api/v1/contacts",
    { schema: { ...tags, body: CreateContactSchema }, onRequest: guard(ctx, "contacts.write") },
    async (request, reply) => {
      const { contact, duplicates } = await createContact(ctx, actorOf(request), request.body);
      const profile = await loadProfile(db, contact.workspace_id, contact.id);
      return reply.status(201).send({ ...presentProfile(profile), duplicates: duplicates.map(presentDuplicate) });
    },
  );

  app.get(
    "/api/v1/contacts/:id",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const profile = await loadProfile(db, ws, request.params.id);
      return { ...presentProfile(profile), ...(await profileExtras(db, ws, profile.family)) };
    },
  );

  app.patch(
    "/api/v1/contacts/:id",
    { schema: { ...tags, params: IdParams, body: UpdateContactSchema }, onRequest: guard(ctx, "contacts.write") },
    async (request) => {
      const actor = actorOf(request);
      const row = await updateContact(ctx, actor, request.params.id, request.body);
      return presentProfile(await loadProfile(db, actor.workspaceId, row.id));
    },
  );

  app.post(
    "/api/v1/contacts/:id/merge",
    { schema: { ...tags, params: IdParams, body: MergeSchema }, onRequest: guard(ctx, "contacts.merge") },
    async (request) => {
      const actor = actorOf(request);
      const { decision, survivor } = await mergeContacts(ctx, actor, { targetId: request.params.id, ...request.body });
      return {
        decision: presentDecision(decision),
        contact: presentProfile(await loadProfile(db, actor.workspaceId, survivor.id)),
      };
    },
  );

  app.post(
    "/api/v1/contacts/:id/unmerge",
    { schema: { ...tags, params: IdParams, body: UnmergeSchema }, onRequest: guard(ctx, "contacts.merge") },
    async (request) => {
      const result = await unmergeContacts(ctx, actorOf(request), { ...request.body, contactId: request.params.id });
      return {
        decision: presentDecision(result.decision),
        contacts: [presentContact(result.target), presentContact(result.source)],
      };
    },
  );

  app.get(
    "/api/v1/contacts/:id/decisions",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const contact = await requireContact(db, ws, request.params.id);
      const family = await familyOf(db, ws, contact.id);
      return { data: (await listDecisionsOf(db, ws, family)).map(presentDecision) };
    },
  );

  app.get(
    "/api/v1/contacts/:id/consent",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const contact = await requireContact(db, ws, request.params.id);
      const records = await listConsentOf(db, ws, await familyOf(db, ws, contact.id));
      return { current: presentCurrentConsent(records), history: records.map(presentConsentRecord) };
    },
  );

  app.post(
    "/api/v1/contacts/:id/consent",
    { schema: { ...tags, params: IdParams, body: ConsentSchema }, onRequest: guard(ctx, "contacts.write") },
    async (request, reply) => {
      const { recordedAt, ...rest } = request.body;
      const row = await recordConsent(ctx, actorOf(request), request.params.id, {
        ...rest,
        recordedAt: recordedAt ? new Date(recordedAt) : undefined,
      });
      return reply.status(201).send(presentConsentRecord(row));
    },
  );

  app.get(
    "/api/v1/contacts/:id/duplicates",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const contact = await requireContact(db, ws, request.params.id);
      return { data: (await findDuplicates(db, ws, contact.id)).map(presentDuplicate) };
    },
  );

  app.post(
    "/api/v1/contacts/:id/duplicates/:otherId/dismiss",
    {
      schema: {
        ...tags,
        params: z.strictObject({ id: z.uuid(), otherId: z.uuid() }),
        body: z.strictObject({ reason: z.string().trim().max(1000).optional() }).optional(),
      },
      onRequest: guard(ctx, "contacts.merge"),
    },
    async (request, reply) => {
      await dismissDuplicate(ctx, actorOf(request), {
        contactId: request.params.id,
        otherId: request.params.otherId,
        reason: request.body?.reason,
      });
      return reply.status(204).send();
    },
  );

  app.get(
    "/api/v1/contacts/:id/timeline",
    { schema: { ...tags, params: IdParams, querystring: TimelineQuerySchema }, onRequest: guard(ctx, "contacts.read") },
    async (request) => {
      const { limit, cursor, type, from, to } = request.query;
      const rows = await readTimeline(ctx, actorOf(request).workspaceId, request.params.id, {
        types: type
          ?.split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        after: decodeTimeCursor(cursor),
        limit,
      });
      return toPage(rows, limit, (r) => timeCursorKey(r.occurred_at, r.id), presentEvent);
    },
  );

  app.post(
    "/api/v1/events",
    { schema: { ...tags, body: IngestSchema }, onRequest: guard(ctx, "events.write") },
    async (request, reply) => {
      const { events, ...single } = request.body;
      const list = (events ?? [single]).map(
        (e): EventInput => ({
          ...e,
          type: e.type ?? "",
          occurredAt: e.occurredAt ? new Date(e.occurredAt) : undefined,
        }),
      );
      const results = await ingestEvents(ctx, actorOf(request), list);
      const created = results.filter((r) => r.status === "created").length;
      return reply.status(created > 0 ? 201 : 200).send({ created, duplicates: results.length - created, results });
    },
  );

  app.get(
    "/api/v1/contacts/:id/export",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.export") },
    async (request) => {
      const data = await exportContactData(ctx, actorOf(request), request.params.id);
      return {
        exportedAt: new Date().toISOString(),
        contact: presentContact(data.contact),
        mergedContacts: data.contacts.filter((c) => c.id !== data.contact.id).map(presentContact),
        identities: data.identities.map(presentIdentityFields),
        consent: data.consent.map(presentConsentRecord),
        timeline: data.timeline.map(presentEvent),
        linkDecisions: data.decisions.map(presentDecision),
      };
    },
  );

  app.post(
    "/api/v1/contacts/:id/erase",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.erase") },
    async (request) => {
      const record = await eraseContact(ctx, actorOf(request), request.params.id);
      return {
        erasureId: record.id,
        contactIds: record.contact_ids,
        counts: record.counts,
        erasedAt: record.erased_at.toISOString(),
      };
    },
  );

  app.get("/api/v1/contact-attributes", { schema: tags, onRequest: guard(ctx, "contacts.read") }, async (request) => ({
    data: (await listAttributeDefinitions(db, actorOf(request).workspaceId)).map(presentAttributeDefinition),
  }));

  app.post(
    "/api/v1/contact-attributes",
    { schema: { ...tags, body: AttributeDefinitionSchema }, onRequest: guard(ctx, "contacts.configure") },
    async (request, reply) => {
      return reply
        .status(201)
        .send(presentAttributeDefinition(await defineAttribute(ctx, actorOf(request), request.body)));
    },
  );

  app.get("/api/v1/contact-settings", { schema: tags, onRequest: guard(ctx, "contacts.read") }, async (request) => ({
    defaultRegion: await findDefaultRegion(db, actorOf(request).workspaceId),
  }));

  app.put(
    "/api/v1/contact-settings",
    { schema: { ...tags, body: SettingsSchema }, onRequest: guard(ctx, "contacts.configure") },
    async (request) => setDefaultRegion(ctx, actorOf(request), request.body.defaultRegion),
  );
}
