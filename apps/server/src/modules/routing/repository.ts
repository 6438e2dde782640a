import type { Generated, Selectable } from "kysely";
import type { Executor } from "../../platform/db.ts";
import type { AssignmentStrategy, Presence } from "./assignment.ts";

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

export function putSettings(db: Executor, ws: string, settings: RoutingSettings) {
  return q(db)
    .insertInto("routing_settings")
    .values({ workspace_id: ws, ...settings, updated_at: new Date() })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ ...settings, updated_at: new Date() }))
    .execute();
}

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
