import { fireEvent, screen, waitFor } from "@testing-library/react";
import { createRef } from "react";
import { describe, expect, it, vi } from "vitest";
import type { Case, Member } from "../api.ts";
import { renderUi, stubApi } from "../test/render.tsx";
import { Composer, type ComposerHandle } from "./composer.tsx";

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

function renderComposer(routes: Parameters<typeof stubApi>[0] = {}) {
  const calls = stubApi(routes);
  renderUi(<Composer item={item} now={now} members={members} session={session} ref={createRef<ComposerHandle>()} />);
  const box = screen.getByRole("textbox", { name: "Reply" }) as HTMLTextAreaElement;
  return { calls, box };
}

const suggestions = {
  messageId: "0190a000-0000-7000-8000-0000000000m1",
  articles: [
    {
      id: "0190a000-0000-7000-8000-0000000000k1",
      lang: "en",
      title: "How to request a refund",
      snippet: "Ask within 14 days for a <mark>refund</mark> &amp; more",
      body: "Ask within 14 days; the money is back in 5 days.",
    },
  ],
  replies: [
    {
      messageId: "0190a000-0000-7000-8000-0000000000r1",
      caseId: "0190a000-0000-7000-8000-0000000000c9",
      text: "Refunds reach your card within 5 working days.",
      similarMessage: { highlight: "When will I get my <mark>refund</mark>?" },
    },
  ],
};

describe("reply suggestions in the composer", () => {
  it("shows the case's articles and past replies; one click inserts into the composer", async () => {
    const { calls, box } = renderComposer({
      [`GET /api/v1/cases/${item.id}/suggestions`]: () => suggestions,
    });
    fireEvent.click(screen.getByRole("button", { name: "Reply suggestions" }));
    const reply = await screen.findByText("Refunds reach your card within 5 working days.");
    expect(screen.getByText("Ask within 14 days for a refund & more")).toBeTruthy();
    expect(screen.getByText("Answered: When will I get my refund?")).toBeTruthy();
    expect(calls.some((c) => c.url.startsWith(`/api/v1/cases/${item.id}/suggestions`))).toBe(true);
    fireEvent.click(reply);
    await waitFor(() => expect(box.value).toBe("Refunds reach your card within 5 working days."));
    fireEvent.click(screen.getByRole("button", { name: "Reply suggestions" }));
    fireEvent.click(await screen.findByLabelText("Insert the article “How to request a refund”"));
    await waitFor(() => expect(box.value).toContain("Ask within 14 days; the money is back in 5 days."));
  });

  it("says so when nothing matches", async () => {
    renderComposer({
      [`GET /api/v1/cases/${item.id}/suggestions`]: () => ({ messageId: "m", articles: [], replies: [] }),
    });
    fireEvent.click(screen.getByRole("button", { name: "Reply suggestions" }));
    expect(await screen.findByText("No article or past reply matches the customer's last message.")).toBeTruthy();
  });

  it("drafts a reply with the external provider, or says none is configured", async () => {
    const { box } = renderComposer({
      [`GET /api/v1/cases/${item.id}/suggestions`]: () => ({ messageId: null, articles: [], replies: [] }),
      "POST /api/v1/ai/draft": () => ({ caseId: item.id, draft: "Hello Li, we are sorry about the delay." }),
    });
    fireEvent.click(screen.getByRole("button", { name: "Reply suggestions" }));
    fireEvent.click(await screen.findByRole("button", { name: "Draft a reply with AI" }));
    await waitFor(() => expect(box.value).toBe("Hello Li, we are sorry about the delay."));
  });

  it("explains a missing provider", async () => {
    stubApi({});
    const fetchMock = vi.fn(async (input: string) =>
      input === "/api/v1/ai/draft"
        ? new Response(
            JSON.stringify({
              error: { kind: "conflict", reason: "ai_provider_not_configured", message: "No provider" },
            }),
            { status: 409, headers: { "content-type": "application/json" } },
          )
        : new Response(JSON.stringify({ messageId: null, articles: [], replies: [] }), { status: 200 }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderUi(<Composer item={item} now={now} members={members} session={session} ref={createRef<ComposerHandle>()} />);
    fireEvent.click(screen.getByRole("button", { name: "Reply suggestions" }));
    fireEvent.click(await screen.findByRole("button", { name: "Draft a reply with AI" }));
    expect(await screen.findByText("No external AI provider is configured: an admin can set one up.")).toBeTruthy();
  });
});
