import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../../tenancy/index.ts";
import type { AttributeType } from "../attributes.ts";
import { toRegion } from "../normalize.ts";
import { insertAttributeDefinition, upsertDefaultRegion } from "../repository.ts";
import type { Caller } from "./types.ts";

/** Defines a custom contact attribute of the workspace; keys are unique and select types need options. */
export async function defineAttribute(
  ctx: AppContext,
  caller: Caller,
  input: { key: string; label: string; type: AttributeType; options?: string[] | undefined },
) {
  const options = [...new Set(input.options ?? [])];
  const isSelect = input.type === "select" || input.type === "multiselect";
  if (isSelect && options.length === 0) {
    throw new AppError("invalid", "attribute_options_missing", "A select attribute needs at least one option.", {
      field: "options",
    });
  }
  return ctx.database.db.transaction().execute(async (tx) => {
    const row = await insertAttributeDefinition(tx, {
      workspace_id: caller.workspaceId,
      key: input.key,
      label: input.label,
      type: input.type,
      options: isSelect ? options : [],
    });
    if (!row) {
      throw new AppError("conflict", "attribute_exists", `An attribute "${input.key}" already exists.`, {
        field: "key",
      });
    }
    await recordAudit(tx, caller, {
      action: "contact_attribute.created",
      objectType: "contact_attribute",
      objectId: input.key,
    });
    return row;
  });
}

/** Sets the region national phone numbers are read in (ISO 3166 alpha-2), or clears it. */
export async function setDefaultRegion(ctx: AppContext, caller: Caller, region: string | null) {
  const code = region === null ? null : toRegion(region);
  if (code === undefined) {
    throw new AppError("invalid", "region_unknown", `"${region}" is not a region phone numbers are known for.`, {
      field: "defaultRegion",
    });
  }
  await ctx.database.db.transaction().execute(async (tx) => {
    await upsertDefaultRegion(tx, caller.workspaceId, code);
    await recordAudit(tx, caller, { action: "contact_settings.updated", details: { defaultRegion: code } });
  });
  return { defaultRegion: code };
}
