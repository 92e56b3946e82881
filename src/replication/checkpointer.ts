/**
 * The gateway's checkpointer: keeps the Merkle tree of its receipts as a
 * compact range (O(log n) hashes, fed by Ledger.onAppend) and appends a
 * signed 'checkpoint' receipt every `every` receipts or `intervalMs`, when
 * anything but checkpoints was appended since the last one (an idle
 * gateway does not checkpoint its own checkpoints).
 *
 * A checkpoint of size N covers receipts 0..N-1; it is appended at seq >= N
 * (usually N: concurrent appends may land between computing and appending).
 * At start the range is rebuilt from every receipt hash (measured in
 * docs/ledger.md).
 */
import type { Signer } from '../crypto/ed25519.js';
import type { Ledger, Receipt } from '../ledger/index.js';
import { makeCheckpointBody } from '../ledger/merkle-checkpoint.js';
import { CompactRange } from '../ledger/merkle-range.js';
import { receiptLeafHash } from '../ledger/merkle.js';
import type { ReplLogger as GateLogger } from './log.js';

export interface CheckpointerOptions {
  readonly every?: number;
  readonly intervalMs?: number;
}

export const CHECKPOINT_DEFAULTS = { every: 256, intervalMs: 1000 } as const;

export class Checkpointer {
  private readonly range = new CompactRange();
  private pendingNonCheckpoint = 0;
  private buffered: Receipt[] | undefined = [];
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly stats = { checkpoints: 0, lastSize: 0, rebuildMs: 0, lastCostMs: 0 };

  constructor(
    private readonly ledger: Ledger,
    private readonly gatewayId: string,
    private readonly signer: Signer,
    private readonly log: GateLogger,
    private readonly opts: Required<CheckpointerOptions> = CHECKPOINT_DEFAULTS,
  ) {}

  static async start(ledger: Ledger, gatewayId: string, signer: Signer, log: GateLogger, opts: CheckpointerOptions = {}): Promise<Checkpointer> {
    const cp = new Checkpointer(ledger, gatewayId, signer, log, { every: opts.every ?? CHECKPOINT_DEFAULTS.every, intervalMs: opts.intervalMs ?? CHECKPOINT_DEFAULTS.intervalMs });
    await cp.rebuild();
    cp.timer = setInterval(() => cp.maybeCheckpoint(false), cp.opts.intervalMs);
    cp.timer.unref();
    return cp;
  }

  /** Size of the tree the checkpointer holds (= receipts seen). */
  get size(): number {
    return this.range.size;
  }

  root(): Uint8Array {
    return this.range.root();
  }

  private async rebuild(): Promise<void> {
    const started = performance.now();
    this.unlisten = this.ledger.onAppend((rs) => this.onAppend(rs));
    const head = this.ledger.head.seq;
    let lastKind: string | undefined;
    for await (const r of this.ledger.iterate({ from: 0, to: head })) {
      this.range.append(receiptLeafHash(r.hash));
      lastKind = r.kind;
      if (r.kind === 'checkpoint') this.pendingNonCheckpoint = 0;
      else this.pendingNonCheckpoint++;
    }
    const waiting = this.buffered ?? [];
    this.buffered = undefined;
    this.onAppend(waiting);
    this.stats.rebuildMs = performance.now() - started;
    this.log.debug({ size: this.range.size, ms: Math.round(this.stats.rebuildMs), lastKind }, 'checkpointer: tree rebuilt');
  }

  private onAppend(receipts: readonly Receipt[]): void {
    if (this.buffered) {
      this.buffered.push(...receipts);
      return;
    }
    for (const r of receipts) {
      if (r.seq < this.range.size) continue; // already in (seen during the rebuild)
      if (r.seq !== this.range.size) {
        this.log.error({ seq: r.seq, size: this.range.size }, 'checkpointer: receipt out of order; checkpoints paused');
        this.stopped = true;
        return;
      }
      this.range.append(receiptLeafHash(r.hash));
      if (r.kind === 'checkpoint') continue;
      this.pendingNonCheckpoint++;
    }
    if (this.pendingNonCheckpoint >= this.opts.every) this.maybeCheckpoint(true);
  }

  private maybeCheckpoint(_byCount: boolean): void {
    if (this.stopped || this.running || this.pendingNonCheckpoint === 0) return;
    this.running = this.checkpointNow()
      .then(() => undefined)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'checkpoint not written'))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Appends a checkpoint of the tree as it stands now; resolves with its receipt. */
  async checkpointNow(): Promise<Receipt> {
    const started = performance.now();
    const size = this.range.size;
    const body = makeCheckpointBody(this.gatewayId, size, this.range.root(), this.signer);
    this.pendingNonCheckpoint = 0;
    const receipt = await this.ledger.append('checkpoint', body);
    this.stats.checkpoints++;
    this.stats.lastSize = size;
    this.stats.lastCostMs = performance.now() - started;
    return receipt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unlisten?.();
    await this.running;
  }
}
