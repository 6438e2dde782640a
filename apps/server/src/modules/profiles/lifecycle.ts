/** The lifecycle stages a contact moves through, computed from its timeline. */
export const LIFECYCLE_STAGES = ["new", "active", "at-risk", "churned", "re-engaged"] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** What the stage is computed from: follow times and customer- vs brand-initiated interactions over 7/30/90 days. */
export type LifecycleFacts = {
  /** When the contact was first known (created, or its first event if earlier). */
  firstSeenAt: Date;
  followedAt: Date | null;
  unfollowedAt: Date | null;
  firstInteractionAt: Date | null;
  lastInteractionAt: Date | null;
  lastInboundAt: Date | null;
  /** Customer-initiated interactions in the last 7, 30 and 90 days. */
  inbound: { d7: number; d30: number; d90: number };
  /** Brand-initiated interactions (messages, campaigns sent) in the last 7, 30 and 90 days. */
  outbound: { d7: number; d30: number; d90: number };
  /** The latest customer-initiated interaction older than 30 days. */
  previousInboundAt: Date | null;
  /** The earliest customer-initiated interaction of the last 30 days. */
  firstRecentInboundAt: Date | null;
};

const DAY = 86_400_000;
/** A silence at least this long before a customer's return makes them re-engaged rather than active. */
export const REENGAGE_GAP_DAYS = 60;

/**
 * The lifecycle stage, first rule that applies:
 * 1. unfollowed (and not followed again since) → churned;
 * 2. customer-initiated interaction in the last 30 days after a silence of ≥ 60 days, after re-following,
 *    or for the first time from a contact known for over 90 days → re-engaged;
 * 3. known for 30 days or less → new;
 * 4. customer-initiated interaction in the last 30 days → active, unless the pace fell below half its
 *    90-day average (at least 6 in 90 days) → at-risk;
 * 5. customer-initiated interaction in the last 90 days → at-risk;
 * 6. otherwise → churned.
 * Null when nothing is known yet (no interaction and no follow): the stage stays as it is.
 */
export function computeLifecycleStage(f: LifecycleFacts, now: Date): LifecycleStage | null {
  if (!f.firstInteractionAt && !f.followedAt && !f.unfollowedAt) return null;
  const ago = (d: Date) => (now.getTime() - d.getTime()) / DAY;
  if (f.unfollowedAt && (!f.followedAt || f.unfollowedAt >= f.followedAt)) return "churned";
  if (f.inbound.d30 > 0) {
    const refollowed = f.followedAt !== null && f.unfollowedAt !== null && ago(f.followedAt) <= 30;
    const returned =
      f.previousInboundAt !== null &&
      f.firstRecentInboundAt !== null &&
      (f.firstRecentInboundAt.getTime() - f.previousInboundAt.getTime()) / DAY >= REENGAGE_GAP_DAYS;
    const firstAfterDormancy = f.previousInboundAt === null && ago(f.firstSeenAt) > 90;
    if (refollowed || returned || firstAfterDormancy) return "re-engaged";
  }
  if (ago(f.firstSeenAt) <= 30) return "new";
  if (f.inbound.d30 > 0) {
    const declining = f.inbound.d90 >= 6 && f.inbound.d30 * 6 < f.inbound.d90;
    return declining ? "at-risk" : "active";
  }
  if (f.inbound.d90 > 0) return "at-risk";
  return "churned";
}
