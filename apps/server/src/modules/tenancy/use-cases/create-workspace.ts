import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { findWorkspaceBySlug, insertWorkspace } from "../repository.ts";

export type CreateWorkspaceInput = { slug: string; name: string; defaultLocale?: string; timezone?: string };

/** Creates a workspace; its slug must be free. */
export async function createWorkspace(ctx: AppContext, input: CreateWorkspaceInput) {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(input.slug)) {
    throw new AppError(
      "invalid",
      "slug_invalid",
      "A workspace slug is 2–63 lowercase letters, digits or dashes, starting with a letter or digit.",
      {
        field: "slug",
      },
    );
  }
  if (await findWorkspaceBySlug(ctx.database.db, input.slug)) {
    throw new AppError("conflict", "slug_taken", `A workspace with slug "${input.slug}" already exists.`, {
      field: "slug",
    });
  }
  return insertWorkspace(ctx.database.db, {
    slug: input.slug,
    name: input.name,
    default_locale: input.defaultLocale ?? "en",
    timezone: input.timezone ?? "UTC",
  });
}
