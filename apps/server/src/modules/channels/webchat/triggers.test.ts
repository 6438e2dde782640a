// The widget's trigger evaluation (apps/widget/src/triggers.ts, pure) checked against the config the server
// accepts: what the admin saves is what the browser evaluates.
import { describe, expect, it } from "vitest";
import { isDue, type PageState, urlMatches } from "../../../../../widget/src/triggers.ts";
import { configureWebchat, urlPatternProblem } from "./config.ts";

const page = (over: Partial<PageState> = {}): PageState => ({
  onPage: 0,
  idle: 0,
  href: "https://shop.example/cart?step=2",
  path: "/cart?step=2",
  context: {},
  ...over,
});

describe("proactive triggers", () => {
  it("matches globs on the path or the URL, and re: regular expressions", () => {
    expect(urlMatches("/cart*", "https://shop.example/cart?step=2", "/cart?step=2")).toBe(true);
    expect(urlMatches("/checkout/*", "https://shop.example/cart", "/cart")).toBe(false);
    expect(urlMatches("/c?rt", "https://shop.example/cart", "/cart")).toBe(true);
    expect(urlMatches("https://shop.example/*", "https://shop.example/a.b", "/a.b")).toBe(true);
    expect(urlMatches("https://*.shop.example/*", "https://shop.example/x", "/x")).toBe(false);
    expect(urlMatches("/a.b", "https://shop.example/axb", "/axb")).toBe(false);
    expect(urlMatches("re:^https://shop\\.example/CART", "https://shop.example/cart", "/cart")).toBe(true);
    expect(urlMatches("re:(", "https://shop.example/", "/")).toBe(false);
    expect(urlPatternProblem("re:(")).toMatch(/not a valid regular expression/);
    expect(urlPatternProblem("/cart(*")).toBeUndefined();
  });

  it("needs every condition of a trigger", () => {
    const { config } = configureWebchat({
      triggers: [
        {
          id: "cart",
          message: "Free shipping over 100!",
          when: { timeOnPageSeconds: 5, urlPattern: "/cart*", context: { key: "cartValue", op: "gt", value: 100 } },
        },
        { id: "idle", message: "Still there?", when: { inactivitySeconds: 30 } },
        { id: "plan", message: "Pro tips", when: { context: { key: "plan", op: "eq", value: "pro" } } },
      ],
    });
    const [cart, idle, plan] = (config as { triggers: Parameters<typeof isDue>[0][] }).triggers;
    if (!cart || !idle || !plan) throw new Error("triggers missing");
    expect(isDue(cart, page({ onPage: 6, context: { cartValue: 120 } }))).toBe(true);
    expect(isDue(cart, page({ onPage: 6, context: { cartValue: "120" } }))).toBe(true);
    expect(isDue(cart, page({ onPage: 4, context: { cartValue: 120 } }))).toBe(false);
    expect(isDue(cart, page({ onPage: 6, context: { cartValue: 100 } }))).toBe(false);
    expect(isDue(cart, page({ onPage: 6, context: { cartValue: "lots" } }))).toBe(false);
    expect(isDue(cart, page({ onPage: 6, context: {} }))).toBe(false);
    expect(
      isDue(cart, page({ onPage: 6, path: "/", href: "https://shop.example/", context: { cartValue: 120 } })),
    ).toBe(false);
    expect(isDue(idle, page({ idle: 29 }))).toBe(false);
    expect(isDue(idle, page({ idle: 30 }))).toBe(true);
    expect(isDue(plan, page({ context: { plan: "pro" } }))).toBe(true);
    expect(isDue(plan, page({ context: { plan: "free" } }))).toBe(false);
  });
});
