import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderUi } from "../test/render.tsx";
import { replyWindowState, WindowCountdown } from "./reply-window.tsx";

const now = Date.parse("2026-12-02T10:00:00Z");
const inMs = (ms: number) => new Date(now + ms).toISOString();
const HOUR = 3_600_000;

describe("replyWindowState", () => {
  it("is open, closing under 4 h, urgent under 1 h, closed at and after the deadline", () => {
    expect(replyWindowState(null, now)).toEqual({ kind: "none" });
    expect(replyWindowState("not a date", now)).toEqual({ kind: "none" });
    expect(replyWindowState(inMs(47 * HOUR), now)).toEqual({ kind: "open", leftMs: 47 * HOUR });
    expect(replyWindowState(inMs(4 * HOUR), now).kind).toBe("open");
    expect(replyWindowState(inMs(4 * HOUR - 1), now).kind).toBe("closing");
    expect(replyWindowState(inMs(HOUR - 1), now).kind).toBe("urgent");
    expect(replyWindowState(inMs(0), now)).toEqual({ kind: "closed", closedMs: 0 });
    expect(replyWindowState(inMs(-5 * HOUR), now)).toEqual({ kind: "closed", closedMs: 5 * HOUR });
  });
});

describe("WindowCountdown", () => {
  it("shows the time left and turns orange, then red, as the window closes", () => {
    const { rerender } = renderUi(<WindowCountdown closesAt={inMs(2.5 * HOUR)} now={now} />);
    const badge = screen.getByTestId("window-countdown");
    expect(badge.textContent).toBe("Reply window closes in 2 hr 30 min");
    expect(badge.dataset.state).toBe("closing");
    rerender(<WindowCountdown closesAt={inMs(2.5 * HOUR)} now={now + 2 * HOUR} />);
    expect(screen.getByTestId("window-countdown").textContent).toBe("Reply window closes in 30 min");
    expect(screen.getByTestId("window-countdown").dataset.state).toBe("urgent");
  });

  it("says the window is closed once it has passed, and shows nothing without a window", () => {
    const { rerender, container } = renderUi(<WindowCountdown closesAt={inMs(-60_000)} now={now} />);
    expect(screen.getByTestId("window-countdown").textContent).toBe("Reply window closed");
    rerender(<WindowCountdown closesAt={null} now={now} />);
    expect(container.querySelector("[data-testid=window-countdown]")).toBeNull();
  });
});
