import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { Actor } from "../actor.ts";
import { recordAudit } from "../audit.ts";
import { forgetCredentials } from "../auth-cache.ts";
import { assertPasswordStrength, hashPassword, verifyPassword } from "../passwords.ts";
import { findUserById, revokeUserSessions, setUserPassword } from "../repository.ts";

/** Changes the signed-in user's password and ends every other session of theirs. */
export async function changePassword(
  ctx: AppContext,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
) {
  if (actor.type !== "user")
    throw new AppError("forbidden", "users_only", "Only a signed-in user can change a password.");
  const user = await findUserById(ctx.database.db, actor.id);
  if (!user || !(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new AppError("invalid", "current_password_wrong", "The current password is incorrect.", {
      field: "currentPassword",
    });
  }
  assertPasswordStrength(input.newPassword);
  const passwordHash = await hashPassword(input.newPassword);
  return ctx.database.db.transaction().execute(async (tx) => {
    await setUserPassword(tx, user.id, passwordHash);
    const revoked = await revokeUserSessions(tx, user.id, actor.sessionHash);
    forgetCredentials(ctx, { userId: user.id });
    await recordAudit(tx, actor, {
      action: "user.password_changed",
      objectType: "user",
      objectId: user.id,
      details: { revokedSessions: revoked },
    });
    return { revokedSessions: revoked };
  });
}
