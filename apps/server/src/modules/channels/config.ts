import type { z } from "zod";
import { AppError } from "../../platform/errors.ts";

/** Parses a channel config with its adapter's schema; the first problem becomes `channel_config_invalid` naming the field. */
export function parseConfig<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = `config${issue?.path.length ? `.${issue.path.join(".")}` : ""}`;
  throw new AppError("invalid", "channel_config_invalid", `${field}: ${issue?.message ?? "invalid"}`, { field });
}
