/**
 * Group commit: callers push items concurrently; one drain loop hands them
 * to `flush` in batches of at most maxBatch, one batch at a time, in arrival
 * order. While a batch is being flushed the next one accumulates. Each
 * caller's promise settles with its own outcome only after its batch's
 * flush returned, so "resolved" means "durable" when flush writes with sync.
 */
export type Outcome<O> = { readonly ok: true; readonly value: O } | { readonly ok: false; readonly error: unknown };

/** Flushes one batch; returns one outcome per item, in order. */
export type FlushFn<I, O> = (items: readonly I[]) => Promise<Outcome<O>[]>;

/**
 * Items that need not be written at once (the ledger's non-durable outcome
 * receipts) may wait up to `ms` for an item that must be (the next intent),
 * so both go into one write instead of two, and the urgent item never waits
 * behind a write of the lazy ones.
 */
export interface Linger<I> {
  readonly ms: number;
  readonly lazy: (item: I) => boolean;
}

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** Ends a linger early (an urgent item arrived, or stopLingering()). */
  private wake: (() => void) | undefined;
  private noLinger = false;

  constructor(
    private readonly flush: FlushFn<I, O>,
    private readonly maxBatch: number,
    private readonly linger?: Linger<I>,
  ) {
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.wake && (!this.linger?.lazy(item) || this.queue.length >= this.maxBatch)) this.wake();
      if (!this.running) {
        this.running = true;
        // Start on a microtask so that appends issued in the same tick share the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  /** Items waiting for a batch (not counting the batch being flushed). */
  get pending(): number {
    return this.queue.length;
  }

  /** From now on nothing lingers: what is queued is flushed at once (closing). */
  stopLingering(): void {
    this.noLinger = true;
    this.wake?.();
  }

  /** Resolves once nothing is queued and no batch is being flushed. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.linger && !this.noLinger && this.queue.length < this.maxBatch && this.queue.every((w) => this.linger!.lazy(w.item))) await this.lingerFor(this.linger.ms);
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: Outcome<O>[];
      try {
        outcomes = await this.flush(batch.map((w) => w.item));
      } catch (error) {
        outcomes = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (o === undefined) w.reject(new Error(`group commit: flush returned ${outcomes.length} outcomes for ${batch.length} items`));
        else if (o.ok) w.resolve(o.value);
        else w.reject(o.error);
      });
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private lingerFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
