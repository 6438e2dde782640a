/**
 * Group commit: work submitted while a batch runs waits for it and is then done together in the next batch,
 * so N concurrent requests cost one transaction instead of N. An idle lane starts its next batch after the
 * current turn of the event loop (`setImmediate`: no timer, well under a millisecond), so the requests read
 * from the network in the same turn share it instead of the first one going alone. Items whose lane key is
 * the same (e.g. one customer) go through the same lane, one batch after the other; different lanes run
 * concurrently.
 */
export type BatcherOptions<I, O> = {
  /** Does a batch; returns one output per item, in order. */
  run(items: I[]): Promise<O[]>;
  /** Items with the same key are never in two concurrent batches. */
  laneOf(item: I): string;
  lanes: number;
  /** The largest batch, in the units `sizeOf` counts (default: items). */
  maxSize: number;
  sizeOf?(item: I): number;
};

type Pending<I, O> = { item: I; resolve(output: O): void; reject(error: unknown): void };

export class Batcher<I, O> {
  readonly #queues: Pending<I, O>[][];
  readonly #busy: boolean[];

  constructor(private readonly options: BatcherOptions<I, O>) {
    this.#queues = Array.from({ length: Math.max(1, options.lanes) }, () => []);
    this.#busy = this.#queues.map(() => false);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const lane = laneIndex(this.options.laneOf(item), this.#queues.length);
      this.#queues[lane]?.push({ item, resolve, reject });
      if (!this.#busy[lane]) {
        this.#busy[lane] = true;
        setImmediate(() => void this.#drain(lane));
      }
    });
  }

  async #drain(lane: number): Promise<void> {
    const queue = this.#queues[lane] ?? [];
    try {
      while (queue.length > 0) {
        const batch = this.#take(queue);
        try {
          const outputs = await this.options.run(batch.map((p) => p.item));
          for (const [i, p] of batch.entries()) p.resolve(outputs[i] as O);
        } catch (err) {
          if (batch.length === 1) batch[0]?.reject(err);
          // One bad item must not fail the others: redo them one by one, each with its own outcome.
          else for (const p of batch) await this.options.run([p.item]).then(([o]) => p.resolve(o as O), p.reject);
        }
      }
    } finally {
      this.#busy[lane] = false;
    }
  }

  #take(queue: Pending<I, O>[]): Pending<I, O>[] {
    const sizeOf = this.options.sizeOf ?? (() => 1);
    let size = 0;
    let count = 0;
    while (count < queue.length) {
      const next = sizeOf((queue[count] as Pending<I, O>).item);
      if (count > 0 && size + next > this.options.maxSize) break;
      size += next;
      count++;
    }
    return queue.splice(0, count);
  }
}

function laneIndex(key: string, lanes: number): number {
  if (lanes === 1) return 0;
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
