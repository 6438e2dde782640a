import { z } from "zod";
import { randomToken } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { parseConfig } from "../config.ts";
import type { ConfiguredChannel, CurrentConfig } from "../contract.ts";

/** Languages the widget ships; `auto` picks one from the browser. */
export const WIDGET_LANGUAGES = ["en", "fr", "es", "zh-CN"] as const;

const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #1c7ed6");
/** `https://shop.example`, `http://localhost:8080` or a wildcard subdomain `https://*.shop.example`. */
const Origin = z
  .string()
  .max(300)
  .regex(
    /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/,
    "must be an origin: scheme and host (and port), e.g. https://shop.example or https://*.shop.example",
  );

/**
 * A URL pattern of a proactive trigger: `re:<regular expression>` (case-insensitive, tested against the full
 * URL), else a glob where `*` is any run of characters and `?` one character — against the path and query when
 * it starts with `/`, else against the full URL. Returns the problem of an invalid one.
 */
export function urlPatternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith("re:")) return undefined;
  try {
    new RegExp(pattern.slice(3), "i");
    return undefined;
  } catch (err) {
    return `is not a valid regular expression (${err instanceof Error ? err.message : "syntax error"}); write re:<regex> or a glob like /cart/*`;
  }
}

const Trigger = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "must be 1–40 letters, digits, - or _"),
  /** What the widget opens with. */
  message: z.string().trim().min(1).max(500),
  /** Every condition given must hold. */
  when: z
    .strictObject({
      timeOnPageSeconds: z.number().int().min(0).max(86_400).optional(),
      inactivitySeconds: z.number().int().min(1).max(86_400).optional(),
      urlPattern: z
        .string()
        .min(1)
        .max(500)
        .superRefine((value, c) => {
          const problem = urlPatternProblem(value);
          if (problem) c.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      /** Compares a value the site gave with `Rapport.setContext`. */
      context: z
        .strictObject({
          key: z.string().min(1).max(60),
          op: z.enum(["gt", "gte", "lt", "lte", "eq"]),
          value: z.union([z.number(), z.string().max(500), z.boolean()]),
        })
        .optional(),
    })
    .refine((w) => Object.values(w).some((v) => v !== undefined), "needs at least one condition"),
});
export type WidgetTrigger = z.infer<typeof Trigger>;

/** Files visitors may attach by default: images, PDF and common office documents. */
export const DEFAULT_UPLOAD_TYPES = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/csv",
  "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
] as const;
const ContentType = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/, "must be a content type like image/png");

/** What visitors may attach from the widget (stored like agents' case attachments). */
const Uploads = z.strictObject({
  enabled: z.boolean().default(true),
  /** Per file, in bytes: 1 KB to 25 MB (the server's ATTACHMENT_MAX_BYTES still caps it). */
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(25 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  types: z
    .array(ContentType)
    .min(1)
    .max(40)
    .default([...DEFAULT_UPLOAD_TYPES]),
});

const Label = z.partialRecord(z.enum(WIDGET_LANGUAGES), z.string().trim().min(1).max(80));
/** One question of the pre-chat form: a built-in kind (name, email, phone) or a custom text answer. */
const PreChatField = z.strictObject({
  kind: z.enum(["name", "email", "phone", "custom"]),
  /** A custom field's key (its answer's name on the contact's timeline and the case note): 1–40 letters, digits, _. */
  key: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, "must be 1–40 letters, digits or _, starting with a letter")
    .optional(),
  /** The label per language; the built-in kinds have built-in labels. */
  label: Label.default({}),
  required: z.boolean().default(false),
});
export type PreChatField = z.infer<typeof PreChatField>;

/** The form a visitor fills in before their first message. */
const PreChatForm = z
  .strictObject({
    enabled: z.boolean().default(false),
    fields: z
      .array(PreChatField)
      .max(10)
      .default([
        { kind: "name", label: {}, required: true },
        { kind: "email", label: {}, required: true },
      ]),
  })
  .superRefine((form, c) => {
    const seen = new Set<string>();
    for (const [i, f] of form.fields.entries()) {
      if (f.kind === "custom" && !f.key) {
        c.addIssue({ code: "custom", path: ["fields", i, "key"], message: "a custom field needs a key" });
        continue;
      }
      if (f.kind === "custom" && Object.keys(f.label).length === 0) {
        c.addIssue({ code: "custom", path: ["fields", i, "label"], message: "a custom field needs a label" });
      }
      const id = f.kind === "custom" ? `custom:${f.key}` : f.kind;
      if (seen.has(id)) c.addIssue({ code: "custom", path: ["fields", i], message: "is a duplicate field" });
      seen.add(id);
    }
  });

