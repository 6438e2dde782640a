import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, recordAudit } from "../../tenancy/index.ts";
import { listRoutingAgents, q } from "../repository.ts";

export type SkillSummary = { name: string; agents: number; defined: boolean };

/**
 * The workspace's skills: those defined in the catalog and those some agent has (with how many agents),
 * sorted by name.
 */
export async function listSkills(db: Executor, ws: string): Promise<SkillSummary[]> {
  const [defined, agents] = await Promise.all([
    q(db).selectFrom("routing_skills").select("name").where("workspace_id", "=", ws).execute(),
    listRoutingAgents(db, ws),
  ]);
  const skills = new Map<string, SkillSummary>(
    defined.map((d) => [d.name, { name: d.name, agents: 0, defined: true }]),
  );
  for (const agent of agents) {
    for (const name of Object.keys((agent.skills ?? {}) as Record<string, number>)) {
      const skill = skills.get(name) ?? { name, agents: 0, defined: false };
      skill.agents += 1;
      skills.set(name, skill);
    }
  }
  return [...skills.values()].sort((x, y) => x.name.localeCompare(y.name));
}

/** Adds a skill to the catalog; a name already there (any case) is a 409 on `name`. */
export async function defineSkill(tx: Executor, actor: Actor, name: string): Promise<SkillSummary> {
  const ws = actor.workspaceId;
  const same = await q(tx)
    .selectFrom("routing_skills")
    .select("name")
    .where("workspace_id", "=", ws)
    .where(sql<string>`lower(name)`, "=", name.toLowerCase())
    .executeTakeFirst();
  if (same) {
    throw new AppError("conflict", "skill_exists", `A skill named "${same.name}" already exists.`, { field: "name" });
  }
  await q(tx).insertInto("routing_skills").values({ workspace_id: ws, name }).execute();
  await recordAudit(tx, actor, { action: "skill.created", objectType: "skill", details: { name } });
  const summary = (await listSkills(tx, ws)).find((s) => s.name === name);
  return summary ?? { name, agents: 0, defined: true };
}

/** Removes a skill from the catalog and from every agent who has it; 404 when nobody knows it. */
export async function removeSkill(tx: Executor, actor: Actor, name: string): Promise<void> {
  const ws = actor.workspaceId;
  const removed = await q(tx)
    .deleteFrom("routing_skills")
    .where("workspace_id", "=", ws)
    .where("name", "=", name)
    .executeTakeFirst();
  const holders = (await listRoutingAgents(tx, ws)).filter((a) =>
    Object.hasOwn((a.skills ?? {}) as Record<string, number>, name),
  );
  if (!removed.numDeletedRows && holders.length === 0) {
    throw new AppError("not_found", "skill_not_found", `No skill named "${name}" in your workspace.`);
  }
  for (const agent of holders) {
    const { [name]: _dropped, ...rest } = agent.skills as Record<string, number>;
    await q(tx)
      .updateTable("routing_agents")
      .set({ skills: JSON.stringify(rest) })
      .where("workspace_id", "=", ws)
      .where("user_id", "=", agent.user_id)
      .execute();
  }
  await recordAudit(tx, actor, {
    action: "skill.deleted",
    objectType: "skill",
    details: { name, removedFromAgents: holders.length },
  });
}
