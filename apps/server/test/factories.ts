import { randomBytes } from "node:crypto";
import { addMember, createApiToken, createWorkspace, type Role } from "../src/modules/tenancy/index.ts";
import type { AppContext } from "../src/platform/context.ts";

export const TEST_PASSWORD = "correct horse battery";

/** A workspace with one member per role and an API token per role. */
export async function buildWorkspace(ctx: AppContext, slug = `ws-${randomBytes(4).toString("hex")}`) {
  const workspace = await createWorkspace(ctx, { slug, name: `Workspace ${slug}` });
  const system = { type: "system" as const, workspaceId: workspace.id };
  const roles: Role[] = ["owner", "admin", "supervisor", "agent", "analyst"];
  const users = {} as Record<Role, { id: string; email: string }>;
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    const email = `${role}@${slug}.test`;
    const m = await addMember(ctx, system, { email, role, password: TEST_PASSWORD });
    users[role] = { id: m.user.id, email };
    tokens[role] = (await createApiToken(ctx, system, { name: role, role })).token;
  }
  return { workspace, users, tokens, auth: (role: Role) => ({ authorization: `Bearer ${tokens[role]}` }) };
}
