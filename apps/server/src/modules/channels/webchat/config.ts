import { z } from "zod";
import { randomToken } from "../../../platform/crypto.ts";
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
  const { identitySecret, ...config } = parseConfig(WebchatConfigInput, merged);
  if (identitySecret) return { config, secrets: identitySecret };
  if (current?.secrets) return { config, secrets: current.secrets };
  const generated = randomToken("wcs_");
  return { config, secrets: generated, shownOnce: { identitySecret: generated } };
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