/** What happens when nobody can answer: the widget shows a form (name, email, message) that opens a case. */
const OfflineForm = z.strictObject({
  /** Off by default: a team that does not set its presence would otherwise never be "available". */
  enabled: z.boolean().default(false),
  /** The email channel that carries the case and the agent's replies; default: the workspace's oldest one with SMTP. */
  emailChannelId: z.uuid().optional(),
});

/** The public part of a web chat channel's config, stored in `channels.config`, shown, and given to the widget. */
export const WebchatConfig = z.strictObject({
  /** Sites allowed to embed the widget (the server's own origin is always allowed). */
  allowedOrigins: z.array(Origin).max(50).default([]),
  primaryColour: Colour.default("#1c7ed6"),
  textColour: Colour.default("#ffffff"),
  position: z.enum(["bottom-right", "bottom-left"]).default("bottom-right"),
  /** Per-language texts; a missing language falls back to the built-in text. */
  greeting: z.partialRecord(z.enum(WIDGET_LANGUAGES), z.string().trim().max(300)).default({}),
  launcherText: z.partialRecord(z.enum(WIDGET_LANGUAGES), z.string().trim().max(40)).default({}),
  /** Languages offered; `auto` chooses among them from the browser, else the first. */
  languages: z
    .array(z.enum(WIDGET_LANGUAGES))
    .min(1)
    .max(4)
    .default([...WIDGET_LANGUAGES]),
  language: z.enum([...WIDGET_LANGUAGES, "auto"]).default("auto"),
  /** Proactive messages: the widget opens with one when its conditions hold and someone can answer. */
  triggers: z
    .array(Trigger)
    .max(20)
    .refine((t) => new Set(t.map((x) => x.id)).size === t.length, "trigger ids must be unique")
    .default([]),
  uploads: Uploads.default({ enabled: true, maxBytes: 10 * 1024 * 1024, types: [...DEFAULT_UPLOAD_TYPES] }),
  preChatForm: PreChatForm.default({
    enabled: false,
    fields: [
      { kind: "name", label: {}, required: true },
      { kind: "email", label: {}, required: true },
    ],
  }),
  offlineForm: OfflineForm.default({ enabled: false }),
  /** Whether the widget offers "email me the transcript" (sent through the workspace's email channel). */
  transcript: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
});
export type WebchatConfig = z.infer<typeof WebchatConfig>;

/** What an admin sends: the public config plus the write-only identity verification secret. */
const WebchatConfigInput = WebchatConfig.extend({
  identitySecret: z.string().min(24, "must be at least 24 characters").max(200).optional(),
});

export const WEBCHAT_SECRET_FIELDS = ["identitySecret"] as const;

/**
 * Validates a web chat config. A new channel without `identitySecret` gets a generated one, shown once; a
 * patch keeps the current secret unless it sends a new one (tokens and identify hashes then change).
 */
export function configureWebchat(input: Record<string, unknown>, current?: CurrentConfig): ConfiguredChannel {
  const merged = current ? { ...(current.config as Record<string, unknown>), ...input } : input;
  const { identitySecret, ...config } = withIndexPaths(() => parseConfig(WebchatConfigInput, merged));
  if (identitySecret) return { config, secrets: identitySecret };
  if (current?.secrets) return { config, secrets: current.secrets };
  const generated = randomToken("wcs_");
  return { config, secrets: generated, shownOnce: { identitySecret: generated } };
}

/** Names list items in a config error's field as `config.triggers[2].when.urlPattern`. */
function withIndexPaths<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof AppError) || err.reason !== "channel_config_invalid") throw err;
    const field = String((err.details as { field?: unknown } | undefined)?.field ?? "config");
    const named = field.replace(/\.(\d+)(?=\.|$)/g, "[$1]");
    throw new AppError(err.kind, err.reason, err.message.replace(field, named), { field: named });
  }
}

/** Whether an Origin header may use a channel: listed, matched by a wildcard subdomain, or the server itself. */
export function isOriginAllowed(config: WebchatConfig, origin: string | undefined, serverOrigin: string): boolean {
  // No Origin header: not a browser (or a same-origin GET); such a client could claim any origin anyway.
  if (origin === undefined) return true;
  const o = origin.toLowerCase();
  if (o === serverOrigin.toLowerCase()) return true;
  return config.allowedOrigins.some((allowed) => {
    const a = allowed.toLowerCase();
    if (!a.includes("://*.")) return a === o;
    const [scheme, rest] = a.split("://*.");
    return o.startsWith(`${scheme}://`) && o.slice(`${scheme}://`.length).endsWith(`.${rest}`);
  });
}
