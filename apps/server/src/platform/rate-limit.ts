/** A token bucket: `capacity` sends at once, refilled at `perSecond`. In-process (one per worker). */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly capacity = perSecond,
  ) {
    this.tokens = capacity;
  }

  /** Milliseconds to wait before a token is available (0: take it now). Takes the token when 0. */
  take(now = Date.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  /** Waits for a token and takes it. */
  async acquire(): Promise<void> {
    for (let wait = this.take(); wait > 0; wait = this.take()) await new Promise((r) => setTimeout(r, wait));
  }
}

/** Token buckets by key (a channel account, a recipient), created on first use. */
export class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();

  bucket(key: string, perSecond: number, capacity?: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) this.buckets.clear();
      bucket = new TokenBucket(perSecond, capacity);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
