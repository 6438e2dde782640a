/**
 * Composition root: tells web chat whether a workspace can answer now — its business-hours calendar (routing's
 * SLA policy; none means always open) is open and at least one member who works cases is `online`.
 */
import { setWebchatAvailability } from "./modules/channels/index.ts";
import { getSlaPolicy, isOpen, routableAgents } from "./modules/routing/index.ts";

/** Installs the check (buildApp calls it; the widget's config endpoint answers with it). */
export function wireWebchatAvailability(): void {
  setWebchatAvailability(async (ctx, ws, now) => {
    const { db } = ctx.database;
    const policy = await getSlaPolicy(db, ws);
    if (policy?.calendar && !isOpen(policy.calendar, now)) return false;
    return (await routableAgents(db, ws)).some((agent) => agent.presence === "online");
  });
}
