import type { AppContext } from "../../../platform/context.ts";
import { hashToken, randomToken } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../audit.ts";
import { SESSION_TTL_MS } from "../authenticate.ts";
import { lockoutUntil } from "../login-throttle.ts";
import { verifyPassword } from "../passwords.ts";
import {
  findUserByEmail,
  findWorkspaceBySlug,
  insertSession,
  listMembershipsOfUser,
  recordLoginFailure,
  resetLoginFailures,
} from "../repository.ts";

export type SignInInput = {
  email: string;
  password: string;
  workspace?: string | undefined;
  ip: string;
  userAgent?: string | undefined;
};

const BAD_CREDENTIALS = "The email or password is incorrect.";

/** Checks a password (with lockout back-off) and opens a session in one of the user's workspaces. */
export async function signIn(ctx: AppContext, input: SignInInput) {
  const { db } = ctx.database;
  const user = await findUserByEmail(db, input.email);
  if (user?.locked_until && user.locked_until.getTime() > Date.now()) {
    const seconds = Math.ceil((user.locked_until.getTime() - Date.now()) / 1000);
    throw new AppError("rate_limited", "account_locked", `Too many failed sign-ins. Try again in ${seconds} s.`, {
      retryAfterSeconds: seconds,
    });
  }
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!user || !ok) {
    if (user) await recordLoginFailure(db, user.id, lockoutUntil(user.failed_logins + 1));
    throw new AppError("unauthenticated", "invalid_credentials", BAD_CREDENTIALS);
  }
  const memberships = await listMembershipsOfUser(db, user.id);
  let membership = memberships[0];
  if (input.workspace) {
    membership = memberships.find((m) => m.slug === input.workspace);
    if (!membership) {
      throw new AppError("forbidden", "not_a_member", `You are not a member of workspace "${input.workspace}".`);
    }
  }
  if (!membership) throw new AppError("forbidden", "no_workspace", "This account belongs to no workspace yet.");

  const token = randomToken("", 32);
  await db.transaction().execute(async (tx) => {
    if (user.failed_logins > 0) await resetLoginFailures(tx, user.id);
    await insertSession(tx, {
      token_hash: hashToken(token),
      workspace_id: membership.workspace_id,
      user_id: user.id,
      expires_at: new Date(Date.now() + SESSION_TTL_MS),
      ip: input.ip,
      user_agent: input.userAgent?.slice(0, 500) ?? null,
    });
    await recordAudit(
      tx,
      { type: "user", id: user.id, workspaceId: membership.workspace_id, role: membership.role, ip: input.ip },
      {
        action: "session.created",
        objectType: "user",
        objectId: user.id,
      },
    );
  });
  const workspace = await findWorkspaceBySlug(db, membership.slug);
  return { token, user, workspace, role: membership.role };
}
