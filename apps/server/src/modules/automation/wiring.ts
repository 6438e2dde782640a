import type { AppContext } from "../../platform/context.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { ensureMessageAnalysis } from "./ai/store.ts";
import { runRules } from "./runner.ts";

/** Runs the rules on customer messages and new cases; analyses every customer message (AI triage). */
export function subscribeAutomationHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  dispatcher.on("message.created", "automation.rules-on-message", (event) => runRules(ctx, event));
  dispatcher.on("case.created", "automation.rules-on-case", (event) => runRules(ctx, event));
  dispatcher.on("message.created", "automation.ai-on-message", async (event) => {
    const p = event.payload as { messageId?: string; direction?: string };
    if (p.direction === "inbound" && p.messageId)
      await ensureMessageAnalysis(ctx.database.db, event.workspaceId, p.messageId);
  });
}
