import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderUi, stubApi } from "../test/render.tsx";
import { ModerationBadge } from "./ai-moderation-badge.tsx";

const caseId = "0190a000-0000-7000-8000-000000000001";
const analysis = {
  caseId,
  messages: [
    { messageId: "m1", category: "complaint", moderation: { flagged: true, reasons: ["abuse"] } },
    { messageId: "m2", category: "question", moderation: { flagged: false, reasons: [] } },
  ],
};

describe("moderation badge", () => {
  it("marks a flagged customer message, and only that one, with one request per case", async () => {
    const calls = stubApi({ [`GET /api/v1/cases/${caseId}/analysis`]: () => analysis });
    renderUi(
      <>
        <div data-testid="m1">
          <ModerationBadge caseId={caseId} messageId="m1" />
        </div>
        <div data-testid="m2">
          <ModerationBadge caseId={caseId} messageId="m2" />
        </div>
      </>,
    );
    expect(await screen.findByText("Flagged")).toBeTruthy();
    expect(screen.getByTestId("m1").textContent).toBe("Flagged");
    expect(screen.getByTestId("m2").textContent).toBe("");
    await waitFor(() => expect(calls.filter((c) => c.url.endsWith("/analysis"))).toHaveLength(1));
  });
});
