import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { createRef } from "react";
import { describe, expect, it } from "vitest";
import type { Case, Member } from "../api.ts";
import { renderUi, stubApi } from "../test/render.tsx";
import { Composer, type ComposerHandle } from "./composer.tsx";
import { matchMembers, mentionHandle, tokenAt } from "./composer-tokens.ts";

const now = Date.parse("2026-12-02T10:00:00Z");
const item: Case = {
  id: "0190a000-0000-7000-8000-000000000001",
  number: 42,
  subject: "Parcel late",
  status: "open",
  priority: "normal",
  contactId: "0190a000-0000-7000-8000-0000000000c1",
  contact: { id: "0190a000-0000-7000-8000-0000000000c1", displayName: "Li Wei" },
  assigneeId: null,
  teamId: null,
  tags: [],
  channelIds: [],
  replyWindowClosesAt: null,
  lastMessageAt: "2026-12-02T09:00:00Z",
  createdAt: "2026-12-02T09:00:00Z",
  updatedAt: "2026-12-02T09:00:00Z",
  solvedAt: null,
};
const members: Member[] = [
  { id: "u1", email: "ann.lee@shop.test", name: "Ann Lee", role: "agent" },
  { id: "u2", email: "bob@shop.test", name: "Bob", role: "supervisor" },
  { id: "u3", email: "bob.k@shop.test", name: "Bob", role: "agent" },
];
const session = {
  user: { id: "u1", email: "ann.lee@shop.test", name: "Ann Lee" },
  workspace: { id: "w", slug: "w", name: "W" },
  role: "agent",
};
const reply = { id: "0190a000-0000-7000-8000-0000000000a1", scope: "workspace", shortcut: "thx", title: "Thanks" };

function renderComposer(routes: Parameters<typeof stubApi>[0] = {}) {
  const calls = stubApi({
    "GET /api/v1/quick-replies": () => ({
      data: [{ ...reply, body: "Hello {{contact.first_name}}, about case #{{case.number}} — {{agent.first_name}}" }],
      nextCursor: null,
    }),
    [`POST /api/v1/quick-replies/${reply.id}/render`]: () => ({
      text: "Hello Li, about case #42 — ",
      content: null,
      unknownVariables: [],
      emptyVariables: ["agent.first_name"],
    }),
    ...routes,
  });
  const ref = createRef<ComposerHandle>();
  renderUi(<Composer item={item} now={now} members={members} session={session} ref={ref} />);
  const box = screen.getByRole("textbox", { name: "Reply" }) as HTMLTextAreaElement;
  const type = (value: string) => {
    box.focus();
    fireEvent.change(box, { target: { value, selectionStart: value.length, selectionEnd: value.length } });
  };
  return { calls, box, type, ref };
}

describe("composer quick replies", () => {
  it("opens on /, previews the reply with this case's values and inserts the rendered text", async () => {
    const { calls, box, type } = renderComposer();
    type("/th");
    expect(await screen.findByTestId("quick-reply-menu")).toBeTruthy();
    expect(await screen.findByText("/thx")).toBeTruthy();
    const preview = await screen.findByTestId("quick-reply-preview");
    await waitFor(() => expect(preview.textContent).toContain("Hello Li, about case #42"));
    // A variable without a value for this case is named, not silently dropped.
    expect(preview.textContent).toContain("No value for: agent.first_name");
    expect(calls.find((c) => c.url.endsWith("/render"))?.body).toEqual({ caseId: item.id });
    expect(calls.some((c) => c.url.startsWith("/api/v1/quick-replies?") && c.url.includes("query=th"))).toBe(true);

    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(box.value).toBe("Hello Li, about case #42 — "));
    expect(screen.queryByTestId("quick-reply-menu")).toBeNull();
  });

  it("keeps the text around the shortcut and closes the menu on Escape", async () => {
    const { box, type } = renderComposer();
    type("Hi! /thx");
    await screen.findByTestId("quick-reply-menu");
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByTestId("quick-reply-menu")).toBeNull();
    expect(box.value).toBe("Hi! /thx");
  });

  it("autocompletes @names in internal notes only", async () => {
    const { ref, type, box } = renderComposer();
    type("@an");
    expect(screen.queryByTestId("mention-menu")).toBeNull();
    act(() => ref.current?.focus("note"));
    const note = screen.getByRole("textbox", { name: "Internal note" }) as HTMLTextAreaElement;
    expect(note).toBe(box);
    type("cc @an");
    expect(await screen.findByTestId("mention-menu")).toBeTruthy();
    fireEvent.keyDown(note, { key: "Enter" });
    await waitFor(() => expect(note.value).toBe("cc @AnnLee "));
  });
});

