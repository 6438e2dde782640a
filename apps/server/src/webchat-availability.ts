/**
 * Composition root: tells web chat whether a workspace can answer now — its business-hours calendar (routing's
 * workspace business hours; none means always open) is open and at least one member who works cases is `online`.
 */
import { setWebchatAvailability } from "./modules/channels/index.ts";
import { getBusinessHours, isOpen, routableAgents } from "./modules/routing/index.ts";

/** Installs the check (buildApp calls it; the widget's config endpoint answers with it). */
export function wireWebchatAvailability(): void {
  setWebchatAvailability(async (ctx, ws, now) => {
    const { db } = ctx.database;
    const calendar = await getBusinessHours(db, ws);
    if (calendar && !isOpen(calendar, now)) return false;
    return (await routableAgents(db, ws)).some((agent) => agent.presence === "online");
  });
}
