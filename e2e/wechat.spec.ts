import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { expectStatus } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

/** A 1×1 PNG standing in for WeChat's QR image. */
const QR_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A tiny stand-in for WeChat's API: a token, menu/create and menu/get, no tags, and qrcode/create. */
async function startFakeWechat() {
  let tickets = 0;
  const published: { menu: Record<string, unknown> | null } = { menu: null };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (path === "/cgi-bin/showqrcode") {
        res.writeHead(200, { "content-type": "image/png" }).end(QR_PNG);
        return;
      }
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
      if (path === "/cgi-bin/menu/create") published.menu = body;
      const answer: Record<string, unknown> =
        path === "/cgi-bin/stable_token"
          ? { access_token: `E2E_TOKEN_${"x".repeat(100)}`, expires_in: 7200 }
          : path === "/cgi-bin/menu/get"
            ? published.menu
              ? { menu: published.menu }
              : { errcode: 46003, errmsg: "menu no exist" }
            : path === "/cgi-bin/tags/get"
              ? { tags: [] }
              : path === "/cgi-bin/qrcode/create"
                ? {
                    ticket: `gQE_e2e_ticket_${++tickets}`,
                    url: `http://weixin.qq.com/q/e2e${tickets}`,
                    ...(body.expire_seconds ? { expire_seconds: body.expire_seconds } : {}),
                  }
                : { errcode: 0, errmsg: "ok" };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    published,
    close: () => server.close(),
  };
}

export const journeys: Journey[] = [
  {
    name: "admin builds a WeChat menu (API validation shown at its path) with a Mini Program and a scan button, publishes it, and creates a parametric QR code",
    timeoutMs: 90_000,
    run: async ({ page, baseUrl, email, password, screenshot }) => {
      const fake = await startFakeWechat();
      try {
        await signIn(page, baseUrl, email, password);
        const created = await page.request.post(`${baseUrl}/api/v1/channels`, {
          data: {
            type: "wechat",
            name: `Brand OA ${Date.now().toString(36)}`,
            config: {
              appId: "wxb11529c136998cb6",
              appSecret: "0123456789abcdef0123456789abcdef",
              token: "pamtest",
              messageMode: "plain",
              apiBaseUrl: fake.url,
              allowPrivateNetwork: true,
            },
          },
        });
        await expectStatus(created, 201, "POST /api/v1/channels (wechat)");

        await page.goto(`${baseUrl}/settings/wechat`);
        await page.getByRole("link", { name: "WeChat" }).waitFor();
        const editor = page.getByRole("form", { name: "Menu editor" });
        await editor.getByText("No menu published").waitFor();
        await editor.getByRole("button", { name: "Add a button" }).click();
        // 6 Chinese characters are 18 bytes: over WeChat's 16 for a top-level button.
        await editor.getByTestId("button[0].name").fill("会员中心入口页");
        await editor.getByTestId("button[0].key").fill("MEMBER");
        await editor.getByRole("button", { name: "Check" }).click();
        await editor.getByTestId("menu-issues").getByText("button[0].name").waitFor();
        await screenshot("wechat-menu-invalid");
        await editor.getByTestId("button[0].name").fill("会员中心");
        await editor.getByRole("button", { name: "Check" }).click();
        await editor.getByText("The menu is valid.").waitFor();
        await screenshot("wechat-menu-valid");

        // A Mini Program button and a sub-menu with a scan button, each showing only its type's fields.
        const choose = async (testId: string, option: string) => {
          await editor.getByTestId(testId).click();
          await page.getByRole("option", { name: option, exact: true }).click();
        };
        await editor.getByRole("button", { name: "Add a button" }).click();
        await editor.getByTestId("button[1].name").fill("小程序");
        await choose("button[1].type", "Open a Mini Program");
        await editor.getByTestId("button[1].appid").fill("wx286b93c14bbf93aa");
        await editor.getByTestId("button[1].pagepath").fill("pages/index/index");
        await editor.getByTestId("button[1].url").fill("https://m.example.com/");
        await editor.getByRole("button", { name: "Add a button" }).click();
        await editor.getByTestId("button[2].name").fill("服务");
        await editor.getByTestId("button[2].submenu").check({ force: true });
        await editor.getByTestId("button[2].sub_button[0].name").fill("扫码核销");
        await choose("button[2].sub_button[0].type", "Scan a code and wait for the reply");
        // The Mini Program's page path is missing: the API's path marks the field, nothing reaches WeChat.
        await editor.getByTestId("button[1].pagepath").fill("");
        await editor.getByTestId("button[2].sub_button[0].key").fill("SCAN_CHECKIN");
        await editor.getByRole("button", { name: "Publish" }).click();
        await editor.getByText("is required for a miniprogram button").first().waitFor();
        if (fake.published.menu) throw new Error("an invalid menu reached WeChat");
        await editor.getByTestId("button[1].pagepath").fill("pages/index/index");
        await editor.getByTestId("menu-preview").getByText("扫码核销").waitFor();
        await editor.getByRole("button", { name: "Publish" }).click();
        await editor.getByText("Published.", { exact: false }).waitFor();
        const expected = {
          button: [
            { type: "click", name: "会员中心", key: "MEMBER" },
            {
              type: "miniprogram",
              name: "小程序",
              appid: "wx286b93c14bbf93aa",
              pagepath: "pages/index/index",
              url: "https://m.example.com/",
            },
            { name: "服务", sub_button: [{ type: "scancode_waitmsg", name: "扫码核销", key: "SCAN_CHECKIN" }] },
          ],
        };
        if (!isDeepStrictEqual(fake.published.menu, expected)) {
          throw new Error(`WeChat received ${JSON.stringify(fake.published.menu)}`);
        }
        // Read back from WeChat, the menu edits as it was built.
        await page.reload();
        await page.getByRole("form", { name: "Menu editor" }).getByTestId("button[1].appid").waitFor();
        await screenshot("wechat-menu-published");

        await page.getByRole("tab", { name: "QR codes" }).click();
        const form = page.getByRole("form", { name: "Create QR code" });
        await form.getByRole("textbox", { name: "Name" }).fill("Spring poster");
        await form.getByRole("textbox", { name: "Campaign" }).fill("spring");
        await form.getByRole("textbox", { name: "Scene" }).fill("poster-spring");
        await form.getByRole("button", { name: "Create QR code" }).click();
        const table = page.getByTestId("qr-codes");
        await table.getByText("Spring poster").waitFor();
        await table.getByText("poster-spring").waitFor();
        // The image comes through Rapport's proxy and loads.
        const image = table.getByTestId("qr-image").first();
        await image.waitFor();
        await page.waitForFunction(
          () => (document.querySelector('[data-testid="qr-image"]') as HTMLImageElement | null)?.naturalWidth === 1,
        );
        await screenshot("wechat-qr-codes");
      } finally {
        fake.close();
      }
    },
  },
];
