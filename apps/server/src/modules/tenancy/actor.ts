import type { Role } from "./policy.ts";

/** Who is making a request: a signed-in user or an API token, always inside one workspace. */
export type Actor = {
  type: "user" | "token";
  /** The user id, or the token id for a token. */
  id: string;
  workspaceId: string;
  role: Role;
  /** The session token hash for a user actor (to keep it alive on password change). */
  sessionHash?: string;
  ip?: string;
};
