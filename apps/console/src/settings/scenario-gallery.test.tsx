import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderUi } from "../test/render.tsx";
import { ScenarioGallery } from "./scenario-gallery.tsx";
import type { Scenario } from "./scenarios-api.ts";

const scenarios: Scenario[] = [
  {
    id: "greeting",
    trigger: "message.received (business hours)",
    fields: [
      { name: "text", kind: "textarea", required: true },
      { name: "onlyNewCases", kind: "boolean", required: false },
    ],
    example: { text: "Hello!" },
    installs: [],
  },
  {
    id: "keyword-menu",
    trigger: "menu.clicked / keyword → keyword menu",
    fields: [
      { name: "entry", kind: "entry", required: true },
      { name: "tree", kind: "json", required: true },
    ],
    example: { entry: { keywords: ["menu"] }, tree: { text: "Menu", options: [] } },
    installs: [
      {
        id: "i1",
        scenario: "keyword-menu",
        installKey: "kw:menu",
        params: {},
        ruleIds: ["r1"],
        menuId: "m1",
        createdAt: "2026-12-02T10:00:00Z",
      },
    ],
  },
];

type Answer = { status: number; body: unknown };

/** Stubs fetch: scenarios list, and the install answers in order; returns the install calls' bodies. */
function stub(installAnswers: Answer[]) {
  const installs: unknown[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      if (method === "GET" && input === "/api/v1/automation/scenarios")
        return new Response(JSON.stringify({ data: scenarios }), { status: 200 });
      if (method === "POST" && input.endsWith("/install")) {
        installs.push(JSON.parse(String(init?.body)));
        const a = installAnswers.shift() ?? { status: 500, body: {} };
        return new Response(JSON.stringify(a.body), { status: a.status });
      }
      return new Response(JSON.stringify({ data: [], nextCursor: null }), { status: 200 });
    }),
  );
  return installs;
}

afterEach(() => vi.unstubAllGlobals());

describe("ScenarioGallery", () => {
  it("lists the scenarios with their installs and links to the rules they created", async () => {
    stub([]);
    const onOpenRule = vi.fn();
    renderUi(<ScenarioGallery rules={[]} onOpenRule={onOpenRule} />);
    const cards = await screen.findAllByTestId("scenario-card");
    expect(cards.map((c) => c.getAttribute("data-scenario"))).toEqual(["greeting", "keyword-menu"]);
    expect(within(cards[0] as HTMLElement).getByText("Greeting (business hours)")).toBeTruthy();
    const menu = cards[1] as HTMLElement;
    expect(within(menu).getByText("1 install")).toBeTruthy();
    fireEvent.click(within(menu).getByRole("button", { name: "Rule" }));
    expect(onOpenRule).toHaveBeenCalledWith("r1");
  });

  it("shows the server's problems on their fields, then installs and links each created rule", async () => {
    const installs = stub([
      {
        status: 400,
        body: {
          error: {
            kind: "invalid",
            reason: "scenario_invalid",
            message: 'The scenario\'s parameters are invalid: tree.options[1].key: duplicate key "1".',
            details: { field: "tree.options[1].key", problems: ['tree.options[1].key: duplicate key "1"'] },
          },
        },
      },
      {
        status: 201,
        body: {
          install: {
            id: "i2",
            scenario: "keyword-menu",
            installKey: "kw:help",
            params: {},
            ruleIds: ["r9"],
            menuId: "m9",
            createdAt: "2026-12-02T10:00:00Z",
          },
          rules: [{ id: "r9", name: "Keyword menu (keywords)" }],
        },
      },
    ]);
    const onOpenRule = vi.fn();
    renderUi(<ScenarioGallery rules={[]} onOpenRule={onOpenRule} />);
    fireEvent.click(await screen.findByRole("button", { name: "Set up: Multi-level keyword menu (IVR)" }));
    const tree = (await screen.findByTestId("scenario-field-tree")) as HTMLTextAreaElement;
    expect(JSON.parse(tree.value)).toEqual({ text: "Menu", options: [] });

    // Invalid JSON is reported on the field without a request.
    fireEvent.change(tree, { target: { value: "{ nope" } });
    fireEvent.click(screen.getByTestId("scenario-install"));
    expect(installs).toHaveLength(0);

    fireEvent.change(tree, { target: { value: '{"text":"Menu","options":[]}' } });
    fireEvent.click(screen.getByTestId("scenario-install"));
    await screen.findByTestId("scenario-error");
    expect(screen.getAllByText('tree.options[1].key: duplicate key "1"').length).toBeGreaterThan(0);
    expect(installs[0]).toEqual({ entry: { keywords: ["menu"] }, tree: { text: "Menu", options: [] } });

    fireEvent.click(screen.getByTestId("scenario-install"));
    await screen.findByTestId("scenario-installed");
    expect(screen.getByText("Installed: 1 rule created.")).toBeTruthy();
    fireEvent.click(screen.getByTestId("scenario-rule-link"));
    await waitFor(() => expect(onOpenRule).toHaveBeenCalledWith("r9"));
  });
});
