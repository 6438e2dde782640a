import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { FinalJobError } from "../../../platform/jobs.ts";
import { createDispatcher, type Dispatcher } from "../../../platform/outbox.ts";
import { subscribeHandlers } from "../../../wiring.ts";
import { mergeContacts, resolveContact, unmergeContacts } from "../../profiles/index.ts";
import { OAUTH_COOKIE } from "./oauth-routes.ts";
import { runContactsTagPushJob, runTagPushJob } from "./tag-push.ts";
import { apiFixture, createFakeChannel, FAKE_APP_ID, startFakeWechat } from "./test-fake-wechat.ts";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(TEST_DATABASES)("WeChat tag push and web authorization routes on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof startFakeWechat>>;
  let dispatcher: Dispatcher;
  let channelId: string;
  let otherChannelId: string;
  const tagged = new Map<number, Set<string>>();
  let failTagging = 0;
  let refuseWith = 0;

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    fake = await startFakeWechat();
    dispatcher = createDispatcher(env.database, { pollIntervalMs: 50 });
    subscribeHandlers(env, dispatcher);
    await env.jobs.start({ work: true, supervise: false });
    await dispatcher.start();
    const remote = new Map<number, string>();
    let next = 200;
    fake.on("/cgi-bin/tags/get", () => ({ tags: [...remote].map(([id, name]) => ({ id, name, count: 0 })) }));
    fake.on("/cgi-bin/tags/create", ({ body }) => {
      const id = next++;
      remote.set(id, (body.tag as { name: string }).name);
      return { tag: { id, name: remote.get(id) } };
    });
    const tagging =
      (add: boolean) =>
      ({ body }: { body: Record<string, unknown> }) => {
        if (refuseWith) return { errcode: refuseWith, errmsg: "invalid tag" };
        if (failTagging > 0) {
          failTagging--;
          return { errcode: -1, errmsg: "system busy" };
        }
        const set = tagged.get(body.tagid as number) ?? new Set<string>();
        for (const id of body.openid_list as string[]) add ? set.add(id) : set.delete(id);
        tagged.set(body.tagid as number, set);
        return { errcode: 0, errmsg: "ok" };
      };
    fake.on("/cgi-bin/tags/members/batchtagging", tagging(true));
    fake.on("/cgi-bin/tags/members/batchuntagging", tagging(false));
    fake.on("/sns/oauth2/access_token", ({ query }) => {
      if (query.get("code") === "used") return { errcode: 40163, errmsg: "code been used" };
      const scope = query.get("code") === "base" ? "snsapi_base" : "snsapi_userinfo";
      return { ...apiFixture("api-sns-oauth2-access-token"), openid: "o-web-1", scope, unionid: "union-web-9" };
    });
    fake.on("/sns/userinfo", () => ({
      openid: "o-web-1",
      nickname: "小明",
      headimgurl: "https://thirdwx.qlogo.cn/x/0",
      unionid: "union-web-9",
    }));
    channelId = await createFakeChannel(env, a.auth("admin"), fake);
    otherChannelId = await createFakeChannel(env, b.auth("admin"), fake);
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await fake?.close();
    await env?.close();
  });

  it("pushes a contact's Rapport tag changes to WeChat for its OpenIDs (job, retried, synced tags only)", async () => {
    const chosen = await env.app.inject({
      method: "PUT",
      url: `/api/v1/channels/${channelId}/wechat/tags`,
      headers: a.auth("admin"),
      payload: { tags: ["vip"] },
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const vipId = (chosen.json().data ?? chosen.json().tags ?? []).find?.((t: { tag: string }) => t.tag === "vip")
      ?.wechatTagId as number | undefined;
    const { contactId } = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      { kind: "wechat_openid", externalId: "o-tag-1", namespace: FAKE_APP_ID, verified: true },
    );
    // WeChat is busy once: the job is retried and the follower ends up tagged.
    failTagging = 1;
    const patch = (tags: string[]) =>
      env.app.inject({
        method: "PATCH",
        url: `/api/v1/contacts/${contactId}`,
        headers: a.auth("admin"),
        payload: { tags },
      });
    expect((await patch(["vip", "not-synced"])).statusCode).toBe(200);
    await waitFor(() => [...tagged.values()].some((s) => s.has("o-tag-1")), 40_000);
    if (vipId !== undefined) expect(tagged.get(vipId)?.has("o-tag-1")).toBe(true);
    // Only the synced tag is pushed; "not-synced" costs no call.
    expect(fake.requestsTo("/cgi-bin/tags/members/batchtagging").every((r) => r.body.openid_list)).toBe(true);
    expect((await patch(["not-synced"])).statusCode).toBe(200);
    await waitFor(() => ![...tagged.values()].some((s) => s.has("o-tag-1")));
    const untag = fake.requestsTo("/cgi-bin/tags/members/batchuntagging").at(-1);
    expect(untag?.body.openid_list).toEqual(["o-tag-1"]);
    // Idempotent: running the job again changes nothing on WeChat.
    await runTagPushJob(env, { workspaceId: a.workspace.id, contactId, added: [], removed: ["vip"] });
    expect([...tagged.values()].some((s) => s.has("o-tag-1"))).toBe(false);
  });

  it("fails the job for good with WeChat's code on a final refusal, and for a retry when WeChat is busy", async () => {
    const { contactId } = await resolveContact(
      env.database.db,
      { workspaceId: a.workspace.id },
      { kind: "wechat_openid", externalId: "o-tag-full", namespace: FAKE_APP_ID, verified: true },
    );
    const push = () => runTagPushJob(env, { workspaceId: a.workspace.id, contactId, added: ["vip"], removed: [] });
    try {
      refuseWith = 45159;
      const final = await push().catch((err: unknown) => err);
      expect(final).toBeInstanceOf(FinalJobError);
      expect(String(final)).toMatch(/45159/);
      refuseWith = -1; // system busy: worth a retry
      const busy = await push().catch((err: unknown) => err);
      expect(busy).not.toBeInstanceOf(FinalJobError);
      expect(String(busy)).toMatch(/-1/);
    } finally {
      refuseWith = 0;
    }
  });

  it("does not push another workspace's tag changes to this channel", async () => {
    const calls = fake.requestsTo("/cgi-bin/tags/members/batchtagging").length;
    const { contactId } = await resolveContact(
      env.database.db,
      { workspaceId: b.workspace.id },
      { kind: "wechat_openid", externalId: "o-tag-b", namespace: FAKE_APP_ID, verified: true },
    );
    const report = await runTagPushJob(env, { workspaceId: b.workspace.id, contactId, added: ["vip"], removed: [] });
    expect(report).toEqual([]);
    expect(fake.requestsTo("/cgi-bin/tags/members/batchtagging")).toHaveLength(calls);
  });

  /** The WeChat tag id linked to "vip" on channel A (chosen for sync by the first test, chosen again here). */
  async function vipTagId(): Promise<number> {
    const chosen = await env.app.inject({
      method: "PUT",
      url: `/api/v1/channels/${channelId}/wechat/tags`,
      headers: a.auth("admin"),
      payload: { tags: ["vip"] },
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const { rows } = await env.database.query<{ wechat_tag_id: number }>(
      "select wechat_tag_id from wechat_synced_tags where channel_id = $1 and rapport_tag = 'vip'",
      [channelId],
    );
    return rows[0]?.wechat_tag_id as number;
  }
  const follower = async (workspaceId: string, openId: string) =>
    (
      await resolveContact(
        env.database.db,
        { workspaceId },
        { kind: "wechat_openid", externalId: openId, namespace: FAKE_APP_ID, verified: true },
      )
    ).contactId;
  const setTags = (contactId: string, tags: string[]) =>
    env.app.inject({
      method: "PATCH",
      url: `/api/v1/contacts/${contactId}`,
      headers: a.auth("admin"),
      payload: { tags },
    });

  it("pushes the survivor's tags to both contacts' OpenIDs on a merge, and each side's own back on unmerge", async () => {
    const vip = await vipTagId();
    const isVip = (openId: string) => tagged.get(vip)?.has(openId) === true;
    const target = await follower(a.workspace.id, "o-merge-t");
    const source = await follower(a.workspace.id, "o-merge-s");
    expect((await setTags(source, ["vip"])).statusCode).toBe(200);
    await waitFor(() => isVip("o-merge-s"));
    expect(isVip("o-merge-t")).toBe(false);
    const system = { type: "system" as const, workspaceId: a.workspace.id };
    const { decision } = await mergeContacts(env, system, {
      targetId: target,
      sourceId: source,
      reason: "same person",
    });
    await waitFor(() => isVip("o-merge-t"));
    await unmergeContacts(env, system, { decisionId: decision.id });
    await waitFor(() => !isVip("o-merge-t"));
    expect(isVip("o-merge-s")).toBe(true);
  });

  it("pushes an import's tags per batch, 50 OpenIDs a call, and never another workspace's contacts", async () => {
    const vip = await vipTagId();
    const openIds = Array.from({ length: 60 }, (_, i) => `o-imp-${i}`);
    const csv = [
      `identity.wechat_openid.${FAKE_APP_ID},tags`,
      ...openIds.map((o, i) => `${o},${i < 55 ? "vip" : "other"}`),
    ];
    const calls = fake.requestsTo("/cgi-bin/tags/members/batchtagging").length;
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/contacts/imports",
      headers: { ...a.auth("admin"), "content-type": "text/csv" },
      payload: csv.join("\n"),
    });
    expect(res.statusCode, res.body).toBe(202);
    const vipOnes = openIds.slice(0, 55);
    await waitFor(() => vipOnes.every((o) => tagged.get(vip)?.has(o)), 40_000);
    expect(openIds.slice(55).some((o) => tagged.get(vip)?.has(o))).toBe(false);
    const lists = fake
      .requestsTo("/cgi-bin/tags/members/batchtagging")
      .slice(calls)
      .map((r) => (r.body.openid_list as string[]).length);
    expect(lists).toEqual([50, 5]);
    // Workspace B's contacts (same app id, tag "vip"): a job naming them under A finds none, and B has no synced tag.
    const bContact = await follower(b.workspace.id, "o-imp-b");
    await env.app.inject({
      method: "PATCH",
      url: `/api/v1/contacts/${bContact}`,
      headers: b.auth("admin"),
      payload: { tags: ["vip"] },
    });
    const before = fake.requestsTo("/cgi-bin/tags/members/batchtagging").length;
    expect(await runContactsTagPushJob(env, { workspaceId: a.workspace.id, contactIds: [bContact] })).toEqual([]);
    expect(await runContactsTagPushJob(env, { workspaceId: b.workspace.id, contactIds: [bContact] })).toEqual([]);
    expect(fake.requestsTo("/cgi-bin/tags/members/batchtagging")).toHaveLength(before);
    expect(tagged.get(vip)?.has("o-imp-b")).toBe(false);
  });

  async function authorize(query: string) {
    const res = await env.app.inject({ url: `/oauth/wechat/${channelId}/authorize?${query}` });
    const location = new URL(String(res.headers.location));
    const cookie = String(res.headers["set-cookie"]).split(";")[0] ?? "";
    return { res, location, state: location.searchParams.get("state") ?? "", cookie };
  }

  it("redirects to WeChat with a state bound to the channel and a cookie", async () => {
    const { res, location, state, cookie } = await authorize("scope=snsapi_userinfo");
    expect(res.statusCode).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe("https://open.weixin.qq.com/connect/oauth2/authorize");
    expect(location.hash).toBe("#wechat_redirect");
    expect(location.searchParams.get("appid")).toBe(FAKE_APP_ID);
    expect(location.searchParams.get("scope")).toBe("snsapi_userinfo");
    expect(location.searchParams.get("redirect_uri")).toMatch(new RegExp(`/oauth/wechat/${channelId}/callback$`));
    expect(state).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect(cookie.startsWith(`${OAUTH_COOKIE}=`)).toBe(true);
    expect(String(res.headers["set-cookie"])).toContain("HttpOnly");
    const bad = await env.app.inject({ url: `/oauth/wechat/${channelId}/authorize?scope=snsapi_login` });
    expect(bad.statusCode).toBe(400);
    const offsite = await env.app.inject({ url: `/oauth/wechat/${channelId}/authorize?returnTo=//evil.example` });
    expect(offsite.statusCode).toBe(400);
    expect(offsite.json().error.reason).toBe("wechat_oauth_query_invalid");
  });

  it("exchanges the code, keeps the profile only with snsapi_userinfo consent, joins by UnionID", async () => {
    const { state, cookie } = await authorize("scope=snsapi_userinfo");
    const ok = await env.app.inject({
      url: `/oauth/wechat/${channelId}/callback?code=good&state=${state}`,
      headers: { cookie },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ openId: "o-web-1", unionId: "union-web-9", scope: "snsapi_userinfo" });
    expect(ok.body).not.toContain("ACCESS_TOKEN");
    const contact = await env.app.inject({ url: `/api/v1/contacts/${ok.json().contactId}`, headers: a.auth("admin") });
    expect(JSON.stringify(contact.json())).toContain("小明");
    // The same state and cookie cannot be replayed across channels or without the cookie.
    const noCookie = await env.app.inject({ url: `/oauth/wechat/${channelId}/callback?code=good&state=${state}` });
    expect(noCookie.json().error.reason).toBe("wechat_oauth_csrf");
    const forged = await env.app.inject({
      url: `/oauth/wechat/${channelId}/callback?code=good&state=${state.slice(0, -2)}00`,
      headers: { cookie },
    });
    expect(forged.json().error.reason).toBe("wechat_oauth_state_invalid");
    const elsewhere = await env.app.inject({
      url: `/oauth/wechat/${otherChannelId}/callback?code=good&state=${state}`,
      headers: { cookie },
    });
    expect(elsewhere.json().error.reason).toBe("wechat_oauth_state_invalid");
    const used = await authorize("scope=snsapi_base");
    const reused = await env.app.inject({
      url: `/oauth/wechat/${channelId}/callback?code=used&state=${used.state}`,
      headers: { cookie: used.cookie },
    });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.reason).toBe("wechat_oauth_restart");
    expect(fake.requestsTo("/sns/userinfo")).toHaveLength(1);
  });

  it("a silent snsapi_base grant keeps the OpenID only, and redirects to returnTo", async () => {
    const before = fake.requestsTo("/sns/userinfo").length;
    const { state, cookie } = await authorize("scope=snsapi_base&returnTo=/portal/home");
    const res = await env.app.inject({
      url: `/oauth/wechat/${channelId}/callback?code=base&state=${state}`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("/portal/home");
    expect(fake.requestsTo("/sns/userinfo")).toHaveLength(before);
    const denied = await authorize("scope=snsapi_userinfo");
    const refused = await env.app.inject({
      url: `/oauth/wechat/${channelId}/callback?state=${denied.state}`,
      headers: { cookie: denied.cookie },
    });
    expect(refused.statusCode).toBe(403);
    expect((await env.app.inject({ url: `/oauth/wechat/not-a-uuid/authorize` })).statusCode).toBe(404);
  });
});
