import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expectStatus } from "./api.ts";
import { signIn } from "./session.ts";
import type { Journey } from "./types.ts";

/** A 1×1 PNG standing in for WeChat's QR image. */
const QR_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A tiny stand-in for WeChat's API: a token, no menu yet, no tags, and qrcode/create. */
async function startFakeWechat() {
  let tickets = 0;
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
      const answer: Record<string, unknown> =
        path === "/cgi-bin/stable_token"
          ? { access_token: `E2E_TOKEN_${"x".repeat(100)}`, expires_in: 7200 }
          : path === "/cgi-bin/menu/get"
            ? { errcode: 46003, errmsg: "menu no exist" }
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

export const journeys: Journey[] = [
  {
    name: "admin edits a WeChat menu (API validation shown at its path) and creates a parametric QR code",
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
