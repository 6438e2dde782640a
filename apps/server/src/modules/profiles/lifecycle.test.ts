import { describe, expect, it } from "vitest";
import { computeLifecycleStage, type LifecycleFacts } from "./lifecycle.ts";

const now = new Date("2026-06-30T12:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

function facts(overrides: Partial<LifecycleFacts> = {}): LifecycleFacts {
  return {
    firstSeenAt: daysAgo(200),
    followedAt: null,
    unfollowedAt: null,
    firstInteractionAt: daysAgo(200),
    lastInteractionAt: daysAgo(2),
    lastInboundAt: daysAgo(2),
    inbound: { d7: 1, d30: 3, d90: 8 },
    outbound: { d7: 1, d30: 2, d90: 5 },
    previousInboundAt: daysAgo(35),
    firstRecentInboundAt: daysAgo(20),
    ...overrides,
  };
}

describe("lifecycle stage", () => {
  it("is active for a customer who keeps writing at their usual pace", () => {
    expect(computeLifecycleStage(facts(), now)).toBe("active");
  });

  it("is new for 30 days after the contact is first seen", () => {
    expect(computeLifecycleStage(facts({ firstSeenAt: daysAgo(30), previousInboundAt: null }), now)).toBe("new");
    expect(computeLifecycleStage(facts({ firstSeenAt: daysAgo(31) }), now)).toBe("active");
  });

  it("is at-risk when the customer fell silent for over 30 days, or writes at under half their usual pace", () => {
    const silent = facts({
      inbound: { d7: 0, d30: 0, d90: 4 },
      lastInboundAt: daysAgo(45),
      firstRecentInboundAt: null,
    });
    expect(computeLifecycleStage(silent, now)).toBe("at-risk");
    expect(computeLifecycleStage(facts({ inbound: { d7: 0, d30: 1, d90: 12 } }), now)).toBe("at-risk");
    expect(computeLifecycleStage(facts({ inbound: { d7: 0, d30: 2, d90: 12 } }), now)).toBe("active");
  });

  it("is churned after 90 days without a customer-initiated interaction, however much the brand sends", () => {
    const ignored = facts({
      inbound: { d7: 0, d30: 0, d90: 0 },
      outbound: { d7: 5, d30: 20, d90: 60 },
      lastInboundAt: daysAgo(120),
      previousInboundAt: daysAgo(120),
      firstRecentInboundAt: null,
    });
    expect(computeLifecycleStage(ignored, now)).toBe("churned");
  });

  it("is churned once the customer unfollows, until they follow again", () => {
    expect(computeLifecycleStage(facts({ followedAt: daysAgo(100), unfollowedAt: daysAgo(3) }), now)).toBe("churned");
    expect(computeLifecycleStage(facts({ followedAt: daysAgo(1), unfollowedAt: daysAgo(40) }), now)).toBe("re-engaged");
  });

  it("is re-engaged when a customer writes again after 60 days of silence", () => {
    expect(
      computeLifecycleStage(facts({ previousInboundAt: daysAgo(90), firstRecentInboundAt: daysAgo(29) }), now),
    ).toBe("re-engaged");
    expect(
      computeLifecycleStage(facts({ previousInboundAt: daysAgo(88), firstRecentInboundAt: daysAgo(29) }), now),
    ).toBe("active");
    expect(computeLifecycleStage(facts({ previousInboundAt: null, firstSeenAt: daysAgo(120) }), now)).toBe(
      "re-engaged",
    );
  });

  it("computes nothing for a contact without any interaction or follow", () => {
    const blank = facts({
      firstInteractionAt: null,
      lastInteractionAt: null,
      lastInboundAt: null,
      inbound: { d7: 0, d30: 0, d90: 0 },
      outbound: { d7: 0, d30: 0, d90: 0 },
      previousInboundAt: null,
      firstRecentInboundAt: null,
    });
    expect(computeLifecycleStage(blank, now)).toBeNull();
    expect(computeLifecycleStage({ ...blank, followedAt: daysAgo(3), firstSeenAt: daysAgo(3) }, now)).toBe("new");
  });
});
