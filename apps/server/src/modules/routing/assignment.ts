// The assignment engine as pure functions: pick an agent for a case (and say why), order a queue,
// escalate a case that waited too long. One pass over the agents, no sorting: O(agents × skills).
import { PRIORITIES, type Priority } from "./sla.ts";

export type Presence = "online" | "away" | "offline";

export type AssignmentStrategy = "round_robin" | "least_loaded" | "skills_all" | "skills_best";

/** The routing-relevant snapshot of an agent at decision time. */
export type RoutableAgent = {
  readonly id: string;
  readonly name?: string;
  readonly presence: Presence;
  readonly teams: readonly string[];
  /** Skill name → proficiency 1–5. */
  readonly skills: Readonly<Record<string, number>>;
  /** Channel type → how many cases of that type the agent may hold at once (missing: none). */
  readonly capacity: Readonly<Record<string, number>>;
  /** Channel type → cases of that type the agent holds now. */
  readonly load: Readonly<Record<string, number>>;
  readonly lastAssignedAt: Date | null;
  /** Since when the agent has had nothing to do; null when busy. */
  readonly idleSince: Date | null;
};

export type SkillRequirement = { readonly name: string; readonly minProficiency: number };

/** The routing-relevant snapshot of a case waiting for an agent. */
export type RoutableCase = {
  readonly id?: string;
  readonly priority: Priority;
  /** The team whose queue the case is in; null routes to any team. */
  readonly teamId: string | null;
  readonly requiredSkills: readonly SkillRequirement[];
  readonly channelType: string;
  /** The agent who last helped this contact, for sticky assignment. */
  readonly lastAgentId?: string | null;
};

export type AssignmentOptions = {
  readonly strategy: AssignmentStrategy;
  /** Prefer the contact's last agent when they are eligible. */
  readonly sticky?: boolean;
  readonly now: Date;
};

export type AssignmentDecision = {
  readonly agentId: string | null;
  /** Why this agent, or why none — written for the case history. */
  readonly explanation: string[];
};

type Candidate = {
  agent: RoutableAgent;
  spare: number;
  utilisation: number;
  idleMs: number;
  lastAssignedMs: number;
  skillsMet: number;
  proficiencySum: number;
};

const MINUTE = 60_000;

function label(agent: RoutableAgent): string {
  return agent.name ? `${agent.name} (${agent.id})` : agent.id;
}

