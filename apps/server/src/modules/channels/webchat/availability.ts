/**
 * Whether someone can answer a web chat now. Business hours and agents' presence belong to routing, which
 * channels may not import (same rung): the composition root installs the check with `setWebchatAvailability`
 * (src/webchat-availability.ts). Without one, the widget is treated as always available.
 */
import type { AppContext } from "../../../platform/context.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";

export type AvailabilityCheck = (ctx: AppContext, workspaceId: string, now: Date) => Promise<boolean>;

let check: AvailabilityCheck | null = null;
// Every widget load asks; the answer is shared for a few seconds per workspace.
const cache = new TtlCache<string, boolean>(10_000, 5_000);

/** Installs the availability check (null removes it) and forgets cached answers. */
export function setWebchatAvailability(next: AvailabilityCheck | null): void {
  check = next;
  cache.clear();
}

/** Forgets a workspace's cached answer (an agent's presence changed). */
export function forgetWorkspaceAvailability(ws: string): void {
  cache.delete(ws);
}

/** The installed check's answer for a workspace, cached for 10 s; proactive triggers only fire when true. */
export async function isWorkspaceAvailable(ctx: AppContext, ws: string, now = new Date()): Promise<boolean> {
  if (!check) return true;
  const installed = check;
  return cache.load(ws, () => installed(ctx, ws, now));
}
