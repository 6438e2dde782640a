import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderUi, stubApi } from "../test/render.tsx";
import type { Flow } from "./bot-api.ts";
import { FlowEditor } from "./bot-flow-editor.tsx";

const flow: Flow = {
  id: "0190a000-0000-7000-8000-0000000000f1",
  name: "Returns",
  start: "ask",
  updatedAt: "2026-12-02T09:00:00Z",
  steps: [
    { id: "ask", type: "ask", slot: "order", prompt: { en: "Your order number?" }, next: "route" },
    {
      id: "route",
      type: "branch",
      cases: [
        { intent: "refund", next: "status" },
        { slot: "order", matches: "^R", next: "nope" },
      ],
    },
    { id: "status", type: "answer", text: { en: "Order {{order}}", fr: "Commande {{nope}}" } },
    { id: "orphan", type: "end" },
  ],
};

/** The message a field shows (Mantine links it with aria-describedby), or null. */
function errorOf(label: string | RegExp): string | null {
  const input = screen.getAllByLabelText(label).find((el) => el.tagName === "INPUT" || el.tagName === "TEXTAREA");
  if (!input) throw new Error(`no field labelled ${label}`);
  if (input.getAttribute("aria-invalid") !== "true") return null;
  const ids = (input.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ") || null;
}

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

// Mantine renders many inputs per step; on a busy machine one test takes several seconds.
describe("the bot flow editor", { timeout: 30_000 }, () => {
  it("shows the server's problems at their exact fields and lists them all", async () => {
    const calls = stubApi({
      "POST /api/v1/bot/flows/validate": () => ({
        problems: [
          { path: "steps[1].cases[1].next", message: 'unknown step "nope"' },
          { path: "steps[2].text.fr", message: "unknown slot {{nope}}" },
          { path: "steps[3]", message: 'step "orphan" is unreachable from the start step "ask"' },
        ],
      }),
    });
    renderUi(<FlowEditor editing={flow} onDone={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Check" }));

    await waitFor(() => expect(errorOf("Step 2 (route): case 2: Next step")).toContain('unknown step "nope"'));
    expect(errorOf("Step 2 (route): case 1: Next step")).toBeNull();
    expect(errorOf("Step 3 (status): Message — French")).toContain("unknown slot {{nope}}");
    expect(errorOf("Step 3 (status): Message — English")).toBeNull();
    const orphan = screen.getAllByTestId("flow-step")[3];
    expect(orphan?.getAttribute("data-invalid")).toBe("true");
    expect(orphan?.textContent).toContain("is unreachable");
    expect(screen.getAllByTestId("flow-step")[0]?.getAttribute("data-invalid")).toBeNull();
    const list = screen.getByTestId("flow-problems").textContent ?? "";
    expect(list).toContain('Step 2 (route) › cases › 2 › next: unknown step "nope"');
    expect(list).toContain("Step 3 (status) › text › fr: unknown slot {{nope}}");

    // The flow was sent as the screen shows it: every step and every branch case in place.
    const sent = calls.find((c) => c.url === "/api/v1/bot/flows/validate")?.body as Flow;
    expect(sent.steps.map((s) => s.id)).toEqual(["ask", "route", "status", "orphan"]);
    expect(sent.steps[1]).toEqual({
      id: "route",
      type: "branch",
      cases: [
        { intent: "refund", next: "status" },
        { slot: "order", matches: "^R", next: "nope" },
      ],
    });
    expect(sent.steps[2]).toEqual({
      id: "status",
      type: "answer",
      text: { en: "Order {{order}}", fr: "Commande {{nope}}" },
    });
  });

  it("says so when the server finds no problem", async () => {
    stubApi({ "POST /api/v1/bot/flows/validate": () => ({ problems: [] }) });
    renderUi(<FlowEditor editing={flow} onDone={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    await screen.findByText("No problems found.");
  });

  it("maps a refused save (flow_invalid, or the schema's issues) to the fields", async () => {
    let refusal: unknown = {
      error: {
        kind: "invalid",
        reason: "flow_invalid",
        message: "The flow is invalid.",
        details: { field: "start", problems: [{ path: "start", message: 'unknown step "ask"' }] },
      },
    };
    const fetch = vi.fn(async () => answer(400, refusal));
    vi.stubGlobal("fetch", fetch);
    const onDone = vi.fn();
    renderUi(<FlowEditor editing={flow} onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(errorOf(/^Start step/)).toContain('unknown step "ask"'));

    refusal = {
      error: {
        kind: "invalid",
        reason: "validation_failed",
        message: "body/steps/0/slot: bad slot",
        details: { issues: [{ path: "/steps/0/slot", message: "Slot names start with a letter" }] },
      },
    };
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(errorOf("Step 1 (ask): Slot")).toContain("Slot names start with a letter"));
    expect(errorOf(/^Start step/)).toBeNull();
    expect(onDone).not.toHaveBeenCalled();
  });

  it("drops the problems when steps move, since their indices no longer match", async () => {
    stubApi({
      "POST /api/v1/bot/flows/validate": () => ({ problems: [{ path: "steps[3]", message: "unreachable" }] }),
    });
    renderUi(<FlowEditor editing={flow} onDone={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    await screen.findByTestId("flow-problems");
    fireEvent.click(screen.getByRole("button", { name: "Step 4 (orphan): Remove step" }));
    expect(screen.queryByTestId("flow-problems")).toBeNull();
    expect(screen.getAllByTestId("flow-step")).toHaveLength(3);
  });

  it("checks required fields before asking the server", () => {
    const calls = stubApi({});
    renderUi(<FlowEditor editing={null} onDone={() => undefined} />);
    fireEvent.change(screen.getByLabelText("Step 1 (start): Step id"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    expect(errorOf(/^Name/)).toBe("Required");
    expect(errorOf("Step 1 (?): Step id")).toBe("Required");
    expect(calls).toHaveLength(0);
  });
});
