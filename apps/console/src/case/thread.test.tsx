import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Case, Session } from "../api.ts";
import { renderUi, stubApi } from "../test/render.tsx";
import { ChecklistPanel } from "./checklist-panel.tsx";
import { Thread } from "./thread.tsx";

const caseId = "0190a000-0000-7000-8000-000000000001";
const item = { id: caseId, tags: [] as string[] } as unknown as Case;
const session = (role: string): Session => ({
  user: { id: "u-me", email: "me@shop.test", name: "Me" },
  workspace: { id: "w", slug: "w", name: "W" },
  role,
});
const outbound = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  caseId,
  direction: "outbound",
  type: "text",
  text: `reply ${id}`,
  content: { text: `reply ${id}` },
  private: false,
  status,
  error: status === "failed" ? "webhook answered 500" : null,
  channelId: null,
  authorType: "user",
  authorId: "u-agent",
  createdAt: "2026-12-02T09:00:00Z",
  ...extra,
});

function renderThread(role: string) {
  const calls = stubApi({
    [`GET /api/v1/cases/${caseId}/messages`]: () => ({
      data: [
        outbound("m-failed", "failed"),
        outbound("m-pending", "pending_approval"),
        outbound("m-rejected", "rejected", { review: { by: "u-sup", at: "2026-12-02T09:05:00Z", note: "Too blunt" } }),
      ],
      nextCursor: null,
    }),
    [`POST /api/v1/cases/${caseId}/messages/m-failed/retry`]: () => outbound("m-failed", "queued"),
    "POST /api/v1/approvals/m-pending/approve": () => outbound("m-pending", "queued"),
    "POST /api/v1/approvals/m-pending/reject": () => outbound("m-pending", "rejected"),
  });
  renderUi(<Thread item={item} contactName="Li Wei" members={[]} session={session(role)} now={Date.now()} />);
  return calls;
}

describe("thread actions", () => {
  it("retries a failed reply", async () => {
    const calls = renderThread("agent");
    fireEvent.click(await screen.findByRole("button", { name: "Retry" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.url.endsWith("/m-failed/retry"))).toBe(true));
    expect(screen.getAllByTestId("message-status").map((b) => b.textContent)).toEqual([
      "Failed",
      "Awaiting approval",
      "Rejected",
    ]);
  });

  it("lets supervisors approve or reject a reply waiting for approval, and nobody else", async () => {
    renderThread("agent");
    await screen.findByText("reply m-pending");
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
  });

  it("sends the rejection reason", async () => {
    const calls = renderThread("supervisor");
    fireEvent.click(await screen.findByRole("button", { name: "Reject" }));
    const reject = screen.getByRole("button", { name: "Reject" }) as HTMLButtonElement;
    expect(reject.disabled).toBe(true);
    fireEvent.change(screen.getByRole("textbox", { name: "Why is it rejected?" }), { target: { value: "Be kinder" } });
    fireEvent.click(reject);
    await waitFor(() => expect(calls.find((c) => c.url.endsWith("/reject"))?.body).toEqual({ reason: "Be kinder" }));
    fireEvent.click(await screen.findByRole("button", { name: "Approve" }));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith("/m-pending/approve"))).toBe(true));
  });
});

describe("checklist panel", () => {
  it("ticks an item at once and saves it", async () => {
    const calls = stubApi({
      [`GET /api/v1/cases/${caseId}/checklists`]: () => ({
        data: [
          {
            id: "cl1",
            name: "Refund audit",
            items: [
              { id: "i1", label: "Order number checked", required: true, ticked: false },
              { id: "i2", label: "Photo attached", required: false, ticked: true },
            ],
          },
        ],
      }),
      [`PUT /api/v1/cases/${caseId}/checklists/cl1/items/i1`]: () => ({
        data: [
          {
            id: "cl1",
            name: "Refund audit",
            items: [
              { id: "i1", label: "Order number checked", required: true, ticked: true },
              { id: "i2", label: "Photo attached", required: false, ticked: true },
            ],
          },
        ],
      }),
    });
    renderUi(<ChecklistPanel item={item} />);
    expect(await screen.findByText("1 of 2 done")).toBeTruthy();
    expect(screen.getByText("required")).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: /Order number checked/ }));
    expect(await screen.findByText("2 of 2 done")).toBeTruthy();
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ ticked: true }));
  });
});
