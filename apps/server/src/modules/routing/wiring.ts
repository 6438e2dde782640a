import type { AppContext } from "../../platform/context.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { getSettings } from "./repository.ts";
import { routeCase } from "./use-cases/route-case.ts";

/** Auto-assigns new cases where the workspace turned it on; idempotent (an assigned case is left alone). */
export function subscribeRoutingHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  dispatcher.on("case.created", "routing.auto-assign", async (event) => {
    const settings = await getSettings(ctx.database.db, event.workspaceId);
    if (!settings.auto_assign) return;
    const { caseId } = event.payload as { caseId: string };
    await routeCase(ctx, event.workspaceId, caseId, settings);
  });
}
