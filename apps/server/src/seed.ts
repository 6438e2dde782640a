import { seedDemoConversations } from "./demo-conversations.ts";
import { putSlaPolicy } from "./modules/routing/index.ts";
import {
  addMember,
  createTeam,
  createWorkspace,
  findUserByEmail,
  findWorkspaceBySlug,
  listMembers,
  setTeamMembership,
} from "./modules/tenancy/index.ts";
import type { AppContext } from "./platform/context.ts";

export const DEMO_ADMIN_EMAIL = "admin@demo.rapport.local";

/** Demo customers (each with a case) created on first start; `--scale N` adds N times as many. */
export const DEMO_CUSTOMERS = 300;

/**
 * Seeds the demo workspace once: an admin (password returned only on first run), agents, teams and a
 * working inbox. With `scale`, an existing demo workspace gets `scale × DEMO_CUSTOMERS` more customers.
 */
export async function seedDemo(
  ctx: AppContext,
  options: { scale?: number } = {},
): Promise<{ created: boolean; adminPassword?: string; cases?: number; messages?: number }> {
  const existing = await findWorkspaceBySlug(ctx.database.db, "demo");
  if (existing) {
    if (!options.scale) return { created: false };
    const admin = await findUserByEmail(ctx.database.db, DEMO_ADMIN_EMAIL);
    if (!admin) return { created: false };
    const members = (await listMembers(ctx.database.db, existing.id, undefined, 200)).filter((m) => m.role === "agent");
    const actor = { type: "user" as const, id: admin.id, workspaceId: existing.id, role: "admin" as const };
    const added = await seedDemoConversations(
      ctx,
      actor,
      members.map((m) => ({ id: m.id })),
      {
        customers: DEMO_CUSTOMERS * options.scale,
        run: Date.now(),
      },
    );
    return { created: false, ...added };
  }
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
  await putSlaPolicy(ctx.database.db, workspace.id, {
    name: "Standard",
    targets: {
      urgent: { firstResponse: 30, nextResponse: 60, resolution: 240 },
      high: { firstResponse: 60, nextResponse: 120, resolution: 480 },
      normal: { firstResponse: 240, nextResponse: 480, resolution: 1440 },
      low: { firstResponse: 480, resolution: 2880 },
    },
  });
  const actor = { type: "user" as const, id: admin.user.id, workspaceId: workspace.id, role: "admin" as const };
  const agents = members.filter((m) => m.role === "agent").map((m) => ({ id: m.user.id }));
  const added = await seedDemoConversations(ctx, actor, agents, {
    customers: DEMO_CUSTOMERS * (options.scale ?? 1),
    run: 0,
  });
  return { created: true, ...added, ...(admin.generatedPassword ? { adminPassword: admin.generatedPassword } : {}) };
}
