/** Per-IP sliding-window limit on sign-in attempts, kept in memory (one per web node). */
export class LoginThrottle {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Records an attempt; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.#hits.set(key, recent);
      return Math.ceil((this.windowMs - (now - (recent[0] ?? now))) / 1000);
    }
    recent.push(now);
    this.#hits.set(key, recent);
    if (this.#hits.size > 10_000) this.#sweep(now);
    return 0;
  }

  #sweep(now: number) {
    for (const [k, v] of this.#hits) if (v.every((t) => now - t >= this.windowMs)) this.#hits.delete(k);
  }
}

/** Lockout after repeated failures for one account: 5 free tries, then 1, 2, 4 … minutes, at most 60. */
export function lockoutUntil(failedLogins: number, now = Date.now()): Date | null {
  if (failedLogins < 5) return null;
  const minutes = Math.min(60, 2 ** (failedLogins - 5));
  return new Date(now + minutes * 60_000);
}
