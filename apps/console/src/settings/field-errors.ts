import { ApiError } from "../api.ts";

/**
 * The API's complaints by field, so a form can show each next to its input: `details.field` (a rule the
 * server checked, e.g. `email` or `config.webhookUrl`) and `details.issues[].path` (schema validation,
 * e.g. `/targets/normal/firstResponse` → `targets.normal.firstResponse`).
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body) return {};
  const details = error.body.details as
    | { field?: unknown; issues?: { path?: unknown; message?: unknown }[] }
    | null
    | undefined;
  const errors: Record<string, string> = {};
  if (typeof details?.field === "string") errors[details.field] = error.body.message;
  for (const issue of details?.issues ?? []) {
    if (typeof issue.path !== "string" || typeof issue.message !== "string") continue;
    const field = issue.path.replace(/^\//, "").replaceAll("/", ".");
    errors[field || "_"] ??= issue.message;
  }
  return errors;
}

/** The error for a field, also matching a nested field's parent (`config.webhookUrl` shows on `webhookUrl`). */
export function errorFor(errors: Record<string, string>, ...fields: string[]): string | undefined {
  for (const field of fields) {
    if (errors[field]) return errors[field];
  }
  return undefined;
}

/** Whether an error was shown on one of the given fields (else the form shows it in its alert). */
export function isShownOnField(errors: Record<string, string>, fields: readonly string[]): boolean {
  return fields.some((field) => errors[field] !== undefined);
}
