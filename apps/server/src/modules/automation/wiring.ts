import type { AppContext } from "../../platform/context.ts";
import type { Dispatcher } from "../../platform/outbox.ts";
import { runRules } from "./runner.ts";

/** Runs the rules on customer messages and new cases. */
export function subscribeAutomationHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  dispatcher.on("message.created", "automation.rules-on-message", (event) => runRules(ctx, event));
  dispatcher.on("case.created", "automation.rules-on-case", (event) => runRules(ctx, event));
}
