import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { HttpApp } from "../../platform/http.ts";
import { listContactMessages } from "../channels/index.ts";
import { actorOf, findTeam, guard, recordAudit } from "../tenancy/index.ts";
import {
  checkMenuTree,
  deleteMenu,
  findMenu,
  listMenus,
  MenuBody,
  type MenuInput,
  type MenuRow,
  menuTeams,
  saveMenu,
} from "./keyword-menus.ts";
import { presentRule } from "./routes.ts";
import {
  installScenario,
  isScenarioId,
  listInstalls,
  presentInstall,
  SCENARIO_IDS,
  SCENARIOS,
  uninstallScenario,
} from "./scenarios.ts";

const tags = { tags: ["automation"] };
const IdParams = z.strictObject({ id: z.uuid() });

const presentMenu = (m: MenuRow) => ({
  id: m.id,
  name: m.name,
  tree: m.tree,
  timeoutMinutes: m.timeoutMinutes,
  updatedAt: m.updatedAt.toISOString(),
});

/** The problems of a keyword menu (tree and teams), each `path: what`. */
async function menuProblems(db: Executor, ws: string, input: MenuInput): Promise<string[]> {
  const problems = checkMenuTree(input.tree).map((p) => `tree.${p.path}: ${p.message}`);
  for (const t of menuTeams(input.tree))
    if (!(await findTeam(db, ws, t.id))) problems.push(`tree.${t.path}: team ${t.id} does not exist in this workspace`);
  return problems;
}

function menuInvalid(problems: string[]) {
  return new AppError("invalid", "menu_invalid", `The keyword menu is invalid: ${problems.join("; ")}.`, {
    field: problems[0]?.split(":")[0],
    problems,
  });
}

/** The scenario catalogue (list, install, uninstall), keyword menus, and a contact's messages sent without a case. */
export function registerScenarioRoutes(app: HttpApp, ctx: AppContext) {
  const { db } = ctx.database;
  const read = { onRequest: guard(ctx, "automation.read") };
  const manage = { onRequest: guard(ctx, "automation.manage") };

  app.get("/api/v1/automation/scenarios", { schema: tags, ...read }, async (request) => {
    const installs = await listInstalls(db, actorOf(request).workspaceId);
    return {
      data: SCENARIO_IDS.map((id) => ({
        id,
        ...SCENARIOS[id],
        installs: installs.filter((i) => i.scenario === id).map(presentInstall),
      })),
    };
  });

  app.post(
    "/api/v1/automation/scenarios/:scenario/install",
    {
      schema: { ...tags, params: z.strictObject({ scenario: z.string().max(50) }), body: z.unknown() },
      ...manage,
    },
    async (request, reply) => {
      const { scenario } = request.params;
      if (!isScenarioId(scenario))
        throw new AppError(
          "not_found",
          "scenario_not_found",
          `No scenario "${scenario}"; one of: ${SCENARIO_IDS.join(", ")}.`,
        );
      const { install, rules } = await installScenario(ctx, actorOf(request), scenario, request.body ?? {});
      return reply.code(201).send({ install: presentInstall(install), rules: rules.map(presentRule) });
    },
  );

  app.delete(
    "/api/v1/automation/scenarios/installs/:id",
    { schema: { ...tags, params: IdParams }, ...manage },
    async (request, reply) => {
      if (!(await uninstallScenario(ctx, actorOf(request), request.params.id)))
        throw new AppError("not_found", "install_not_found", "No such scenario install in your workspace.");
      return reply.code(204).send();
    },
  );

  app.get("/api/v1/automation/keyword-menus", { schema: tags, ...read }, async (request) => ({
    data: (await listMenus(db, actorOf(request).workspaceId)).map(presentMenu),
  }));

  app.get(
    "/api/v1/automation/keyword-menus/:id",
    { schema: { ...tags, params: IdParams }, ...read },
    async (request) => {
      const menu = await findMenu(db, actorOf(request).workspaceId, request.params.id);
      if (!menu) throw new AppError("not_found", "menu_not_found", "No such keyword menu in your workspace.");
      return presentMenu(menu);
    },
  );

  app.post(
    "/api/v1/automation/keyword-menus/validate",
    { schema: { ...tags, body: MenuBody }, ...read },
    async (request) => ({
      problems: await menuProblems(db, actorOf(request).workspaceId, request.body),
    }),
  );

  app.post(
    "/api/v1/automation/keyword-menus",
    { schema: { ...tags, body: MenuBody }, ...manage },
    async (request, reply) => {
      const actor = actorOf(request);
      const problems = await menuProblems(db, actor.workspaceId, request.body);
      if (problems.length) throw menuInvalid(problems);
      const menu = await saveMenu(db, actor.workspaceId, request.body);
      await recordAudit(db, actor, {
        action: "automation.menu.created",
        objectType: "keyword_menu",
        objectId: menu.id,
      });
      return reply.code(201).send(presentMenu(menu));
    },
  );

  app.put(
    "/api/v1/automation/keyword-menus/:id",
    { schema: { ...tags, params: IdParams, body: MenuBody }, ...manage },
    async (request) => {
      const actor = actorOf(request);
      const problems = await menuProblems(db, actor.workspaceId, request.body);
      if (problems.length) throw menuInvalid(problems);
      return presentMenu(await saveMenu(db, actor.workspaceId, request.body, request.params.id));
    },
  );

  app.delete(
    "/api/v1/automation/keyword-menus/:id",
    { schema: { ...tags, params: IdParams }, ...manage },
    async (request, reply) => {
      if (!(await deleteMenu(db, actorOf(request).workspaceId, request.params.id)))
        throw new AppError("not_found", "menu_not_found", "No such keyword menu in your workspace.");
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v1/contacts/:id/channel-messages",
    { schema: { ...tags, params: IdParams }, onRequest: guard(ctx, "contacts.read") },
    async (request) => ({
      data: (await listContactMessages(db, actorOf(request).workspaceId, request.params.id)).map((m) => ({
        id: m.id,
        channelId: m.channel_id,
        authorType: m.author_type,
        authorId: m.author_id,
        type: m.type,
        text: m.text,
        content: m.content,
        status: m.status,
        error: m.error,
        createdAt: m.created_at.toISOString(),
        sentAt: m.sent_at?.toISOString() ?? null,
      })),
    }),
  );
}
