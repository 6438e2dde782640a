import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderUi } from "../test/render.tsx";
import { MenuEditor } from "./menu-editor.tsx";
import type { MenuButton, MenuRules, PublishedMenu } from "./wechat-api.ts";

const CHANNEL = "0190a000-0000-7000-8000-0000000000c1";
const BASE = `/api/v1/channels/${CHANNEL}/wechat`;

/** The rules as the server serves them (GET …/wechat/menu). */
const rules: MenuRules = {
  buttonTypes: [
    { type: "click", fields: ["key"] },
    { type: "view", fields: ["url"] },
    { type: "miniprogram", fields: ["appid", "pagepath", "url"] },
    { type: "scancode_push", fields: ["key"] },
    { type: "scancode_waitmsg", fields: ["key"] },
    { type: "pic_sysphoto", fields: ["key"] },
    { type: "pic_photo_or_album", fields: ["key"] },
    { type: "pic_weixin", fields: ["key"] },
    { type: "location_select", fields: ["key"] },
    { type: "media_id", fields: ["media_id"] },
    { type: "article_id", fields: ["article_id"] },
    { type: "article_view_limited", fields: ["article_id"] },
    { type: "view_limited", fields: ["media_id"] },
  ],
  limits: { topButtons: 3, subButtons: 5, topNameBytes: 16, subNameBytes: 60, keyBytes: 128, urlBytes: 1024 },
};

/** A WeChat menu/get answer: every leaf carries an empty sub_button. */
const readBack: PublishedMenu = {
  menu: { button: [{ type: "click", name: "Help", key: "HELP", sub_button: [] }] },
  conditionalMenus: [],
  rules,
};

/** Answers GET menu with `readBack`, tags with one synced tag, PUT menu with `put` and conditional menus with an id. */
function stubMenuApi(put: { status: number; body: unknown }) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      calls.push({ method, url, body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined });
      const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
      if (method === "PUT" && url === `${BASE}/menu`) return json(put.status, put.body);
      if (url === `${BASE}/menu`) return json(200, readBack);
      if (url === `${BASE}/menu/conditional`) return json(201, { menuId: "208379533", tagId: 134 });
      if (url === `${BASE}/tags`) return json(200, { data: [{ tag: "vip", wechatTagId: 134, syncedAt: null }] });
      return json(200, { data: [] });
    }),
  );
  return calls;
}

const field = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;
const type = (testId: string, value: string) => fireEvent.change(field(testId), { target: { value } });

/** Picks an option of a Mantine select by its label (jsdom runs no transition: the open list counts as hidden). */
async function choose(testId: string, label: string) {
  fireEvent.click(field(testId));
  fireEvent.click(await within(await listOf(testId)).findByRole("option", { name: label, hidden: true }));
}

/** The option list a select's input controls. */
const listOf = (testId: string) => listOfInput(field(testId));

async function listOfInput(input: HTMLElement): Promise<HTMLElement> {
  return waitFor(() => {
    const list = document.getElementById(input.getAttribute("aria-controls") ?? "");
    if (!list) throw new Error("no option list");
    return list;
  });
}

