import type { TFunction } from "i18next";
import { ApiError } from "./api.ts";

/** The message to show for a failed request: the server's own message when it sent one. */
export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) return error.body?.message ?? t("errors.unknown");
  if (error instanceof TypeError) return t("errors.network");
  return t("errors.unknown");
}
