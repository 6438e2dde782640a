import { describe, expect, it } from "vitest";
import { checkMenuTree, MenuTreeSchema, menuTeams, renderLevel } from "./keyword-menus.ts";

const text = (t: string) => ({ kind: "text" as const, text: t });
const tree = (options: unknown[], extra: object = {}) => MenuTreeSchema.parse({ text: "Menu", options, ...extra });

describe("keyword menu trees", () => {
  it("accepts a valid tree and renders each level with its options and 0 to go back below the top", () => {
    const t = tree([
      { key: "1", label: "Orders", text: "Orders:", options: [{ key: "1", label: "Track", reply: text("…") }] },
      { key: "2", label: "Agent", handover: {} },
    ]);
    expect(checkMenuTree(t)).toEqual([]);
    expect(renderLevel(t, [])).toBe("Menu\n1. Orders\n2. Agent");
    expect(renderLevel({ ...t, backLabel: "Retour" }, ["1"])).toBe("Orders:\n1. Track\n0. Retour");
  });

  it("rejects unreachable options with their path: duplicate keys after folding, the reserved 0, keys with spaces", () => {
    const t = tree([
      { key: "A", label: "a", reply: text("a") },
      { key: "a", label: "b", reply: text("b") },
      { key: "０", label: "c", reply: text("c") },
      { key: "x y", label: "d", reply: text("d") },
    ]);
    expect(checkMenuTree(t)).toEqual([
      {
        path: "options[1].key",
        message: 'duplicate key "a" (options[0].key has it), so this option could never be reached',
      },
      { path: "options[2].key", message: '"0" is reserved for going back, so this option could never be reached' },
      { path: "options[3].key", message: '"x y" has a space: a key is one word' },
    ]);
  });

  it("rejects options that are not exactly one kind, dead ends, prompts on leaves and menus deeper than 5 levels", () => {
    let deep: unknown = { key: "1", label: "leaf", reply: text("x") };
    for (let i = 0; i < 5; i++) deep = { key: "1", label: `l${i}`, text: `L${i}`, options: [deep] };
    const t = tree([
      { key: "1", label: "both", reply: text("x"), handover: {} },
      { key: "2", label: "none" },
      { key: "3", label: "empty", text: "E", options: [] },
      { key: "4", label: "no prompt", options: [{ key: "1", label: "x", reply: text("x") }] },
      { key: "5", label: "leaf with prompt", text: "T", reply: text("x") },
      { ...(deep as object), key: "6" },
    ]);
    expect(checkMenuTree(t).map((p) => p.path)).toEqual([
      "options[0]",
      "options[1]",
      "options[2].options",
      "options[3].text",
      "options[4].text",
      "options[5].options[0].options[0].options[0].options[0].options",
    ]);
    expect(checkMenuTree(tree([]))).toEqual([
      { path: "options", message: "a menu needs at least one option, or freeText to hand over any answer" },
    ]);
    expect(checkMenuTree(tree([], { freeText: {} }))).toEqual([]);
  });

  it("lists the teams a tree hands over to, with their paths", () => {
    const team = "0190a000-0000-7000-8000-000000000001";
    const t = tree(
      [{ key: "1", label: "x", text: "X", options: [{ key: "1", label: "y", handover: { teamId: team } }] }],
      {
        freeText: { teamId: team },
      },
    );
    expect(menuTeams(t)).toEqual([
      { path: "freeText.teamId", id: team },
      { path: "options[0].options[0].handover.teamId", id: team },
    ]);
  });
});