function formatMinutes(ms: number): string {
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Negative when `a` should be chosen over `b` under the strategy. Every chain ends with the id. */
function compare(strategy: AssignmentStrategy, a: Candidate, b: Candidate): number {
  switch (strategy) {
    case "round_robin":
      return cmp(a.lastAssignedMs, b.lastAssignedMs) || b.idleMs - a.idleMs || byId(a, b);
    case "least_loaded":
      return a.utilisation - b.utilisation || b.spare - a.spare || b.idleMs - a.idleMs || byId(a, b);
    case "skills_all":
      return b.spare - a.spare || b.idleMs - a.idleMs || byId(a, b);
    case "skills_best":
      return (
        b.skillsMet - a.skillsMet ||
        b.proficiencySum - a.proficiencySum ||
        b.spare - a.spare ||
        b.idleMs - a.idleMs ||
        byId(a, b)
      );
  }
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byId(a: Candidate, b: Candidate): number {
  return a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0;
}

function describeRequirements(c: RoutableCase): string {
  if (c.requiredSkills.length === 0) return "no required skills";
  return `skills ${c.requiredSkills.map((s) => `'${s.name}' ≥ ${s.minProficiency}`).join(", ")}`;
}

function why(strategy: AssignmentStrategy, c: Candidate, required: number): string {
  const spare = `spare capacity ${c.spare}`;
  const idle = `idle ${formatMinutes(c.idleMs)}`;
  switch (strategy) {
    case "round_robin":
      return `longest since last assignment (${
        c.lastAssignedMs === Number.NEGATIVE_INFINITY ? "never assigned" : `${formatMinutes(c.lastAssignedMs * -1)} ago`
      })`;
    case "least_loaded":
      return `least loaded (${Math.round(c.utilisation * 100)} % of capacity), ${spare}, ${idle}`;
    case "skills_all":
      return `${required === 0 ? "no skills required" : "has every required skill"}, ${spare}, ${idle}`;
    case "skills_best": {
      if (required === 0) return `no skills required, ${spare}, ${idle}`;
      const mean = (c.proficiencySum / required).toFixed(required === 1 ? 0 : 1);
      const met = required === 1 ? "" : `, meets ${c.skillsMet}/${required} skills`;
      return `best match ${mean}/5${met}, ${spare}, ${idle}`;
    }
  }
}

/**
 * Chooses an agent for a case: online, in the case's team, with spare capacity for its channel type,
 * holding the required skills (a filter for every strategy but skills_best, where it ranks), preferring
 * the contact's last agent when sticky. Always explains the decision.
 */
export function chooseAgent(
  kase: RoutableCase,
  agents: readonly RoutableAgent[],
  options: AssignmentOptions,
): AssignmentDecision {
  const { strategy, now } = options;
  const nowMs = now.getTime();
  const channel = kase.channelType;
  const required = kase.requiredSkills;
  const isSkillFilter = strategy !== "skills_best";
  const explanation: string[] = [
    `strategy ${strategy}${options.sticky ? " (sticky)" : ""}; ${kase.priority} ${channel} case for ${
      kase.teamId === null ? "any team" : `team ${kase.teamId}`
    }, ${describeRequirements(kase)}`,
  ];

  let notOnline = 0;
  let notInTeam = 0;
  let atCapacity = 0;
  let noChannel = 0;
  let lackingAny = 0;
  const lacking = new Array<number>(required.length).fill(0);
  let eligible = 0;
  let best: Candidate | null = null;
  let sticky: Candidate | null = null;
  let stickyReason: string | null = null;
  const stickyId = options.sticky ? (kase.lastAgentId ?? null) : null;

  for (const agent of agents) {
    const isStickyAgent = stickyId !== null && agent.id === stickyId;
    if (agent.presence !== "online") {
      notOnline++;
      if (isStickyAgent) stickyReason = `is ${agent.presence}`;
      continue;
    }
    if (kase.teamId !== null && !agent.teams.includes(kase.teamId)) {
      notInTeam++;
      if (isStickyAgent) stickyReason = `is not in team ${kase.teamId}`;
      continue;
    }
    let skillsMet = 0;
    let proficiencySum = 0;
    for (let i = 0; i < required.length; i++) {
      const requirement = required[i] as SkillRequirement;
      const level = agent.skills[requirement.name] ?? 0;
      proficiencySum += Math.min(level, 5);
      if (level >= requirement.minProficiency) skillsMet++;
      else lacking[i] = (lacking[i] ?? 0) + 1;
    }
    if (isSkillFilter && skillsMet < required.length) {
      lackingAny++;
      if (isStickyAgent) stickyReason = "lacks a required skill";
      continue;
    }
    const capacity = agent.capacity[channel] ?? 0;
    const load = agent.load[channel] ?? 0;
    if (capacity <= 0) {
      noChannel++;
      if (isStickyAgent) stickyReason = `takes no ${channel} cases`;
      continue;
    }
    if (load >= capacity) {
      atCapacity++;
      if (isStickyAgent) stickyReason = `is at capacity (${load}/${capacity} ${channel})`;
      continue;
    }
    eligible++;
    const candidate: Candidate = {
      agent,
      spare: capacity - load,
      utilisation: load / capacity,
      idleMs: agent.idleSince ? Math.max(0, nowMs - agent.idleSince.getTime()) : 0,
      lastAssignedMs: agent.lastAssignedAt ? agent.lastAssignedAt.getTime() - nowMs : Number.NEGATIVE_INFINITY,
      skillsMet,
      proficiencySum,
    };
    if (isStickyAgent) {
      if (skillsMet === required.length) sticky = candidate;
      else stickyReason = "lacks a required skill";
    }
    if (best === null || compare(strategy, candidate, best) < 0) best = candidate;
  }

  const online = agents.length - notOnline;
  const inScope = online - notInTeam;
  explanation.push(
    `${plural(agents.length, "agent")}: ${online} online${
      kase.teamId === null ? "" : `, ${inScope} of them in team ${kase.teamId}`
    }`,
  );
  const lackingParts = required
    .map((r, i) => ({ r, n: lacking[i] ?? 0 }))
    .filter(({ n }) => n > 0)
    .map(({ r, n }) => `${n} lack${n === 1 ? "s" : ""} skill '${r.name}' ≥ ${r.minProficiency}`);
  if (lackingParts.length > 0) {
    explanation.push(
      `${lackingParts.join("; ")} (${isSkillFilter ? `${plural(lackingAny, "agent")} excluded` : "ranked lower"})`,
    );
  }
  if (noChannel > 0)
    explanation.push(`${plural(noChannel, "agent")} take${noChannel === 1 ? "s" : ""} no ${channel} cases`);
  if (atCapacity > 0) explanation.push(`${plural(atCapacity, "agent")} at ${channel} capacity`);

  if (best === null) {
    explanation.push(
      online === 0
        ? "no agent assigned: nobody is online"
        : `no agent assigned: nobody ${kase.teamId === null ? "online" : `online in team ${kase.teamId}`} is eligible; the case stays queued`,
    );
    if (stickyId !== null) explanation.push(`last agent ${stickyId} ${stickyReason ?? "is not in the roster"}`);
    return { agentId: null, explanation };
  }
  explanation.push(`${plural(eligible, "eligible agent")}`);

  if (stickyId !== null) {
    if (sticky) {
      explanation.push(
        `chose ${label(sticky.agent)}: the contact's last agent (sticky), ${why(strategy, sticky, required.length)}`,
      );
      return { agentId: sticky.agent.id, explanation };
    }
    explanation.push(`not sticky: last agent ${stickyId} ${stickyReason ?? "is not in the roster"}`);
  }
  explanation.push(`chose ${label(best.agent)}: ${why(strategy, best, required.length)}`);
  return { agentId: best.agent.id, explanation };
}

// ---------------------------------------------------------------------------------------------
// Queue order

/** A case waiting in a queue, with the times that order it. */
export type QueuedCase = {
  readonly id: string;
  readonly priority: Priority;
  /** The earliest running SLA due time, if any. */
  readonly slaDueAt?: Date | null;
  /** When the channel's reply window closes, if it has one. */
  readonly replyWindowClosesAt?: Date | null;
  /** When the case entered the queue (or was created). */
  readonly queuedAt: Date;
};

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { urgent: 0, high: 1, normal: 2, low: 3 };

function deadlineOf(c: QueuedCase): number {
  const sla = c.slaDueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const window = c.replyWindowClosesAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return Math.min(sla, window);
}

/**
 * Orders a queue: priority first, then the nearest deadline (SLA due time or reply-window closing,
 * whichever is sooner; none last), then the longest waiting, then id. Returns a new array.
 */
export function orderQueue<T extends QueuedCase>(cases: readonly T[]): T[] {
  return cases
    .map((c) => ({ c, rank: PRIORITY_RANK[c.priority], deadline: deadlineOf(c), queued: c.queuedAt.getTime() }))
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        cmp(a.deadline, b.deadline) ||
        a.queued - b.queued ||
        (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0),
    )
    .map(({ c }) => c);
}

// ---------------------------------------------------------------------------------------------
// Escalation

/** What to do once a case has waited `afterMinutes` in a queue. */
export type EscalationRule = {
  readonly afterMinutes: number;
  /** Raise the priority one step, or to a given priority (never lowers it). */
  readonly raisePriority?: "one_step" | Priority;
  /** Widen the skill requirements: drop some (or all) skills, and/or lower the minimum proficiency. */
  readonly widenSkills?: {
    readonly drop?: readonly string[] | "all";
    readonly lowerMinProficiencyBy?: number;
  };
  /** Let any team take the case. */
  readonly anyTeam?: boolean;
};

export type EscalationResult<T extends RoutableCase> = {
  readonly case: T;
  /** What changed and why, for the case history; empty when no rule applied. */
  readonly applied: string[];
};

/**
 * Applies every rule whose wait has passed, in order of `afterMinutes`, to the case as it was queued.
 * Pure and idempotent: call it with the original case and the total wait, not with an escalated case.
 */
export function escalate<T extends RoutableCase>(
  kase: T,
  waitedMs: number,
  rules: readonly EscalationRule[],
): EscalationResult<T> {
  const applied: string[] = [];
  let priority = kase.priority;
  let skills = kase.requiredSkills;
  let teamId = kase.teamId;
  const due = rules.filter((r) => waitedMs >= r.afterMinutes * MINUTE).sort((a, b) => a.afterMinutes - b.afterMinutes);
  for (const rule of due) {
    const after = `after ${formatMinutes(rule.afterMinutes * MINUTE)} in queue`;
    if (rule.raisePriority) {
      const rank = PRIORITY_RANK[priority];
      const target = rule.raisePriority === "one_step" ? Math.max(0, rank - 1) : PRIORITY_RANK[rule.raisePriority];
      if (target < rank) {
        const raised = PRIORITIES[target] ?? priority;
        applied.push(`${after}: priority ${priority} → ${raised}`);
        priority = raised;
      }
    }
    if (rule.widenSkills) {
      const { drop, lowerMinProficiencyBy = 0 } = rule.widenSkills;
      const dropped = skills.filter((s) => drop === "all" || (drop?.includes(s.name) ?? false));
      const kept = skills.filter((s) => !dropped.includes(s));
      const lowered = kept.map((s) => ({
        ...s,
        minProficiency: Math.max(1, s.minProficiency - lowerMinProficiencyBy),
      }));
      const changes: string[] = [];
      if (dropped.length > 0) changes.push(`dropped ${dropped.map((s) => `'${s.name}'`).join(", ")}`);
      const loweredNames = lowered.filter((s, i) => s.minProficiency !== kept[i]?.minProficiency).map((s) => s.name);
      if (loweredNames.length > 0) {
        changes.push(
          `lowered minimum proficiency of ${loweredNames.map((n) => `'${n}'`).join(", ")} by ${lowerMinProficiencyBy}`,
        );
      }
      if (changes.length > 0) {
        applied.push(`${after}: skills widened (${changes.join("; ")})`);
        skills = lowered;
      }
    }
    if (rule.anyTeam && teamId !== null) {
      applied.push(`${after}: opened to any team (was ${teamId})`);
      teamId = null;
    }
  }
  return { case: { ...kase, priority, requiredSkills: skills, teamId }, applied };
}
