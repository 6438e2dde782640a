import { z } from "zod";
import { PageQuerySchema } from "../../platform/pagination.ts";
import { ATTRIBUTE_TYPES } from "./attributes.ts";
import { CONSENT_PURPOSES } from "./consent.ts";
import { CONTACT_SORTS } from "./contact-sort.ts";
import { IDENTITY_KINDS } from "./normalize.ts";

const text = (max: number) => z.string().max(max);
const nullableText = (max: number) => text(max).nullable().optional();

export const IdentitySchema = z.strictObject({
  kind: z.enum(IDENTITY_KINDS),
  externalId: z.string().trim().min(1).max(256),
  namespace: z.string().trim().max(128).optional(),
  verified: z.boolean().optional(),
});

const isTimeZone = (tz: string) => tz === "UTC" || Intl.supportedValuesOf("timeZone").includes(tz);
const isDay = (v: string) => {
  const d = new Date(`${v}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
};

const ContactFields = {
  givenName: nullableText(200),
  familyName: nullableText(200),
  displayName: nullableText(400),
  emails: z.array(text(320)).max(20).optional(),
  phones: z.array(text(64)).max(20).optional(),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a BCP 47 language tag such as en or zh-CN")
    .nullable()
    .optional(),
  timezone: z.string().max(64).refine(isTimeZone, "unknown IANA time zone").nullable().optional(),
  gender: nullableText(32),
  birthday: z.string().refine(isDay, "a date as YYYY-MM-DD").nullable().optional(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional(),
  company: nullableText(200),
  tags: z.array(z.string().trim().min(1).max(64)).max(100).optional(),
  lifecycleStage: z
    .string()
    .regex(/^[a-z0-9_-]{1,50}$/, "lower-case letters, digits, - or _")
    .nullable()
    .optional(),
  ownerUserId: z.uuid().nullable().optional(),
  source: nullableText(100),
  attributes: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.unknown()).optional(),
};

export const CreateContactSchema = z.strictObject({
  ...ContactFields,
  identities: z.array(IdentitySchema).max(20).optional(),
});
export const UpdateContactSchema = z.strictObject(ContactFields);

export const ListContactsQuerySchema = PageQuerySchema.extend({
  // A name sort's cursor holds up to 100 characters of the name.
  cursor: z.string().max(1000).optional(),
  query: z.string().trim().max(200).optional(),
  tag: z.string().trim().max(64).optional(),
  stage: z.string().trim().max(50).optional(),
  sort: z
    .enum(CONTACT_SORTS)
    .default("newest")
    .describe(
      "newest (default) or oldest by creation; name: display name A→Z ignoring case and accents, contacts " +
        "without a name last; updated: most recently updated first. A cursor only continues the sort it came from.",
    ),
});

export const MergeSchema = z.strictObject({
  sourceId: z.uuid(),
  reason: z.string().trim().max(1000).optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});

export const UnmergeSchema = z.strictObject({
  decisionId: z.uuid(),
  reason: z.string().trim().max(1000).optional(),
});

export const ConsentSchema = z.strictObject({
  purpose: z.enum(CONSENT_PURPOSES),
  channel: z.string().trim().min(1).max(32).nullable().optional(),
  status: z.enum(["granted", "withdrawn"]),
  source: z.string().trim().min(1).max(100),
  evidence: z.record(z.string(), z.unknown()).optional(),
  recordedAt: z.iso.datetime({ offset: true }).optional(),
});

export const HintsSchema = z.strictObject({
  unionId: z.string().trim().min(1).max(256).optional(),
  displayName: z.string().max(400).optional(),
  givenName: z.string().max(200).optional(),
  familyName: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  phone: z.string().max(64).optional(),
  language: z.string().max(35).optional(),
  avatarUrl: z.string().max(2048).optional(),
  source: z.string().max(100).optional(),
});

const EventShape = {
  id: z.string().trim().min(1).max(200).optional(),
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, "lower-case letters, digits, _ . or -"),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  source: z.string().max(100).optional(),
  channel: z.string().max(32).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  contactId: z.uuid().optional(),
  identity: IdentitySchema.optional(),
  hints: HintsSchema.optional(),
};

export const EventSchema = z.strictObject(EventShape).superRefine((e, ctx) => {
  if (!e.contactId && !e.identity)
    ctx.addIssue({ code: "custom", path: ["identity"], message: "give contactId or identity" });
});

/** POST /api/v1/events: one event, or `{ events: [...] }` with up to 1,000. */
export const IngestSchema = z
  .strictObject({
    ...EventShape,
    type: EventShape.type.optional(),
    events: z.array(EventSchema).min(1).max(1000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.events) {
      const extra = Object.keys(body).filter((k) => k !== "events");
      if (extra.length)
        ctx.addIssue({ code: "custom", path: [extra[0] as string], message: "not allowed with events" });
      return;
    }
    if (!body.type) ctx.addIssue({ code: "custom", path: ["type"], message: "required" });
    if (!body.contactId && !body.identity) {
      ctx.addIssue({ code: "custom", path: ["identity"], message: "give contactId or identity" });
    }
  });

export const AttributeDefinitionSchema = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "lower-case letters, digits and _, starting with a letter"),
  label: z.string().trim().min(1).max(200),
  type: z.enum(ATTRIBUTE_TYPES),
  options: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
});

export const SettingsSchema = z.strictObject({ defaultRegion: z.string().length(2).nullable() });

export type CreateContactBody = z.infer<typeof CreateContactSchema>;
export type EventBody = z.infer<typeof EventSchema>;

/** A decimal amount: a number or a string with up to 14 digits and 4 decimals; kept as its decimal text. */
const Decimal = z
  .union([
    z.number().finite(),
    z
      .string()
      .trim()
      .regex(/^-?\d{1,14}(\.\d{1,4})?$/, "a decimal such as 12.50"),
  ])
  .transform((v) => String(v));

export const ORDER_STATUSES = ["pending", "paid", "fulfilled", "cancelled", "refunded"] as const;

/** POST /api/v1/orders: create or update an order by (source, externalId). */
export const OrderSchema = z
  .strictObject({
    externalId: z.string().trim().min(1).max(200),
    source: z.string().trim().max(100).optional(),
    contactId: z.uuid().optional(),
    identity: IdentitySchema.optional(),
    hints: HintsSchema.optional(),
    status: z.enum(ORDER_STATUSES),
    currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR"),
    total: Decimal,
    placedAt: z.iso.datetime({ offset: true }).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    lines: z
      .array(
        z.strictObject({
          sku: z.string().trim().max(100).optional(),
          name: z.string().trim().min(1).max(500),
          quantity: Decimal,
          unitPrice: Decimal,
          total: Decimal.optional(),
        }),
      )
      .max(500)
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (!o.contactId && !o.identity) {
      ctx.addIssue({ code: "custom", path: ["identity"], message: "give contactId or identity" });
    }
  });

/** `?cursor=&limit=` of a list ordered by (time, id): its cursors are longer than an id's. */
export const TimePageQuerySchema = PageQuerySchema.extend({ cursor: z.string().max(300).optional() });

/** A time-ordered page within an optional period `[from, to)`. */
export const PeriodPageQuerySchema = TimePageQuerySchema.extend({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const TimelineQuerySchema = PeriodPageQuerySchema.extend({ type: z.string().max(500).optional() });
