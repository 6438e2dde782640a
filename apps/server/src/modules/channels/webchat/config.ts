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
