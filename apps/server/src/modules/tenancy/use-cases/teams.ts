import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { Actor } from "../actor.ts";
import { recordAudit } from "../audit.ts";
import {
  addTeamMember,
  findMembership,
  findTeam,
  findTeamByName,
  insertTeam,
  removeTeamMember,
} from "../repository.ts";

/** Creates a team in the actor's workspace; names are unique, case-insensitively. */
export async function createTeam(
  ctx: AppContext,
  actor: Actor | { type: "system"; workspaceId: string },
  name: string,
) {
  return ctx.database.db.transaction().execute(async (tx) => {
    if (await findTeamByName(tx, actor.workspaceId, name)) {
      throw new AppError("conflict", "team_name_taken", `A team named "${name}" already exists.`, { field: "name" });
    }
    const team = await insertTeam(tx, actor.workspaceId, name);
    await recordAudit(tx, actor, { action: "team.created", objectType: "team", objectId: team.id, details: { name } });
    return team;
  });
}

/** Adds (or with remove: true, removes) a workspace member to or from a team. */
export async function setTeamMembership(
  ctx: AppContext,
  actor: Actor | { type: "system"; workspaceId: string },
  input: { teamId: string; userId: string; remove?: boolean },
) {
  return ctx.database.db.transaction().execute(async (tx) => {
    if (!(await findTeam(tx, actor.workspaceId, input.teamId))) {
      throw new AppError("not_found", "team_not_found", "No team with this id in your workspace.");
    }
    if (input.remove) {
      await removeTeamMember(tx, actor.workspaceId, input.teamId, input.userId);
    } else {
      if (!(await findMembership(tx, actor.workspaceId, input.userId))) {
        throw new AppError("not_found", "member_not_found", "No member with this user id in your workspace.", {
          field: "userId",
        });
      }
      await addTeamMember(tx, actor.workspaceId, input.teamId, input.userId);
    }
    await recordAudit(tx, actor, {
      action: input.remove ? "team.member_removed" : "team.member_added",
      objectType: "team",
      objectId: input.teamId,
      details: { userId: input.userId },
    });
  });
}
