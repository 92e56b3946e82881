/**
 * A small pool of verify workers (worker_threads). Jobs wait in one queue,
 * oldest first, and a free worker takes the next one: a worker the OS
 * descheduled does not sit on jobs another worker could do (results are
 * merged in order, so the oldest job should never wait behind a busy
 * worker). Every job settles, never rejects: a worker that fails or exits
 * answers its jobs with a PoolFailure, and the caller checks those chunks on
 * its own thread instead.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChunkJob, ChunkResult } from './verify-chunk.js';

export interface WorkerRequest {
  readonly id: number;
  readonly job: ChunkJob;
}

export type WorkerReply = { readonly id: number; readonly result: ChunkResult } | { readonly id: number; readonly error: string };

export interface PoolFailure {
  readonly failed: string;
}

type Settle = (outcome: ChunkResult | PoolFailure) => void;

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Settle>;
  failed?: string;
}

interface Queued {
  readonly id: number;
  readonly job: ChunkJob;
  readonly settle: Settle;
}

/**
 * Jobs a worker holds at once. One: a chunk is ~0.2 s of work and a message
 * hop well under 1 ms, so a worker waiting for its next chunk costs nothing,
 * while a second chunk parked at a descheduled worker could stall the
 * in-order merge.
 */
const PER_WORKER = 1;

const ENTRY = new URL('./verify-worker.mjs', import.meta.url);

/** One worker per core the process may use, at least one. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 0;
  private closing = false;

  constructor(size: number = defaultWorkerCount()) {
    for (let i = 0; i < Math.max(1, Math.floor(size)); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Checks a chunk on a worker. Resolves with its result, or with a PoolFailure when no worker could do it. */
  run(job: ChunkJob): Promise<ChunkResult | PoolFailure> {
    return new Promise((settle) => {
      this.queue.push({ id: ++this.nextId, job, settle });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (;;) {
      const live = this.slots.filter((s) => s.failed === undefined);
      if (this.closing || live.length === 0) {
        const failed = this.closing ? 'the verify pool is closed' : (this.slots.find((s) => s.failed)?.failed ?? 'no verify worker');
        for (const q of this.queue.splice(0)) q.settle({ failed });
        return;
      }
      if (this.queue.length === 0) return;
      const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      if (slot.pending.size >= PER_WORKER) return;
      const { id, job, settle } = this.queue.shift()!;
      slot.pending.set(id, settle);
      slot.worker.postMessage({ id, job } satisfies WorkerRequest);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.dispatch();
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }

  private spawn(): Slot {
    // No inherited node flags: the entry registers the TypeScript loader itself.
    const worker = new Worker(ENTRY, { execArgv: [] });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: WorkerReply | { ready: true }) => {
      if (!('id' in msg)) return;
      const settle = slot.pending.get(msg.id);
      slot.pending.delete(msg.id);
      settle?.('result' in msg ? msg.result : { failed: msg.error });
      this.dispatch();
    });
    const fail = (reason: string) => {
      slot.failed ??= reason;
      for (const settle of slot.pending.values()) settle({ failed: slot.failed });
      slot.pending.clear();
      this.dispatch();
    };
    worker.on('error', (err) => fail(`a verify worker failed: ${err.message}`));
    worker.on('exit', (code) => fail(this.closing ? 'the verify pool is closed' : `a verify worker exited (code ${code})`));
    return slot;
  }
}
