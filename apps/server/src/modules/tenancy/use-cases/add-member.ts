import { randomBytes } from "node:crypto";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { Actor } from "../actor.ts";
import { recordAudit } from "../audit.ts";
import { forgetCredentials } from "../auth-cache.ts";
import { assertPasswordStrength, hashPassword } from "../passwords.ts";
import { assertCanGrant, type Role } from "../policy.ts";
import { findMembership, findUserByEmail, insertUser, upsertMembership } from "../repository.ts";

export type AddMemberInput = { email: string; name?: string | undefined; role: Role; password?: string | undefined };

/** Adds a person to a workspace with a role, creating the user if new; returns the generated password when none was given for a new user. */
export async function addMember(
  ctx: AppContext,
  actor: Actor | { type: "system"; workspaceId: string },
  input: AddMemberInput,
) {
  if (actor.type !== "system") assertCanGrant(actor.role, input.role);
  const email = input.email.trim().toLowerCase();
  if (input.password !== undefined) assertPasswordStrength(input.password);
  return ctx.database.db.transaction().execute(async (tx) => {
    let user = await findUserByEmail(tx, email);
    let generatedPassword: string | undefined;
    if (!user) {
      if (input.password === undefined) generatedPassword = randomBytes(12).toString("base64url");
      const password = input.password ?? generatedPassword ?? "";
      user = await insertUser(tx, {
        email,
        name: input.name ?? email.split("@")[0] ?? email,
        password_hash: await hashPassword(password),
      });
    } else if (await findMembership(tx, actor.workspaceId, user.id)) {
      throw new AppError("conflict", "already_member", `${email} is already a member of this workspace.`, {
        field: "email",
      });
    }
    await upsertMembership(tx, actor.workspaceId, user.id, input.role);
    await recordAudit(tx, actor, {
      action: "member.added",
      objectType: "user",
      objectId: user.id,
      details: { role: input.role },
    });
    return { user, role: input.role, generatedPassword };
  });
}

/**
 * Changes a member's role. Nobody changes their own role (no accidental lock-out), and nobody grants or
 * takes away a role above their own; the member's cached credentials are forgotten on this node.
 */
export async function changeMemberRole(ctx: AppContext, actor: Actor, userId: string, role: Role) {
  if (actor.id === userId) {
    throw new AppError("conflict", "own_role", "You cannot change your own role; ask another admin.", {
      field: "role",
    });
  }
  assertCanGrant(actor.role, role);
  const result = await ctx.database.db.transaction().execute(async (tx) => {
    const membership = await findMembership(tx, actor.workspaceId, userId);
    if (!membership) throw new AppError("not_found", "member_not_found", "No such member in your workspace.");
    assertCanGrant(actor.role, membership.role);
    await upsertMembership(tx, actor.workspaceId, userId, role);
    await recordAudit(tx, actor, {
      action: "member.role_changed",
      objectType: "user",
      objectId: userId,
      details: { from: membership.role, to: role },
    });
    return { ...membership, role };
  });
  forgetCredentials(ctx, { userId });
  return result;
}
