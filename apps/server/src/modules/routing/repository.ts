import type { Generated, Selectable } from "kysely";
import type { Executor } from "../../platform/db.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import type { AssignmentStrategy, Presence } from "./assignment.ts";
import type { BusinessHoursCalendar } from "./business-hours.ts";
import type { SlaPolicy } from "./sla.ts";

/** The tables this module owns. */
export type RoutingTables = {
  routing_agents: {
    workspace_id: string;
    user_id: string;
    presence: Generated<Presence>;
    presence_changed_at: Generated<Date>;
    skills: Generated<unknown>;
    capacity: Generated<unknown>;
    last_assigned_at: Date | null;
  };
  sla_policies: {
    workspace_id: string;
    name: string;
    targets: unknown;
    calendar: unknown;
    warning_threshold: number;
    updated_at: Date;
  };
  business_hours: {
    workspace_id: string;
    calendar: unknown;
    updated_at: Date;
  };
  routing_skills: {
    workspace_id: string;
    name: string;
    created_at: Generated<Date>;
  };
  routing_settings: {
    workspace_id: string;
    auto_assign: boolean;
    strategy: AssignmentStrategy;
    sticky: boolean;
    updated_at: Date;
  };
};

export type RoutingAgentRow = Selectable<RoutingTables["routing_agents"]>;
export type RoutingSettings = Pick<RoutingTables["routing_settings"], "auto_assign" | "strategy" | "sticky">;

export const q = (db: Executor) => db.withTables<RoutingTables>();

export const DEFAULT_SETTINGS: RoutingSettings = { auto_assign: false, strategy: "least_loaded", sticky: true };
/** Cases an agent may hold at once per channel type when none is configured. */
export const DEFAULT_CAPACITY: Readonly<Record<string, number>> = {
  api: 10,
  wechat: 8,
  webchat: 5,
  email: 20,
};

export async function getSettings(db: Executor, ws: string): Promise<RoutingSettings> {
  const row = await q(db)
    .selectFrom("routing_settings")
    .select(["auto_assign", "strategy", "sticky"])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
  return row ?? DEFAULT_SETTINGS;
}

const settingsCache = new TtlCache<string, Readonly<RoutingSettings>>(5_000, 1000);

/** The workspace's routing settings for the event handlers (cached 5 s; dropped at once on this node when saved). */
export async function cachedSettings(db: Executor, ws: string): Promise<Readonly<RoutingSettings>> {
  return settingsCache.load(ws, async () => Object.freeze({ ...(await getSettings(db, ws)) }));
}

/** Forgets a workspace's cached routing settings (after a save). */
export const forgetSettings = (ws: string) => settingsCache.delete(ws);

/** Saves a workspace's routing settings and drops the cached copy. */
export async function putSettings(db: Executor, ws: string, settings: RoutingSettings): Promise<void> {
  await q(db)
    .insertInto("routing_settings")
    .values({ workspace_id: ws, ...settings, updated_at: new Date() })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ ...settings, updated_at: new Date() }))
    .execute();
  forgetSettings(ws);
}

/** The workspace's SLA policy with the workspace's business hours as its calendar, or undefined when none is set. */
export async function getSlaPolicy(db: Executor, ws: string): Promise<SlaPolicy | undefined> {
  // One query (the handlers and the SLA job read it through cachedSlaPolicy).
  const row = await q(db)
    .selectFrom("sla_policies as p")
    .leftJoin("business_hours as h", "h.workspace_id", "p.workspace_id")
    .select(["p.name", "p.targets", "p.warning_threshold", "h.calendar"])
    .where("p.workspace_id", "=", ws)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    name: row.name,
    targets: row.targets as SlaPolicy["targets"],
    ...(row.calendar ? { calendar: row.calendar as BusinessHoursCalendar } : {}),
    warningThreshold: row.warning_threshold,
  };
}

/** null: the workspace has no policy. */
const slaPolicies = new TtlCache<string, Readonly<SlaPolicy> | null>(5_000, 1000);

/**
 * getSlaPolicy for the event handlers and the SLA job (cached 5 s; dropped at once on this node when the policy
 * or the business hours are saved); shared by every caller, so never changed in place.
 */
export async function cachedSlaPolicy(db: Executor, ws: string): Promise<Readonly<SlaPolicy> | undefined> {
  const policy = await slaPolicies.load(ws, async () => {
    const found = await getSlaPolicy(db, ws);
    return found ? Object.freeze(found) : null;
  });
  return policy ?? undefined;
}

/**
 * Forgets a workspace's cached SLA policy: after the policy or the business hours are saved, and again after the
 * commit of a transaction that saved them (a handler reading in between would otherwise cache the old policy).
 */
export const forgetSlaPolicy = (ws: string) => slaPolicies.delete(ws);

export function listRoutingAgents(db: Executor, ws: string) {
  return q(db).selectFrom("routing_agents").selectAll().where("workspace_id", "=", ws).execute();
}

/** One member's routing profile, or undefined when they never had one (presence then reads offline). */
export function findRoutingAgent(db: Executor, ws: string, userId: string) {
  return q(db)
    .selectFrom("routing_agents")
    .select(["presence", "presence_changed_at"])
    .where("workspace_id", "=", ws)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

export function upsertRoutingAgent(
  db: Executor,
  ws: string,
  userId: string,
  set: { presence?: Presence; skills?: unknown; capacity?: unknown; last_assigned_at?: Date },
) {
  const values = {
    ...(set.presence !== undefined ? { presence: set.presence, presence_changed_at: new Date() } : {}),
    ...(set.skills !== undefined ? { skills: JSON.stringify(set.skills) } : {}),
    ...(set.capacity !== undefined ? { capacity: JSON.stringify(set.capacity) } : {}),
    ...(set.last_assigned_at !== undefined ? { last_assigned_at: set.last_assigned_at } : {}),
  };
  return q(db)
    .insertInto("routing_agents")
    .values({ workspace_id: ws, user_id: userId, ...values })
    .onConflict((oc) => oc.columns(["workspace_id", "user_id"]).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}
