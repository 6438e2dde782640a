import type { Executor } from "../../../platform/db.ts";
import { wallboardCaseStats } from "../../conversations/index.ts";
import { findWorkspaceById } from "../../tenancy/index.ts";
import { instantToWallClock, wallClockToInstant } from "../business-hours.ts";
import { routableAgents } from "./route-case.ts";

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const seconds = (from: Date | null, now: Date) =>
  from ? Math.max(0, Math.round((now.getTime() - new Date(from).getTime()) / 1000)) : null;

/** Midnight of the day `now` falls on in the zone (the wallboard's "today"). */
export function startOfDay(timeZone: string, now: Date): Date {
  const wall = instantToWallClock(timeZone, now);
  return wallClockToInstant(timeZone, { year: wall.year, month: wall.month, day: wall.day, hour: 0, minute: 0 });
}

type QueueRow = {
  open: number;
  waiting: number;
  oldest_waiting_since: Date | null;
  sla_at_risk: number;
  sla_breached: number;
};

function presentQueue(r: QueueRow, now: Date) {
  return {
    open: r.open,
    waiting: r.waiting,
    longestWaitSeconds: seconds(r.oldest_waiting_since, now),
    slaAtRisk: r.sla_at_risk,
    slaBreached: r.sla_breached,
  };
}

type CaseRow = Awaited<ReturnType<typeof wallboardCaseStats>>["waiting"][number];

function presentCase(c: CaseRow, now: Date) {
  return {
    id: c.id,
    number: Number(c.number),
    subject: c.subject,
    priority: c.priority,
    status: c.status,
    assigneeId: c.assignee_id,
    teamId: c.team_id,
    channelIds: c.channel_ids,
    slaState: c.sla_state,
    slaDueAt: iso(c.sla_due_at),
    waitingSince: iso(c.waiting_since),
    waitSeconds: seconds(c.waiting_since, now),
  };
}

/**
 * What a supervisor watches: queue depth and longest wait per team and channel, agents by presence with
 * load against capacity, SLA at risk and breached, and today's volumes and first response time ("today"
 * in the workspace's time zone). The lists of waiting and SLA cases narrow to a team or channel when asked.
 */
export async function buildWallboard(
  db: Executor,
  ws: string,
  filters: { teamId?: string | undefined; channelId?: string | undefined } = {},
  now = new Date(),
) {
  const workspace = await findWorkspaceById(db, ws);
  const timeZone = workspace?.timezone ?? "UTC";
  const since = startOfDay(timeZone, now);
  const [stats, agents] = await Promise.all([wallboardCaseStats(db, ws, since, filters), routableAgents(db, ws)]);
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  return {
    generatedAt: now.toISOString(),
    timeZone,
    since: since.toISOString(),
    totals: presentQueue(stats.totals, now),
    teams: stats.byTeam
      .map((r) => ({ teamId: r.team_id, ...presentQueue(r, now) }))
      .sort((a, b) => b.waiting - a.waiting || b.open - a.open),
    channels: stats.byChannel
      .map((r) => ({ channelId: r.channel_id, ...presentQueue(r, now) }))
      .sort((a, b) => b.waiting - a.waiting || b.open - a.open),
    agents: agents.map((a) => {
      // Capacity counts only the channel types the agent holds cases on, or all of them when idle.
      const types = Object.keys(a.load).length ? Object.keys(a.load) : Object.keys(a.capacity);
      const capacity = types.reduce((n, t) => n + (a.capacity[t] ?? 0), 0);
      return {
        userId: a.id,
        name: a.name ?? "",
        presence: a.presence,
        teams: a.teams,
        load: sum(a.load as Record<string, number>),
        capacity,
        loadByChannelType: a.load,
        capacityByChannelType: a.capacity,
      };
    }),
    presence: {
      online: agents.filter((a) => a.presence === "online").length,
      away: agents.filter((a) => a.presence === "away").length,
      offline: agents.filter((a) => a.presence === "offline").length,
    },
    sla: {
      atRisk: stats.totals.sla_at_risk,
      breached: stats.totals.sla_breached,
      cases: stats.sla.map((c) => presentCase(c, now)),
    },
    waiting: stats.waiting.map((c) => presentCase(c, now)),
    today: {
      created: stats.today.created,
      solved: stats.today.solved,
      inboundMessages: stats.today.inbound,
      outboundMessages: stats.today.outbound,
      firstResponse: {
        count: stats.today.responded,
        averageSeconds:
          stats.today.first_response_avg === null ? null : Math.round(Number(stats.today.first_response_avg)),
        medianSeconds:
          stats.today.first_response_median === null ? null : Math.round(Number(stats.today.first_response_median)),
      },
      hourly: stats.hourly.map((h) => ({ hour: iso(h.hour), created: h.created, solved: h.solved })),
    },
  };
}