describe("the WeChat menu editor", { timeout: 30_000 }, () => {
  it("edits a read-back menu, offers every button type with its own fields, and publishes what WeChat takes", async () => {
    const calls = stubMenuApi({ status: 200, body: readBack });
    renderUi(<MenuEditor channelId={CHANNEL} />);
    // The read-back leaf (sub_button: []) is a leaf with its key, not an empty sub-menu.
    expect((await screen.findByTestId("button[0].key", {}, { timeout: 10_000 })).getAttribute("value")).toBe("HELP");
    expect(field("button[0].submenu").checked).toBe(false);

    fireEvent.click(field("button[0].type"));
    const list = within(await listOf("button[0].type"));
    for (const label of [
      "Click (sends a key)",
      "Open a Mini Program",
      "Scan a code",
      "Scan a code and wait for the reply",
      "Take a photo",
      "Take a photo or choose from the album",
      "Choose from the WeChat album",
      "Send a location",
      "Send a saved media file",
      "Send a published article",
      "Open a published article",
    ]) {
      expect(list.getByRole("option", { name: label, hidden: true })).toBeTruthy();
    }
    fireEvent.click(list.getByRole("option", { name: "Scan a code", hidden: true }));
    // Switching between key types keeps the key; the help says what the customer gets.
    expect(field("button[0].key").value).toBe("HELP");
    expect(screen.getByText(/Opens the scanner: a link opens at once/)).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Add a button" }));
    type("button[1].name", "小程序");
    await choose("button[1].type", "Open a Mini Program");
    expect(screen.queryByTestId("button[1].key")).toBeNull();
    type("button[1].appid", "wx286b93c14bbf93aa");
    type("button[1].pagepath", "pages/index/index");
    type("button[1].url", "https://m.example.com");
    expect(screen.getByText("9 of 16 bytes")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Add a button" }));
    type("button[2].name", "More");
    fireEvent.click(field("button[2].submenu"));
    type("button[2].sub_button[0].name", "Article");
    await choose("button[2].sub_button[0].type", "Send a published article");
    type("button[2].sub_button[0].article_id", "ART_1");
    expect(screen.getByRole("button", { name: "Add a button" }).hasAttribute("disabled")).toBe(true);
    expect(within(screen.getByTestId("menu-preview")).getByText("小程序")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Publish" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    const sent = calls.find((c) => c.method === "PUT")?.body as { button: MenuButton[] };
    expect(sent.button).toEqual([
      { type: "scancode_push", name: "Help", key: "HELP" },
      {
        type: "miniprogram",
        name: "小程序",
        appid: "wx286b93c14bbf93aa",
        pagepath: "pages/index/index",
        url: "https://m.example.com",
      },
      { name: "More", sub_button: [{ type: "article_id", name: "Article", article_id: "ART_1" }] },
    ]);
    expect(await screen.findByText(/Published\./)).toBeTruthy();
  });

  it("shows each issue of a refused menu at its field, and drops it once that field is edited", async () => {
    const issues = [
      { path: "button[0].name", message: "is 18 bytes; a top-level button's name is at most 16 bytes" },
      { path: "button[0].key", message: "is required for a click button" },
    ];
    stubMenuApi({
      status: 400,
      body: {
        error: {
          kind: "invalid",
          reason: "menu_invalid",
          message: `button[0].name ${issues[0]?.message}.`,
          details: { field: "button[0].name", issues },
          requestId: "r1",
        },
      },
    });
    renderUi(<MenuEditor channelId={CHANNEL} />);
    await screen.findByTestId("button[0].key", {}, { timeout: 10_000 });
    type("button[0].key", "");
    fireEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText("is required for a click button", { selector: "p,div" })).toBeTruthy();
    expect(field("button[0].key").getAttribute("aria-invalid")).toBe("true");
    expect(field("button[0].name").getAttribute("aria-invalid")).toBe("true");
    type("button[0].key", "HELP");
    expect(field("button[0].key").getAttribute("aria-invalid")).toBe("false");
    expect(field("button[0].name").getAttribute("aria-invalid")).toBe("true");
  });

  it("publishes the edited menu as a conditional menu for a synced tag", async () => {
    const calls = stubMenuApi({ status: 200, body: readBack });
    renderUi(<MenuEditor channelId={CHANNEL} />);
    await screen.findByTestId("button[0].key", {}, { timeout: 10_000 });
    await choose("button[0].type", "Send a location");
    const audience = screen.getByRole("textbox", { name: "Audience" });
    fireEvent.click(audience);
    fireEvent.click(await within(await listOfInput(audience)).findByRole("option", { name: "vip", hidden: true }));
    fireEvent.click(await screen.findByRole("button", { name: "Publish for this tag" }));
    await waitFor(() => expect(calls.some((c) => c.url === `${BASE}/menu/conditional`)).toBe(true));
    expect(calls.find((c) => c.url === `${BASE}/menu/conditional`)?.body).toEqual({
      button: [{ type: "location_select", name: "Help", key: "HELP" }],
      matchrule: { tag: "vip" },
    });
    expect(calls.some((c) => c.method === "PUT")).toBe(false);
  });
});
