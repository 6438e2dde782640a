import { describe, expect, it } from "vitest";
import {
  type AssignmentOptions,
  type AssignmentStrategy,
  chooseAgent,
  type EscalationRule,
  escalate,
  orderQueue,
  type QueuedCase,
  type RoutableAgent,
  type RoutableCase,
} from "./assignment.ts";

const M = 60_000;
const NOW = new Date("2026-03-23T10:00:00Z");
/** `minutes` before NOW. */
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * M);

function agent(id: string, overrides: Partial<RoutableAgent> = {}): RoutableAgent {
  return {
    id,
    presence: "online",
    teams: ["support"],
    skills: {},
    capacity: { chat: 5, email: 20 },
    load: {},
    lastAssignedAt: ago(30),
    idleSince: null,
    ...overrides,
  };
}

function routable(overrides: Partial<RoutableCase> = {}): RoutableCase {
  return { priority: "normal", teamId: "support", requiredSkills: [], channelType: "chat", ...overrides };
}

const opts = (strategy: AssignmentStrategy, sticky = false): AssignmentOptions => ({ strategy, sticky, now: NOW });
const fr = (minProficiency = 3) => ({ name: "fr", minProficiency });

describe("chooseAgent", () => {
  it.each<[string, RoutableCase, RoutableAgent[], AssignmentOptions, string | null]>([
    [
      "round robin: the agent assigned longest ago",
      routable(),
      [agent("a", { lastAssignedAt: ago(5) }), agent("b", { lastAssignedAt: ago(50) }), agent("c")],
      opts("round_robin"),
      "b",
    ],
    [
      "round robin: an agent never assigned goes first",
      routable(),
      [agent("a", { lastAssignedAt: ago(500) }), agent("b", { lastAssignedAt: null })],
      opts("round_robin"),
      "b",
    ],
    [
      "least loaded: lowest share of capacity",
      routable(),
      [agent("a", { load: { chat: 4 } }), agent("b", { load: { chat: 1 } }), agent("c", { load: { chat: 3 } })],
      opts("least_loaded"),
      "b",
    ],
    [
      "least loaded: equal share → more spare capacity",
      routable(),
      [agent("a", { load: { chat: 1 } }), agent("b", { capacity: { chat: 10 }, load: { chat: 2 } })],
      opts("least_loaded"),
      "b",
    ],
    [
      "least loaded: load on other channels does not count",
      routable(),
      [agent("a", { load: { chat: 1, email: 19 } }), agent("b", { load: { chat: 2 } })],
      opts("least_loaded"),
      "a",
    ],
    [
      "skills_all: only agents with every skill at the minimum",
      routable({ requiredSkills: [fr(3), { name: "billing", minProficiency: 2 }] }),
      [
        agent("a", { skills: { fr: 5 } }),
        agent("b", { skills: { fr: 2, billing: 5 } }),
        agent("c", { skills: { fr: 3, billing: 2 } }),
      ],
      opts("skills_all"),
      "c",
    ],
    [
      "skills_all: tie broken by spare capacity",
      routable({ requiredSkills: [fr()] }),
      [agent("a", { skills: { fr: 5 }, load: { chat: 3 } }), agent("b", { skills: { fr: 3 }, load: { chat: 1 } })],
      opts("skills_all"),
      "b",
    ],
    [
      "skills_all: then by longest idle",
      routable({ requiredSkills: [fr()] }),
      [agent("a", { skills: { fr: 4 }, idleSince: ago(3) }), agent("b", { skills: { fr: 4 }, idleSince: ago(12) })],
      opts("skills_all"),
      "b",
    ],
    [
      "skills_best: highest proficiency wins over spare capacity",
      routable({ requiredSkills: [fr()] }),
      [agent("a", { skills: { fr: 3 } }), agent("b", { skills: { fr: 5 }, load: { chat: 4 } })],
      opts("skills_best"),
      "b",
    ],
    [
      "skills_best: meeting more skills beats a higher total",
      routable({ requiredSkills: [fr(), { name: "billing", minProficiency: 3 }] }),
      [agent("a", { skills: { fr: 5, billing: 2 } }), agent("b", { skills: { fr: 3, billing: 3 } })],
      opts("skills_best"),
      "b",
    ],
    [
      "skills_best: the best partial match when nobody has every skill",
      routable({ requiredSkills: [fr(4)] }),
      [agent("a", { skills: { fr: 2 } }), agent("b", { skills: {} })],
      opts("skills_best"),
      "a",
    ],
    [
      "skills filter applies to round robin too",
      routable({ requiredSkills: [fr()] }),
      [agent("a", { lastAssignedAt: null }), agent("b", { skills: { fr: 3 } })],
      opts("round_robin"),
      "b",
    ],
    [
      "away and offline agents are not eligible",
      routable(),
      [agent("a", { presence: "away", lastAssignedAt: null }), agent("b", { presence: "offline" }), agent("c")],
      opts("round_robin"),
      "c",
    ],
    [
      "agents outside the case's team are not eligible",
      routable({ teamId: "billing" }),
      [agent("a", { lastAssignedAt: null }), agent("b", { teams: ["support", "billing"] })],
      opts("round_robin"),
      "b",
    ],
    [
      "a case without a team goes to any team",
      routable({ teamId: null }),
      [agent("a", { teams: ["sales"], lastAssignedAt: null }), agent("b")],
      opts("round_robin"),
      "a",
    ],
    [
      "agents at capacity or without capacity for the channel are skipped",
      routable({ channelType: "whatsapp" }),
      [
        agent("a", { capacity: { whatsapp: 2 }, load: { whatsapp: 2 }, lastAssignedAt: null }),
        agent("b", { lastAssignedAt: null }),
        agent("c", { capacity: { whatsapp: 3 }, load: { whatsapp: 2 } }),
      ],
      opts("round_robin"),
      "c",
    ],
    [
      "nobody eligible → null",
      routable({ requiredSkills: [fr()] }),
      [agent("a"), agent("b", { presence: "away", skills: { fr: 5 } })],
      opts("skills_all"),
      null,
    ],
    ["no agents at all → null", routable(), [], opts("least_loaded"), null],
    [
      "equal candidates → the smallest id, whatever the input order",
      routable(),
      [agent("c"), agent("a"), agent("b")],
      opts("least_loaded"),
      "a",
    ],
    [
      "sticky: the contact's last agent wins when eligible",
      routable({ lastAgentId: "a" }),
      [agent("a", { load: { chat: 4 } }), agent("b")],
      opts("least_loaded", true),
      "a",
    ],
    [
      "sticky: ignored when the last agent is away",
      routable({ lastAgentId: "a" }),
      [agent("a", { presence: "away" }), agent("b")],
      opts("least_loaded", true),
      "b",
    ],
    [
      "sticky: ignored when the last agent is at capacity",
      routable({ lastAgentId: "a" }),
      [agent("a", { load: { chat: 5 } }), agent("b", { load: { chat: 4 } })],
      opts("least_loaded", true),
      "b",
    ],
    [
      "sticky: under skills_best the last agent still needs every skill",
      routable({ lastAgentId: "a", requiredSkills: [fr()] }),
      [agent("a", { skills: { fr: 2 } }), agent("b", { skills: { fr: 3 } })],
      opts("skills_best", true),
      "b",
    ],
    [
      "sticky flag off: the last agent gets no preference",
      routable({ lastAgentId: "a" }),
      [agent("a", { load: { chat: 4 } }), agent("b")],
      opts("least_loaded", false),
      "b",
    ],
  ])("%s", (_name, kase, agents, options, expected) => {
    const decision = chooseAgent(kase, agents, options);
    expect(decision.agentId).toBe(expected);
    expect(decision.explanation.length).toBeGreaterThan(1);
  });

  it("explains a skills_best decision", () => {
    const decision = chooseAgent(
      routable({ priority: "high", teamId: "X", requiredSkills: [fr()] }),
      [
        agent("a", { name: "Ana", teams: ["X"], skills: { fr: 3 }, load: { chat: 1 }, idleSince: ago(30) }),
        agent("b", { name: "Ben", teams: ["X"], skills: { fr: 4 }, load: { chat: 2 }, idleSince: ago(12) }),
        agent("c", { name: "Chloé", teams: ["X"], skills: { fr: 1 } }),
        agent("d", { name: "Dan", teams: ["Y"], skills: { fr: 5 } }),
        agent("e", { name: "Eve", teams: ["X"], presence: "offline" }),
      ],
      opts("skills_best"),
    );
    expect(decision).toEqual({
      agentId: "b",
      explanation: [
        "strategy skills_best; high chat case for team X, skills 'fr' ≥ 3",
        "5 agents: 4 online, 3 of them in team X",
        "1 lacks skill 'fr' ≥ 3 (ranked lower)",
        "3 eligible agents",
        "chose Ben (b): best match 4/5, spare capacity 3, idle 12 min",
      ],
    });
  });

  it("explains why nobody was chosen, and why not the sticky agent", () => {
    const decision = chooseAgent(
      routable({ requiredSkills: [fr()], lastAgentId: "a" }),
      [
        agent("a", { presence: "away", skills: { fr: 5 } }),
        agent("b"),
        agent("c", { skills: { fr: 4 }, load: { chat: 5 } }),
      ],
      opts("skills_all", true),
    );
    expect(decision.agentId).toBeNull();
    expect(decision.explanation).toEqual([
      "strategy skills_all (sticky); normal chat case for team support, skills 'fr' ≥ 3",
      "3 agents: 2 online, 2 of them in team support",
      "1 lacks skill 'fr' ≥ 3 (1 agent excluded)",
      "1 agent at chat capacity",
      "no agent assigned: nobody online in team support is eligible; the case stays queued",
      "last agent a is away",
    ]);
  });

  it.each<[AssignmentStrategy, RegExp]>([
    ["round_robin", /chose b: longest since last assignment \(2 h 5 min ago\)/],
    ["least_loaded", /chose b: least loaded \(0 % of capacity\), spare capacity 5, idle 0 min/],
    ["skills_all", /chose b: no skills required, spare capacity 5, idle 0 min/],
  ])("states the reason of %s", (strategy, reason) => {
    const decision = chooseAgent(
      routable(),
      [agent("a", { load: { chat: 1 } }), agent("b", { lastAssignedAt: ago(125) })],
      opts(strategy),
    );
    expect(decision.explanation.at(-1)).toMatch(reason);
  });

  it("notes a sticky choice and a refused sticky agent", () => {
    const sticky = chooseAgent(routable({ lastAgentId: "a" }), [agent("a"), agent("b")], opts("round_robin", true));
    expect(sticky.explanation.at(-1)).toMatch(/^chose a: the contact's last agent \(sticky\)/);
    const refused = chooseAgent(
      routable({ lastAgentId: "a", teamId: "vip" }),
      [agent("a"), agent("b", { teams: ["vip"] })],
      opts("round_robin", true),
    );
    expect(refused.explanation).toContain("not sticky: last agent a is not in team vip");
    const unknown = chooseAgent(routable({ lastAgentId: "zz" }), [agent("b")], opts("round_robin", true));
    expect(unknown.explanation).toContain("not sticky: last agent zz is not in the roster");
  });
});

describe("orderQueue", () => {
  const q = (id: string, overrides: Partial<QueuedCase> = {}): QueuedCase => ({
    id,
    priority: "normal",
    queuedAt: ago(10),
    ...overrides,
  });

  it.each<[string, QueuedCase[], string[]]>([
    [
      "priority first",
      [
        q("low", { priority: "low" }),
        q("urgent", { priority: "urgent" }),
        q("normal"),
        q("high", { priority: "high" }),
      ],
      ["urgent", "high", "normal", "low"],
    ],
    [
      "then the nearest SLA due time",
      [q("late", { slaDueAt: ago(-60) }), q("soon", { slaDueAt: ago(-5) }), q("none")],
      ["soon", "late", "none"],
    ],
    [
      "a reply window closing sooner than the SLA counts",
      [q("sla", { slaDueAt: ago(-30) }), q("window", { replyWindowClosesAt: ago(-20), slaDueAt: ago(-90) })],
      ["window", "sla"],
    ],
    [
      "an overdue SLA comes before a future one",
      [q("future", { slaDueAt: ago(-5) }), q("overdue", { slaDueAt: ago(5) })],
      ["overdue", "future"],
    ],
    [
      "then the longest waiting",
      [q("new", { queuedAt: ago(1) }), q("old", { queuedAt: ago(100) }), q("mid", { queuedAt: ago(50) })],
      ["old", "mid", "new"],
    ],
    [
      "priority beats an earlier deadline",
      [q("normal-soon", { slaDueAt: ago(-1) }), q("high-late", { priority: "high", slaDueAt: ago(-600) })],
      ["high-late", "normal-soon"],
    ],
    ["equal cases by id", [q("b"), q("c"), q("a")], ["a", "b", "c"]],
  ])("%s", (_name, cases, expected) => {
    const input = [...cases];
    expect(orderQueue(cases).map((c) => c.id)).toEqual(expected);
    expect(cases).toEqual(input);
  });

  it("keeps the caller's extra fields", () => {
    const ordered = orderQueue([{ ...q("x"), subject: "Refund" }]);
    expect(ordered[0]?.subject).toBe("Refund");
  });
});

describe("escalate", () => {
  const base = routable({
    priority: "low",
    teamId: "fr-support",
    requiredSkills: [fr(4), { name: "billing", minProficiency: 3 }],
  });
  const rules: EscalationRule[] = [
    { afterMinutes: 60, raisePriority: "high", widenSkills: { drop: "all" }, anyTeam: true },
    { afterMinutes: 10, raisePriority: "one_step" },
    { afterMinutes: 30, widenSkills: { drop: ["billing"], lowerMinProficiencyBy: 1 } },
  ];

  it.each<[string, number, Partial<RoutableCase>, string[]]>([
    ["nothing before the first rule", 9 * M, { priority: "low", teamId: "fr-support" }, []],
    ["one step up after 10 min", 10 * M, { priority: "normal" }, ["after 10 min in queue: priority low → normal"]],
    [
      "skills widened after 30 min",
      45 * M,
      { priority: "normal", requiredSkills: [fr(3)] },
      [
        "after 10 min in queue: priority low → normal",
        "after 30 min in queue: skills widened (dropped 'billing'; lowered minimum proficiency of 'fr' by 1)",
      ],
    ],
    [
      "everything after an hour",
      61 * M,
      { priority: "high", requiredSkills: [], teamId: null },
      [
        "after 10 min in queue: priority low → normal",
        "after 30 min in queue: skills widened (dropped 'billing'; lowered minimum proficiency of 'fr' by 1)",
        "after 1 h in queue: priority normal → high",
        "after 1 h in queue: skills widened (dropped 'fr')",
        "after 1 h in queue: opened to any team (was fr-support)",
      ],
    ],
  ])("%s", (_name, waited, expected, applied) => {
    const result = escalate(base, waited, rules);
    expect(result.case).toMatchObject(expected);
    expect(result.applied).toEqual(applied);
  });

  it("never lowers a priority", () => {
    const result = escalate({ ...base, priority: "urgent" }, 120 * M, [{ afterMinutes: 5, raisePriority: "high" }]);
    expect(result.case.priority).toBe("urgent");
    expect(result.applied).toEqual([]);
  });

  it("keeps proficiency at least 1", () => {
    const result = escalate(base, 31 * M, [{ afterMinutes: 30, widenSkills: { lowerMinProficiencyBy: 9 } }]);
    expect(result.case.requiredSkills.map((s) => s.minProficiency)).toEqual([1, 1]);
  });

  it("is a function of the queued case and the total wait (idempotent)", () => {
    expect(escalate(base, 61 * M, rules)).toEqual(escalate(base, 61 * M, rules));
    expect(base.priority).toBe("low");
  });

  it("lets a widened case find an agent it could not before", () => {
    const agents = [agent("a", { teams: ["support"], skills: { fr: 3 } })];
    expect(chooseAgent(base, agents, opts("skills_all")).agentId).toBeNull();
    expect(chooseAgent(escalate(base, 61 * M, rules).case, agents, opts("skills_all")).agentId).toBe("a");
  });
});
