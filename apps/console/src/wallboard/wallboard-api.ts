import { requestJson, withQuery } from "../api.ts";

export type QueueStats = {
  open: number;
  waiting: number;
  longestWaitSeconds: number | null;
  slaAtRisk: number;
  slaBreached: number;
};

export type WallboardCase = {
  id: string;
  number: number;
  subject: string;
  priority: "urgent" | "high" | "normal" | "low";
  status: "open" | "pending" | "on-hold" | "solved" | "closed";
  assigneeId: string | null;
  teamId: string | null;
  channelIds: string[];
  slaState: "ok" | "warning" | "breached" | null;
  slaDueAt: string | null;
  waitingSince: string | null;
  waitSeconds: number | null;
};

export type WallboardAgent = {
  userId: string;
  name: string;
  presence: "online" | "away" | "offline";
  teams: string[];
  load: number;
  capacity: number;
  loadByChannelType: Record<string, number>;
  capacityByChannelType: Record<string, number>;
};

export type Wallboard = {
  generatedAt: string;
  timeZone: string;
  since: string;
  totals: QueueStats;
  teams: (QueueStats & { teamId: string | null })[];
  channels: (QueueStats & { channelId: string })[];
  agents: WallboardAgent[];
  presence: { online: number; away: number; offline: number };
  sla: { atRisk: number; breached: number; cases: WallboardCase[] };
  waiting: WallboardCase[];
  today: {
    created: number;
    solved: number;
    inboundMessages: number;
    outboundMessages: number;
    firstResponse: { count: number; averageSeconds: number | null; medianSeconds: number | null };
    hourly: { hour: string; created: number; solved: number }[];
  };
};

/** TanStack Query key of the wallboard; realtime case and presence events invalidate it. */
export const wallboardQueryKey = ["wallboard"] as const;

/** Narrows the lists of waiting and SLA cases (not the counts) to one team or channel. */
export type WallboardFilters = { teamId?: string | undefined; channelId?: string | undefined };

export const fetchWallboard = (filters: WallboardFilters) =>
  requestJson<Wallboard>("GET", withQuery("/api/v1/wallboard", filters));
