import { describe, expect, it } from "vitest";
import { isSpike } from "./spikes.ts";

describe("spike detection", () => {
  const s = { minCount: 5, factor: 3 };
  it("needs a minimum count, a multiple of the baseline and to stand out of its noise", () => {
    expect(isSpike(4, Array(24).fill(0), s)).toBe(false);
    expect(isSpike(5, Array(24).fill(0), s)).toBe(true);
    expect(isSpike(8, Array(24).fill(3), s)).toBe(false);
    expect(isSpike(9, Array(24).fill(3), s)).toBe(true);
    const noisy = Array.from({ length: 24 }, (_, i) => (i % 2 ? 0 : 6));
    expect(isSpike(10, noisy, s)).toBe(false);
    expect(isSpike(20, noisy, s)).toBe(true);
  });
});
