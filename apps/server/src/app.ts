import { registerConsole } from "./console-static.ts";
import { registerContactErasers } from "./contact-erasure.ts";
import { registerJobsRoutes } from "./jobs-routes.ts";
import { registerAutomationRoutes } from "./modules/automation/index.ts";
import { registerChannelsRoutes } from "./modules/channels/index.ts";
import { registerConversationsRoutes } from "./modules/conversations/index.ts";
import { registerHelpCenter, registerKnowledgeRoutes } from "./modules/knowledge/index.ts";
import { registerProfilesRoutes } from "./modules/profiles/index.ts";
import { registerRoutingRoutes } from "./modules/routing/index.ts";
import { registerTenancyRoutes } from "./modules/tenancy/index.ts";
import type { AppContext } from "./platform/context.ts";
import { buildHttp } from "./platform/http.ts";
import { wireWebchatAvailability } from "./webchat-availability.ts";

/** Builds the web role: the platform's HTTP layer with every module's routes and the console. */
export async function buildApp(ctx: AppContext, options: { serveConsole?: boolean } = {}) {
  const app = await buildHttp(ctx.config, () => ctx.database.ping());
  registerContactErasers();
  registerTenancyRoutes(app, ctx);
  registerJobsRoutes(app, ctx);
  registerConversationsRoutes(app, ctx);
  registerRoutingRoutes(app, ctx);
  registerAutomationRoutes(app, ctx);
  registerChannelsRoutes(app, ctx);
  wireWebchatAvailability();
  registerProfilesRoutes(app, ctx);
  registerKnowledgeRoutes(app, ctx);
  registerHelpCenter(app, ctx);
  if (options.serveConsole !== false) await registerConsole(app);
  return app;
}
