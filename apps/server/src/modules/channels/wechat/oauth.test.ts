import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { resolveContact } from "../../profiles/index.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { buildAuthorizeUrl, exchangeCode, fetchWebUserInfo, refreshGrant, resolveWebVisitor } from "./oauth.ts";
import { apiFixture, createFakeChannel, FAKE_APP_ID, FAKE_SECRET, startFakeWechat } from "./test-fake-wechat.ts";

describe("the web authorization URL", () => {
  it("has the documented shape, with #wechat_redirect", () => {
    expect(
      buildAuthorizeUrl({
        appId: "wx520c15f417810387",
        redirectUri:
          "https://chong.qq.com/php/index.php?d=&c=wxAdapter&m=mobileDeal&showwxpaytitle=1&vb2ctag=4_2030_5_1194_60",
        scope: "snsapi_base",
        state: "123",
      }),
    ).toBe(
      "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387&redirect_uri=https%3A%2F%2Fchong.qq.com%2Fphp%2Findex.php%3Fd%3D%26c%3DwxAdapter%26m%3DmobileDeal%26showwxpaytitle%3D1%26vb2ctag%3D4_2030_5_1194_60&response_type=code&scope=snsapi_base&state=123#wechat_redirect",
    );
    expect(() =>
      buildAuthorizeUrl({ appId: "wx1", redirectUri: "https://x", scope: "snsapi_userinfo", state: "a b" }),
    ).toThrow(/state/);
  });
});

describe.each(TEST_DATABASES)("WeChat web authorization on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof startFakeWechat>>;
  let account: WechatAccount;
  const OTHER_APP = "wxbbbbbbbbbbbbbbbb";

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    fake = await startFakeWechat();
    fake.on("/sns/oauth2/access_token", ({ query }) => {
      if (query.get("secret") !== FAKE_SECRET || query.get("appid") !== FAKE_APP_ID) {
        return { errcode: 40125, errmsg: "invalid appsecret" };
      }
      if (query.get("code") === "used") return { errcode: 40163, errmsg: "code been used" };
      return { ...apiFixture("api-sns-oauth2-access-token"), scope: "snsapi_userinfo", unionid: "union-web-1" };
    });
    fake.on("/sns/oauth2/refresh_token", ({ query }) =>
      query.get("refresh_token") === "REFRESH_TOKEN"
        ? { ...apiFixture("api-sns-oauth2-access-token"), access_token: "ACCESS_TOKEN_2" }
        : { errcode: 42002, errmsg: "refresh_token expired" },
    );
    fake.on("/sns/userinfo", ({ query }) =>
      query.get("access_token") === "ACCESS_TOKEN"
        ? { ...apiFixture("api-sns-userinfo"), unionid: "union-web-1" }
        : { errcode: 40001, errmsg: "invalid credential" },
    );
    account = await findWechatAccount(env, a.workspace.id, await createFakeChannel(env, a.auth("admin"), fake));
  });
  afterAll(async () => {
    await fake?.close();
    await env?.close();
  });

  it("exchanges the code, refreshes, reads the user info and joins the visitor to their profile by UnionID", async () => {
    const grant = await exchangeCode(account, "CODE");
    expect(grant).toMatchObject({
      accessToken: "ACCESS_TOKEN",
      refreshToken: "REFRESH_TOKEN",
      openId: "OPENID",
      scopes: ["snsapi_userinfo"],
      unionId: "union-web-1",
      isSnapshotUser: false,
    });
    expect(grant.expiresAt.getTime()).toBeGreaterThan(Date.now() + 7000_000);
    await expect(exchangeCode(account, "used")).rejects.toMatchObject({
      reason: "wechat_oauth_restart",
      details: { code: 40163 },
    });

    const renewed = await refreshGrant(account, grant.refreshToken);
    expect(renewed.accessToken).toBe("ACCESS_TOKEN_2");
    await expect(refreshGrant(account, "old")).rejects.toMatchObject({ reason: "wechat_oauth_restart" });
    const refresh = fake.requestsTo("/sns/oauth2/refresh_token")[0];
    expect(refresh?.query.get("grant_type")).toBe("refresh_token");
    expect(refresh?.query.has("secret")).toBe(false);

    const info = await fetchWebUserInfo(grant, account);
    expect(info).toMatchObject({ openId: "OPENID", nickname: "NICKNAME", unionId: "union-web-1" });

    // The same person is known from the brand's other app: the UnionID joins them.
    const other = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      { kind: "wechat_openid", externalId: "o-app-2", namespace: OTHER_APP },
      { unionId: "union-web-1" },
    );
    const visitor = await resolveWebVisitor(env, account, info);
    expect(visitor.contactId).toBe(other.contactId);
  });
});
