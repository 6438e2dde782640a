import {
  addMember,
  createTeam,
  createWorkspace,
  findWorkspaceBySlug,
  setTeamMembership,
} from "./modules/tenancy/index.ts";
import type { AppContext } from "./platform/context.ts";

export const DEMO_ADMIN_EMAIL = "admin@demo.rapport.local";

/** Seeds the demo workspace once: an admin (password returned only on first run), agents and teams. */
export async function seedDemo(ctx: AppContext): Promise<{ created: boolean; adminPassword?: string }> {
  if (await findWorkspaceBySlug(ctx.database.db, "demo")) return { created: false };
  const workspace = await createWorkspace(ctx, {
    slug: "demo",
    name: "Demo Brand",
    defaultLocale: "en",
    timezone: "Asia/Shanghai",
  });
  const system = { type: "system" as const, workspaceId: workspace.id };
  const admin = await addMember(ctx, system, { email: DEMO_ADMIN_EMAIL, name: "Demo Admin", role: "admin" });
  const people = [
    { email: "lena@demo.rapport.local", name: "Lena Supervisor", role: "supervisor" as const },
    { email: "wei@demo.rapport.local", name: "Wei Zhang", role: "agent" as const },
    { email: "sofia@demo.rapport.local", name: "Sofia García", role: "agent" as const },
    { email: "louis@demo.rapport.local", name: "Louis Martin", role: "agent" as const },
    { email: "ana@demo.rapport.local", name: "Ana Analyst", role: "analyst" as const },
  ];
  const members = [];
  for (const p of people) members.push(await addMember(ctx, system, p));
  const teams = [
    { name: "WeChat Care", members: [1, 2] },
    { name: "Email & Web", members: [2, 3] },
  ];
  for (const t of teams) {
    const team = await createTeam(ctx, system, t.name);
    for (const i of t.members) {
      const member = members[i];
      if (member) await setTeamMembership(ctx, system, { teamId: team.id, userId: member.user.id });
    }
  }
  return { created: true, ...(admin.generatedPassword ? { adminPassword: admin.generatedPassword } : {}) };
}