describe("composer reply window", () => {
  const conversation = (channelId: string, channelType: string, closesAt: string | null) => ({
    id: `${channelId}-conv`,
    caseId: item.id,
    channelId,
    channelType,
    externalThreadId: "openid-1",
    lastInboundAt: null,
    replyWindowClosesAt: closesAt,
  });

  it("counts down on the chosen channel and, once closed, disables sending and offers the alternatives", async () => {
    renderComposer({
      [`GET /api/v1/cases/${item.id}/conversations`]: () => ({
        data: [
          conversation("c-wechat", "wechat", "2026-12-02T09:00:00Z"),
          conversation("c-mail", "email", "2026-12-02T12:30:00Z"),
        ],
      }),
      "GET /api/v1/channels": () => ({
        data: [
          { id: "c-wechat", type: "wechat", name: "Shop WeChat" },
          { id: "c-mail", type: "email", name: "Support mail" },
        ],
        nextCursor: null,
      }),
    });
    const closed = await screen.findByTestId("window-closed");
    expect(screen.getByTestId("window-countdown").textContent).toBe("Reply window closed");
    expect(closed.textContent).toContain("Send a WeChat template message");
    fireEvent.change(screen.getByRole("textbox", { name: "Reply" }), { target: { value: "Hello" } });
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(await screen.findByRole("button", { name: "Reply on Support mail instead" }));
    await waitFor(() => expect(screen.queryByTestId("window-closed")).toBeNull());
    expect(screen.getByTestId("window-countdown").textContent).toBe("Reply window closes in 2 hr 30 min");
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("composer channel choice across the contact's threads", () => {
  const thread = (channelId: string, channelType: string, other?: { number: number; status: string }) => ({
    id: `${channelId}-conv`,
    caseId: other ? `case-${other.number}` : item.id,
    ...(other ? { case: other } : {}),
    channelId,
    channelType,
    externalThreadId: "x",
    lastInboundAt: null,
    replyWindowClosesAt: channelType === "wechat" ? "2026-12-02T09:00:00Z" : null,
  });

  it("offers the contact's thread from a solved case, never one another open case holds, and sends there", async () => {
    const { calls } = renderComposer({
      [`GET /api/v1/cases/${item.id}/conversations`]: () => ({
        data: [
          thread("c-wechat", "wechat"),
          thread("c-mail", "email", { number: 7, status: "solved" }),
          thread("c-line", "line", { number: 9, status: "open" }),
        ],
      }),
      "GET /api/v1/channels": () => ({
        data: [
          { id: "c-wechat", type: "wechat", name: "Shop WeChat" },
          { id: "c-mail", type: "email", name: "Support mail" },
          { id: "c-line", type: "line", name: "Shop LINE" },
        ],
        nextCursor: null,
      }),
      [`POST /api/v1/cases/${item.id}/messages`]: () => ({ id: "m-new", status: "queued" }),
    });
    await screen.findByTestId("window-closed");
    expect(screen.queryByRole("button", { name: /Shop LINE/ })).toBeNull();
    fireEvent.click(await screen.findByRole("button", { name: "Reply on Support mail · thread of #7 instead" }));
    await waitFor(() => expect(screen.queryByTestId("window-closed")).toBeNull());
    fireEvent.change(screen.getByRole("textbox", { name: "Reply" }), { target: { value: "Hello by mail" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() =>
      expect(calls.find((c) => c.method === "POST" && c.url.endsWith("/messages"))?.body).toEqual({
        text: "Hello by mail",
        channelId: "c-mail",
      }),
    );
  });
});

describe("composer approvals", () => {
  it("says when my replies in this case wait for a supervisor's approval", async () => {
    const pending = (authorId: string) => ({
      id: `m-${authorId}`,
      caseId: item.id,
      direction: "outbound",
      type: "text",
      text: "Sure, 50% off",
      content: {},
      private: false,
      status: "pending_approval",
      error: null,
      channelId: null,
      authorType: "user",
      authorId,
      createdAt: "2026-12-02T09:30:00Z",
    });
    renderComposer({
      [`GET /api/v1/cases/${item.id}/messages`]: () => ({ data: [pending("u1")], nextCursor: null }),
    });
    expect((await screen.findByTestId("approval-pending")).textContent).toContain("Your reply awaits approval");
  });

  it("stays quiet about a teammate's pending reply", async () => {
    const { calls } = renderComposer({
      [`GET /api/v1/cases/${item.id}/messages`]: () => ({
        data: [{ id: "m2", status: "pending_approval", authorType: "user", authorId: "u2", text: "x" }],
        nextCursor: null,
      }),
    });
    await waitFor(() => expect(calls.some((c) => c.url.includes("/messages"))).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("approval-pending")).toBeNull();
  });
});

describe("composer tokens", () => {
  it("finds the / or @ token that ends at the caret", () => {
    expect(tokenAt("/thx", 4, false)).toEqual({ kind: "slash", query: "thx", start: 0, end: 4 });
    expect(tokenAt("see a/b", 7, false)).toBeNull();
    expect(tokenAt("hi @bo", 6, true)).toEqual({ kind: "mention", query: "bo", start: 3, end: 6 });
    expect(tokenAt("hi @bo", 6, false)).toBeNull();
    expect(tokenAt("mail ann@x.test", 15, true)).toBeNull();
  });

  it("writes a handle the server resolves to exactly that member", () => {
    expect(mentionHandle(members[0] as Member, members)).toBe("AnnLee");
    // Two Bobs: "bob" names both (one's name, the other's email), so the first needs the whole email.
    expect(mentionHandle(members[1] as Member, members)).toBe("bob@shop.test");
    expect(mentionHandle(members[2] as Member, members)).toBe("bob.k");
    expect(matchMembers(members, "bo").map((m) => m.id)).toEqual(["u2", "u3"]);
  });
});
