import { registerContactErasers } from "./contact-erasure.ts";
import { defineAutomationJobs, subscribeAutomationHandlers } from "./modules/automation/index.ts";
import { defineChannelJobs, subscribeChannelHandlers } from "./modules/channels/index.ts";
import { defineProfilesJobs } from "./modules/profiles/index.ts";
import { defineRoutingJobs, subscribeRoutingHandlers } from "./modules/routing/index.ts";
import type { AppContext } from "./platform/context.ts";
import type { Dispatcher } from "./platform/outbox.ts";

/** Defines every module's job types (and declares channel types); every process, before the queue starts. */
export function defineJobs(ctx: AppContext): void {
  // The erasure file-deletion retry job finds each module's file deleter in this registry.
  registerContactErasers();
  defineChannelJobs(ctx);
  defineProfilesJobs(ctx);
  defineRoutingJobs(ctx);
  defineAutomationJobs(ctx);
}

/** Subscribes every module's domain-event handlers (processes running the dispatcher). */
export function subscribeHandlers(ctx: AppContext, dispatcher: Dispatcher): void {
  subscribeChannelHandlers(ctx, dispatcher);
  subscribeRoutingHandlers(ctx, dispatcher);
  subscribeAutomationHandlers(ctx, dispatcher);
}
