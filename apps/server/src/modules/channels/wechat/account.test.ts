import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../../test/harness.ts";
import { MENU_BUTTON_TYPES, type Menu, type MenuButton, menuIssues } from "./menus.ts";
import { apiFixture, createFakeChannel, startFakeWechat } from "./test-fake-wechat.ts";

const click = (name: string, key = "k") => ({ type: "click", name, key });
const APPID = "wx286b93c14bbf93aa";

/** Every button type WeChat documents (CHANNELS.md §2.13), a valid button of it, and the fields it needs. */
const EVERY_TYPE: [string, MenuButton, string[]][] = [
  ["click", { key: "V1001_HELP" }, ["key"]],
  ["view", { url: "https://shop.example.com/" }, ["url"]],
  [
    "miniprogram",
    { appid: APPID, pagepath: "pages/lunar/index", url: "https://mp.example.com" },
    ["appid", "pagepath", "url"],
  ],
  ["scancode_push", { key: "rselfmenu_0_1" }, ["key"]],
  ["scancode_waitmsg", { key: "rselfmenu_0_0" }, ["key"]],
  ["pic_sysphoto", { key: "rselfmenu_1_0" }, ["key"]],
  ["pic_photo_or_album", { key: "rselfmenu_1_1" }, ["key"]],
  ["pic_weixin", { key: "rselfmenu_1_2" }, ["key"]],
  ["location_select", { key: "rselfmenu_2_0" }, ["key"]],
  ["media_id", { media_id: "MEDIA_ID1" }, ["media_id"]],
  ["article_id", { article_id: "ARTICLE_ID1" }, ["article_id"]],
  ["article_view_limited", { article_id: "ARTICLE_ID2" }, ["article_id"]],
  ["view_limited", { media_id: "MEDIA_ID2" }, ["media_id"]],
];

