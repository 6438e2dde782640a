import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache.ts";

describe("TtlCache", () => {
  it("forgets entries after their time to live", () => {
    const c = new TtlCache<string, number>(1000);
    c.set("a", 1, 0);
    expect(c.get("a", 999)).toBe(1);
    expect(c.get("a", 1000)).toBeUndefined();
  });

  it("evicts the oldest entry when full", () => {
    const c = new TtlCache<string, number>(1000, 2);
    c.set("a", 1, 0);
    c.set("b", 2, 0);
    c.set("c", 3, 0);
    expect([c.get("a", 1), c.get("b", 1), c.get("c", 1)]).toEqual([undefined, 2, 3]);
  });

  it("deletes by value", () => {
    const c = new TtlCache<string, { user: string }>(1000);
    c.set("s1", { user: "u1" });
    c.set("s2", { user: "u2" });
    c.deleteWhere((v) => v.user === "u1");
    expect(c.get("s1")).toBeUndefined();
    expect(c.get("s2")).toEqual({ user: "u2" });
  });

  it("loads a missing or expired key once, caching null but never undefined", async () => {
    const c = new TtlCache<string, string | null>(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      return null;
    };
    expect(await c.load("k", load)).toBeNull();
    expect(await c.load("k", load)).toBeNull();
    expect(loads).toBe(1);
    c.delete("k");
    expect(await c.load("k", async () => "fresh")).toBe("fresh");
    expect(c.get("k")).toBe("fresh");
  });
});
