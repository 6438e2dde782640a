import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { openLoadByAssignee, routingSnapshot, updateCase } from "../../conversations/index.ts";
import { listMembers, listTeamMemberships } from "../../tenancy/index.ts";
import { type AssignmentDecision, chooseAgent, type RoutableAgent } from "../assignment.ts";
import {
  DEFAULT_CAPACITY,
  getSettings,
  listRoutingAgents,
  type RoutingSettings,
  upsertRoutingAgent,
} from "../repository.ts";

type Skills = Record<string, number>;

/** Every member who can work cases, as the assignment engine sees them now (a few queries, whatever the count). */
export async function routableAgents(db: Executor, ws: string): Promise<RoutableAgent[]> {
  const members: { id: string; name: string; role: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listMembers(db, ws, after, 500);
    members.push(...page.slice(0, 500));
    if (page.length <= 500) break;
    after = page[499]?.id;
  }
  const [profiles, teams, loads] = await Promise.all([
    listRoutingAgents(db, ws),
    listTeamMemberships(db, ws),
    openLoadByAssignee(db, ws),
  ]);
  const profileOf = new Map(profiles.map((p) => [p.user_id, p]));
  const teamsOf = new Map<string, string[]>();
  for (const t of teams) teamsOf.set(t.user_id, [...(teamsOf.get(t.user_id) ?? []), t.team_id]);
  const loadOf = new Map<string, Record<string, number>>();
  for (const l of loads) {
    if (l.assignee_id) loadOf.set(l.assignee_id, { ...loadOf.get(l.assignee_id), [l.channel_type]: l.cases });
  }
  return members
    .filter((m) => m.role !== "analyst")
    .map((m) => {
      const p = profileOf.get(m.id);
      const load = loadOf.get(m.id) ?? {};
      const busy = Object.values(load).some((n) => n > 0);
      return {
        id: m.id,
        name: m.name,
        presence: p?.presence ?? "offline",
        teams: teamsOf.get(m.id) ?? [],
        skills: (p?.skills ?? {}) as Skills,
        capacity: { ...DEFAULT_CAPACITY, ...((p?.capacity ?? {}) as Record<string, number>) },
        load,
        lastAssignedAt: p?.last_assigned_at ?? null,
        idleSince: busy ? null : (p?.presence_changed_at ?? null),
      };
    });
}

/**
 * Chooses an agent for an unassigned case with the workspace's strategy and assigns it, writing the
 * engine's explanation into the case history. Returns the decision (agentId null: nobody eligible).
 */
export async function routeCase(
  ctx: AppContext,
  ws: string,
  caseId: string,
  settings?: RoutingSettings,
): Promise<AssignmentDecision & { assigned: boolean }> {
  const { db } = ctx.database;
  const snapshot = await routingSnapshot(db, ws, caseId);
  if (!snapshot) return { agentId: null, explanation: ["case not found"], assigned: false };
  if (snapshot.assignee_id || snapshot.merged_into || snapshot.status === "solved" || snapshot.status === "closed") {
    return { agentId: snapshot.assignee_id, explanation: ["case already assigned or finished"], assigned: false };
  }
  const s = settings ?? (await getSettings(db, ws));
  const decision = chooseAgent(
    {
      id: caseId,
      priority: snapshot.priority,
      teamId: snapshot.team_id,
      requiredSkills: [],
      channelType: snapshot.channelType,
      lastAgentId: snapshot.lastAgentId,
    },
    await routableAgents(db, ws),
    { strategy: s.strategy, sticky: s.sticky, now: new Date() },
  );
  const agentId = decision.agentId;
  if (!agentId) return { ...decision, assigned: false };
  await runTransaction(ctx.database, async (tx) => {
    await updateCase(tx, { type: "system", id: null, workspaceId: ws }, caseId, { assigneeId: agentId }, [
      "routing",
      ...decision.explanation,
    ]);
    await upsertRoutingAgent(tx, ws, agentId, { last_assigned_at: new Date() });
  });
  return { ...decision, assigned: true };
}