describe("menu limits", () => {
  it("accepts every button type with its fields", () => {
    const menu: Menu = {
      button: [
        {
          name: "Shop",
          sub_button: [
            { type: "view", name: "Store", url: "https://shop.example.com" },
            { type: "miniprogram", name: "App", appid: APPID, pagepath: "pages/i", url: "https://x.example" },
            { type: "scancode_push", name: "Scan", key: "s1" },
            { type: "scancode_waitmsg", name: "Scan2", key: "s2" },
            { type: "location_select", name: "Where", key: "l" },
          ],
        },
        {
          name: "Media",
          sub_button: [
            { type: "pic_sysphoto", name: "Camera", key: "p1" },
            { type: "pic_photo_or_album", name: "Album", key: "p2" },
            { type: "pic_weixin", name: "WeChat", key: "p3" },
            { type: "media_id", name: "Poster", media_id: "MEDIA" },
            { type: "article_id", name: "Article", article_id: "ART" },
          ],
        },
        click("Help"),
      ],
    };
    expect(menuIssues(menu)).toEqual([]);
  });

  it("names the exact path of each broken limit", () => {
    const issues = menuIssues({
      button: [
        click("一二三四五六"), // 18 bytes > 16
        {
          name: "More",
          type: "click",
          sub_button: [
            click("a"),
            click("b"),
            click("c"),
            click("d"),
            { type: "view", name: "x".repeat(61), url: `https://e.example/${"p".repeat(1010)}` },
            click("f", "k".repeat(129)),
          ],
        },
        { type: "miniprogram", name: "App", appid: APPID, pagepath: "p" },
        click("fourth"),
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      "button",
      "button[0].name",
      "button[1].type",
      "button[1].sub_button",
      "button[1].sub_button[4].name",
      "button[1].sub_button[4].url",
      "button[1].sub_button[5].key",
      "button[2].url",
    ]);
    expect(issues[1]?.message).toContain("18 bytes");
    expect(menuIssues({ button: [{ name: "x", type: "teleport" }] })[0]).toMatchObject({
      path: "button[0].type",
    });
    expect(menuIssues({ button: [{ name: "x", sub_button: [{ name: "y", sub_button: [click("z")] }] }] })).toEqual([
      { path: "button[0].sub_button[0].sub_button", message: "sub-menu buttons cannot have sub-buttons" },
    ]);
  });

  it("offers exactly the button types WeChat documents, each with the fields it needs", () => {
    expect(MENU_BUTTON_TYPES.map((t) => [t.type, [...t.fields].sort()])).toEqual(
      EVERY_TYPE.map(([type, , fields]) => [type, [...fields].sort()]),
    );
  });

  it("takes each limit up to its last byte and refuses one byte more", () => {
    const at = (top: MenuButton[]) => menuIssues({ button: top }).map((i) => i.path);
    const sub = (b: MenuButton) => [{ name: "More", sub_button: [b] }];
    expect(at([click("一二三四五x")])).toEqual([]); // 16 bytes
    expect(at([click("一二三四五xy")])).toEqual(["button[0].name"]);
    expect(at(sub(click("中".repeat(20))))).toEqual([]); // 60 bytes
    expect(at(sub(click(`${"中".repeat(20)}x`)))).toEqual(["button[0].sub_button[0].name"]);
    expect(at([click("a", "k".repeat(128))])).toEqual([]);
    expect(at([click("a", "k".repeat(129))])).toEqual(["button[0].key"]);
    const url = (n: number) => `https://e.example/${"p".repeat(n - 18)}`;
    expect(at([{ type: "view", name: "a", url: url(1024) }])).toEqual([]);
    expect(at([{ type: "view", name: "a", url: url(1025) }])).toEqual(["button[0].url"]);
    expect(at([{ type: "miniprogram", name: "a", appid: APPID, pagepath: "p", url: url(1025) }])).toEqual([
      "button[0].url",
    ]);
    expect(at([click("a"), click("b"), click("c")])).toEqual([]);
    expect(at([{ name: "More", sub_button: ["a", "b", "c", "d", "e"].map((n) => click(n)) }])).toEqual([]);
  });

  it("checks a Mini Program's AppID and refuses a sub-menu left empty, but reads back WeChat's empty sub_button", () => {
    expect(
      menuIssues({
        button: [{ type: "miniprogram", name: "App", appid: "wx1", pagepath: "p", url: "https://x.example" }],
      }),
    ).toEqual([{ path: "button[0].appid", message: "must be a Mini Program AppID: wx and 16 hexadecimal digits" }]);
    expect(menuIssues({ button: [{ name: "More", sub_button: [] }] })).toEqual([
      { path: "button[0].sub_button", message: "is empty; give the button a type or 1–5 sub-buttons" },
    ]);
    // menu/get answers every leaf with `sub_button: []`: publishing what was read back works.
    expect(menuIssues({ button: [{ ...click("Help"), sub_button: [] }] })).toEqual([]);
  });
});

describe.each(TEST_DATABASES)("WeChat account management on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  let fake: Awaited<ReturnType<typeof startFakeWechat>>;
  let channelId: string;
  const published: { menu: Record<string, unknown> | null; conditional: Record<string, unknown>[] } = {
    menu: null,
    conditional: [],
  };

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    fake = await startFakeWechat();
    fake.on("/cgi-bin/menu/create", ({ body }) => {
      published.menu = body;
      published.conditional = [];
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/cgi-bin/menu/get", () =>
      published.menu
        ? { menu: published.menu, ...(published.conditional.length ? { conditionalmenu: published.conditional } : {}) }
        : { errcode: 46003, errmsg: "menu no exist" },
    );
    fake.on("/cgi-bin/menu/addconditional", ({ body }) => {
      if (!published.menu) return { errcode: 65303, errmsg: "there is no selfmenu" };
      const menuid = String(208379533 + published.conditional.length);
      published.conditional.push({ ...body, menuid });
      return { menuid };
    });
    fake.on("/cgi-bin/menu/delconditional", ({ body }) => {
      published.conditional = published.conditional.filter((m) => m.menuid !== body.menuid);
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/cgi-bin/tags/get", () => ({ tags: [{ id: 134, name: "vip", count: 3 }] }));

    channelId = await createFakeChannel(env, a.auth("admin"), fake);
  });
  afterAll(async () => {
    await fake?.close();
    await env?.close();
  });

  const api = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, payload?: object, who = a) =>
    env.app.inject({ method, url, headers: who.auth("admin"), ...(payload ? { payload } : {}) });

  it("publishes the default menu, reads it back, adds and deletes a conditional menu per tag", async () => {
    const base = `/api/v1/channels/${channelId}/wechat/menu`;
    const empty = (await api("GET", base)).json();
    expect(empty).toMatchObject({ menu: null, conditionalMenus: [] });
    // The console's editor builds its fields from these rules.
    expect(empty.rules.limits).toEqual({
      topButtons: 3,
      subButtons: 5,
      topNameBytes: 16,
      subNameBytes: 60,
      keyBytes: 128,
      urlBytes: 1024,
    });
    expect(empty.rules.buttonTypes.map((t: { type: string }) => t.type)).toEqual(EVERY_TYPE.map(([type]) => type));

    const bad = await api("PUT", base, { button: [click("Help", "k".repeat(129))] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ reason: "menu_invalid", details: { field: "button[0].key" } });
    expect(bad.json().error.message).toBe("button[0].key is 129 bytes; at most 128.");
    expect(fake.requestsTo("/cgi-bin/menu/create")).toHaveLength(0);

    const fixtureMenu = apiFixture("api-menu-get").menu as Menu;
    const put = await api("PUT", base, fixtureMenu);
    expect(put.statusCode, put.body).toBe(200);
    expect(published.menu).toEqual(fixtureMenu);
    expect(put.json().menu).toEqual(fixtureMenu);

    // A conditional menu for a synced Rapport tag: the tag must be linked first.
    const byTag = { button: [click("VIP desk", "vip")], matchrule: { tag: "vip" } };
    expect((await api("POST", `${base}/conditional`, byTag)).json().error.reason).toBe("wechat_tag_not_found");
    await api("PUT", `/api/v1/channels/${channelId}/wechat/tags`, { tags: ["vip"] });
    const added = await api("POST", `${base}/conditional`, byTag);
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toEqual({ menuId: "208379533", tagId: 134 });
    expect(fake.requestsTo("/cgi-bin/menu/addconditional").at(-1)?.body).toEqual({
      button: [click("VIP desk", "vip")],
      matchrule: { tag_id: "134" },
    });
    const read = (await api("GET", base)).json();
    expect(read.conditionalMenus).toEqual([
      { menuId: "208379533", button: [click("VIP desk", "vip")], matchrule: { tag_id: "134" } },
    ]);
    expect((await api("DELETE", `${base}/conditional/208379533`)).statusCode).toBe(204);
    expect((await api("GET", base)).json().conditionalMenus).toEqual([]);

    const validated = await api("POST", `${base}/validate`, { button: [] });
    expect(validated.json()).toMatchObject({ valid: false, issues: [{ path: "button" }] });
  });

  it.each(EVERY_TYPE)(
    "validates a %s button: valid with its fields, each missing one named at its path",
    async (type, fields, needs) => {
      const validate = (b: MenuButton) =>
        api("POST", `/api/v1/channels/${channelId}/wechat/menu/validate`, {
          button: [{ name: "Top", sub_button: [b] }],
        });
      const ok = await validate({ type, name: "按钮", ...fields });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({ valid: true, issues: [] });
      for (const field of needs) {
        for (const value of [undefined, "  "]) {
          const res = await validate({ type, name: "按钮", ...fields, [field]: value });
          expect(res.json(), `${type} without ${field}`).toEqual({
            valid: false,
            issues: [{ path: `button[0].sub_button[0].${field}`, message: `is required for a ${type} button` }],
          });
        }
      }
    },
  );

  it("publishes a menu with every button type to WeChat as given", async () => {
    const leaves = EVERY_TYPE.map(([type, fields], i) => ({ type, name: `B${i}`, ...fields }));
    const menu = {
      button: [0, 5, 10].map((from, i) => ({ name: `Top ${i}`, sub_button: leaves.slice(from, from + 5) })),
    };
    const put = await api("PUT", `/api/v1/channels/${channelId}/wechat/menu`, menu);
    expect(put.statusCode, put.body).toBe(200);
    expect(fake.requestsTo("/cgi-bin/menu/create").at(-1)?.body).toEqual(menu);
    const bad = await api("PUT", `/api/v1/channels/${channelId}/wechat/menu`, {
      button: [
        { name: "Top", sub_button: [{ type: "miniprogram", name: "App", appid: APPID, url: "https://x.example" }] },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      reason: "menu_invalid",
      message: "button[0].sub_button[0].pagepath is required for a miniprogram button.",
      details: { field: "button[0].sub_button[0].pagepath" },
    });
  });

  it("creates, lists, renames, maps to agents, gives an avatar to and deletes kf accounts", async () => {
    const kfs = new Map<string, string>([["test1@test", "test1"]]);
    fake.on("/cgi-bin/customservice/getkflist", () => ({
      kf_list: [...kfs].map(([kf_account, kf_nick], i) => ({
        kf_account,
        kf_nick,
        kf_id: String(1001 + i),
        kf_headimgurl: "",
      })),
    }));
    fake.on("/customservice/kfaccount/add", ({ body }) => {
      kfs.set(body.kf_account as string, body.nickname as string);
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/customservice/kfaccount/update", ({ body }) => {
      kfs.set(body.kf_account as string, body.nickname as string);
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/customservice/kfaccount/del", ({ query }) => {
      kfs.delete(query.get("kf_account") ?? "");
      return { errcode: 0, errmsg: "ok" };
    });
    fake.on("/customservice/kfaccount/uploadheadimg", () => ({ errcode: 0, errmsg: "ok" }));
    const base = `/api/v1/channels/${channelId}/wechat/kf-accounts`;

    const bad = await api("POST", base, { kfAccount: "waytoolongprefix@gh", nickname: "x" });
    expect(bad.statusCode).toBe(400);
    const created = await api("POST", base, { kfAccount: "anna@gh_test", nickname: "Anna", userId: a.users.agent.id });
    expect(created.statusCode, created.body).toBe(201);
    expect(
      (await api("POST", base, { kfAccount: "bob@gh_test", nickname: "Bob", userId: b.users.agent.id })).json().error
        .reason,
    ).toBe("agent_not_found");
    expect((await api("PATCH", `${base}/anna@gh_test`, { nickname: "Anna L." })).statusCode).toBe(204);
    const list = await api("GET", base);
    expect(list.json().data).toEqual([
      { kfAccount: "test1@test", nickname: "test1", kfId: "1001", avatarUrl: null, userId: null },
      { kfAccount: "anna@gh_test", nickname: "Anna L.", kfId: "1002", avatarUrl: null, userId: a.users.agent.id },
    ]);

    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);
    const avatar = await env.app.inject({
      method: "PUT",
      url: `${base}/anna@gh_test/avatar`,
      headers: { ...a.auth("admin"), "content-type": "image/jpeg" },
      payload: jpeg,
    });
    expect(avatar.statusCode, avatar.body).toBe(204);
    const upload = fake.requestsTo("/customservice/kfaccount/uploadheadimg").at(-1);
    expect(upload?.query.get("kf_account")).toBe("anna@gh_test");
    expect(upload?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.raw.includes(jpeg)).toBe(true);
    expect(upload?.raw.toString("latin1")).toContain('name="media"; filename="upload.jpg"');
    const png = await env.app.inject({
      method: "PUT",
      url: `${base}/anna@gh_test/avatar`,
      headers: { ...a.auth("admin"), "content-type": "image/png" },
      payload: Buffer.alloc(10, 1),
    });
    expect(png.statusCode).toBe(415);

    expect((await api("DELETE", `${base}/anna@gh_test`)).statusCode).toBe(204);
    expect((await api("GET", base)).json().data.map((k: { kfAccount: string }) => k.kfAccount)).toEqual(["test1@test"]);
  });

  it("hides a channel's account management from another workspace (404)", async () => {
    for (const [method, url] of [
      ["GET", `/api/v1/channels/${channelId}/wechat/menu`],
      ["PUT", `/api/v1/channels/${channelId}/wechat/menu`],
      ["GET", `/api/v1/channels/${channelId}/wechat/kf-accounts`],
    ] as const) {
      const res = await api(method, url, method === "PUT" ? { button: [click("x")] } : undefined, b);
      expect(res.statusCode, url).toBe(404);
    }
  });
});
