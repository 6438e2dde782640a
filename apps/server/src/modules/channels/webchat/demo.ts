/**
 * `/widget.js` (the built widget) and `/demo/widget`, a demo shop page embedding it. The demo page exists
 * only where the demo workspace was seeded: on first request it creates a web chat channel named
 * "Demo web chat" in that workspace (and reuses it afterwards), then renders a page embedding the widget with
 * a "sign in" button whose identify hash is computed here, as a host site's server would.
 */
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../../platform/context.ts";
import { encryptSecret } from "../../../platform/crypto.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { findWorkspaceBySlug } from "../../tenancy/index.ts";
import { q } from "../repository.ts";
import { loadWebchatChannel } from "./channel.ts";
import { configureWebchat } from "./config.ts";
import { identityHash } from "./token.ts";

const WIDGET_BUNDLE = fileURLToPath(new URL("../../../../../widget/dist/widget.js", import.meta.url));
export const DEMO_CHANNEL_NAME = "Demo web chat";
export const DEMO_CUSTOMER = { userId: "demo-customer-1", email: "mei@example.com", name: "Mei Chen" };

let bundle: { mtimeMs: number; body: Buffer } | undefined;

async function widgetBundle(): Promise<Buffer | undefined> {
  try {
    const { mtimeMs } = await stat(WIDGET_BUNDLE);
    if (bundle?.mtimeMs !== mtimeMs) bundle = { mtimeMs, body: await readFile(WIDGET_BUNDLE) };
    return bundle.body;
  } catch {
    return undefined;
  }
}

/** The demo workspace's web chat channel, created on first use; undefined when there is no demo workspace. */
export async function demoWebchatChannel(ctx: AppContext): Promise<string | undefined> {
  const { db } = ctx.database;
  const workspace = await findWorkspaceBySlug(db, "demo");
  if (!workspace) return undefined;
  const existing = await q(db)
    .selectFrom("channels")
    .select("id")
    .where("workspace_id", "=", workspace.id)
    .where("type", "=", "webchat")
    .where("name", "=", DEMO_CHANNEL_NAME)
    .where("disabled_at", "is", null)
    .orderBy("id")
    .executeTakeFirst();
  if (existing) return existing.id;
  const configured = configureWebchat({});
  const row = await q(db)
    .insertInto("channels")
    .values({
      workspace_id: workspace.id,
      id: uuidv7(),
      type: "webchat",
      name: DEMO_CHANNEL_NAME,
      config: JSON.stringify(configured.config),
      secrets_encrypted: configured.secrets === null ? null : encryptSecret(ctx.secretKey, configured.secrets),
      disabled_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** JSON safe inside an HTML <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

function demoPage(channelId: string, identify: typeof DEMO_CUSTOMER & { hash: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport web chat demo — Tea House</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #faf7f2; }
  header { background: #2f4f3a; color: #fff; padding: 16px 32px; }
  main { padding: 24px 32px; max-width: 760px; }
  .product { background: #fff; border-radius: 8px; padding: 16px; margin: 12px 0; box-shadow: 0 1px 3px #0002; }
  button { font: inherit; padding: 8px 14px; border-radius: 6px; border: 1px solid #2f4f3a; background: #fff; cursor: pointer; }
</style>
</head>
<body>
<header><h1>Tea House</h1><p>A demo shop embedding the Rapport web chat widget.</p></header>
<main>
  <div class="product"><h2>Longjing green tea, 100 g</h2><p>€18.00</p>
    <button type="button" id="add-to-cart">Add to cart</button></div>
  <p><button type="button" id="sign-in">Sign in as ${identify.name}</button> <span id="signed-in" hidden>Signed in as ${identify.name}</span></p>
  <p>Embed code: <code>&lt;script src="/widget.js" data-channel="${channelId}" async&gt;&lt;/script&gt;</code></p>
</main>
<script type="application/json" id="demo-identity">${scriptJson(identify)}</script>
<script>
  let cart = 0;
  document.getElementById("add-to-cart").addEventListener("click", function () {
    cart += 18;
    window.Rapport && window.Rapport.setContext({ cartValue: cart });
  });
  document.getElementById("sign-in").addEventListener("click", function () {
    const identity = JSON.parse(document.getElementById("demo-identity").textContent);
    window.Rapport.identify(identity).then(function () {
      document.getElementById("signed-in").hidden = false;
    });
  });
</script>
<script src="/widget.js" data-channel="${channelId}" async></script>
</body>
</html>`;
}

/** Serves `/widget.js` to any site and the demo page. */
export function registerWidgetAssets(app: HttpApp, ctx: AppContext): void {
  app.get("/widget.js", { schema: { hide: true } }, async (_request, reply) => {
    const body = await widgetBundle();
    if (!body) {
      return reply
        .code(503)
        .type("application/javascript; charset=utf-8")
        .send('console.error("Rapport: the widget is not built. Run: npm run build -w @rapport/widget");');
    }
    return reply
      .header("cross-origin-resource-policy", "cross-origin")
      .header("cache-control", "public, max-age=300")
      .type("application/javascript; charset=utf-8")
      .send(body);
  });

  app.get("/demo/widget", { schema: { hide: true } }, async (_request, reply) => {
    const channelId = await demoWebchatChannel(ctx);
    if (!channelId) {
      throw new AppError(
        "not_found",
        "demo_not_seeded",
        "The demo page needs the demo workspace (rapport start seeds it).",
      );
    }
    const { secret } = await loadWebchatChannel(ctx, channelId);
    const identify = { ...DEMO_CUSTOMER, hash: identityHash(secret, DEMO_CUSTOMER.userId) };
    return reply.type("text/html; charset=utf-8").send(demoPage(channelId, identify));
  });
}
