import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("Batcher", () => {
  it("runs an idle lane after the current turn with what arrived in it, and groups what arrives while a batch runs", async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>({
      run: async (items) => {
        batches.push(items);
        await tick();
        return items.map((i) => i * 2);
      },
      laneOf: () => "one",
      lanes: 1,
      maxSize: 100,
    });
    const first = [1, 2].map((i) => batcher.submit(i));
    await new Promise((r) => setImmediate(r));
    const outputs = await Promise.all([...first, ...[3, 4].map((i) => batcher.submit(i))]);
    expect(outputs).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("caps a batch by size and keeps one key in one lane", async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>({
      run: async (items) => {
        batches.push(items);
        await tick();
        return items;
      },
      laneOf: (s) => s.slice(0, 1),
      lanes: 4,
      maxSize: 4,
      sizeOf: (s) => s.length,
    });
    await Promise.all(["a1", "a22", "a3", "a4", "b1"].map((s) => batcher.submit(s)));
    expect(batches.filter((b) => b.some((s) => s.startsWith("a")))).toEqual([["a1"], ["a22"], ["a3", "a4"]]);
    expect(batches.flat().sort()).toEqual(["a1", "a22", "a3", "a4", "b1"]);
  });

  it("gives each item its own outcome when a batch fails", async () => {
    const batcher = new Batcher<number, number>({
      run: async (items) => {
        await tick();
        if (items.includes(3)) throw new Error(`bad ${items.join(",")}`);
        return items;
      },
      laneOf: () => "one",
      lanes: 1,
      maxSize: 10,
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.submit(i)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe("bad 3");
  });
});
