import { z } from "zod";

/** Everything Rapport reads from its environment, validated once at start. */
export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional(),
  RAPPORT_SECRET_KEY: z
    .string()
    .refine(
      (v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32,
      "must be 32 bytes, as 64 hex characters or base64",
    )
    .optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  OUTBOUND_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(600).default(5),
  /** Sign-in attempts one address may make per 5 minutes (then 429 with Retry-After). */
  LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Largest attachment an agent may upload, in bytes (default 10 MB). */
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** Content types an agent may upload, comma-separated. */
  ATTACHMENT_TYPES: z
    .string()
    .default(
      "image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain,text/csv,audio/mpeg,audio/ogg,audio/amr,video/mp4,application/zip",
    )
    .transform((v) =>
      v
        .split(",")
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  TEST_DATABASE_URL: z.string().optional(),
  /** SMTP server for spike-alert emails (smtp:// or smtps://user:pass@host:port); none: alert emails are skipped. */
  ALERT_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
    .optional(),
  /** An OpenAI-compatible endpoint (base URL, e.g. https://api.openai.com/v1) for every workspace without its own. */
  AI_PROVIDER_URL: z.url().optional(),
  AI_PROVIDER_API_KEY: z.string().min(1).optional(),
  AI_PROVIDER_MODEL: z.string().min(1).default("gpt-4o-mini"),
  AI_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  ALERT_EMAIL_FROM: z.string().min(3).default("Rapport alerts <alerts@rapport.invalid>"),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Raised when the environment is invalid; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment (default: the process's) into a Config, or throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = ConfigSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`));
}
