/**
 * The gateway's checkpointer: keeps the Merkle tree of its receipts as a
 * compact range (O(log n) hashes, fed by Ledger.onAppend) and appends a
 * signed 'checkpoint' receipt every `every` receipts or `intervalMs`, when
 * anything but checkpoints was appended since the last one (an idle
 * gateway does not checkpoint its own checkpoints).
 *
 * A checkpoint of size N covers receipts 0..N-1; it is appended at seq >= N
 * (usually N: concurrent appends may land between computing and appending).
 * With every checkpoint it stores the compact range it signed (size, the
 * O(log n) right-edge hashes, the checkpoint's seq) in the side key
 * `x!checkpointer/range`. At start it resumes from there: the stored range
 * must fold to the root of the checkpoint receipt at that seq (else it is
 * ignored), and only the receipts after it are read. Without a usable side
 * key the range is rebuilt from every receipt hash (~20-40 µs per receipt,
 * docs/ledger.md).
 */
import type { Signer } from '../crypto/ed25519.js';
import { fromHex, toHex } from '../crypto/encoding.js';
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

/** Side key holding the range of the last checkpoint: `{ v: 1, seq, size, nodes: [hex] }`. */
export const RANGE_KEY = 'checkpointer/range';

interface StoredRange {
  v: 1;
  /** Seq of the checkpoint receipt that signed this range. */
  seq: number;
  size: number;
  nodes: string[];
}

export class Checkpointer {
  private readonly range = new CompactRange();
  private pendingNonCheckpoint = 0;
  private buffered: Receipt[] | undefined = [];
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly stats = { checkpoints: 0, lastSize: 0, rebuildMs: 0, lastCostMs: 0, resumedFrom: 0, receiptsRead: 0 };

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
    cp.timer = setInterval(() => cp.maybeCheckpoint(), cp.opts.intervalMs);
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
    const from = await this.resume(head);
    this.stats.resumedFrom = from;
    let lastKind: string | undefined;
    for await (const r of this.ledger.iterate({ from, to: head })) {
      this.stats.receiptsRead++;
      this.range.append(receiptLeafHash(r.hash));
      lastKind = r.kind;
      if (r.kind === 'checkpoint') this.pendingNonCheckpoint = 0;
      else this.pendingNonCheckpoint++;
    }
    const waiting = this.buffered ?? [];
    this.buffered = undefined;
    this.onAppend(waiting);
    this.stats.rebuildMs = performance.now() - started;
    this.log.debug({ size: this.range.size, resumedFrom: from, read: this.stats.receiptsRead, ms: Math.round(this.stats.rebuildMs), lastKind }, 'checkpointer: tree rebuilt');
  }

  /**
   * Restores the range stored with the last checkpoint when it checks out
   * against that checkpoint receipt; returns the seq to read on from (0: a
   * full rebuild).
   */
  private async resume(head: number): Promise<number> {
    let why: string;
    try {
      const raw = await this.ledger.sideGet(RANGE_KEY);
      if (raw === undefined) return 0;
      const s = JSON.parse(raw) as Partial<StoredRange>;
      if (s.v !== 1 || !Number.isSafeInteger(s.seq) || !Number.isSafeInteger(s.size) || !Array.isArray(s.nodes) || s.nodes.some((n) => typeof n !== 'string' || !/^[0-9a-f]{64}$/.test(n))) {
        why = 'malformed';
      } else if (s.size! < 1 || s.size! > s.seq! || s.seq! > head) {
        why = `size ${s.size} / seq ${s.seq} do not fit the chain (head ${head})`;
      } else {
        const cp = await this.ledger.get(s.seq!);
        const body = cp?.body as { size?: unknown; root?: unknown; origin?: unknown } | undefined;
        const trial = new CompactRange();
        trial.restore(s.size!, s.nodes!.map(fromHex));
        if (cp?.kind !== 'checkpoint' || body?.origin !== this.gatewayId || body.size !== s.size || body.root !== toHex(trial.root())) {
          why = `receipt ${s.seq} is not the checkpoint of this range`;
        } else {
          this.range.restoreFrom(trial);
          return s.size!;
        }
      }
    } catch (err) {
      why = (err as Error).message;
    }
    this.log.warn({ key: RANGE_KEY, why }, 'checkpointer: stored range not usable; rebuilding from every receipt');
    return 0;
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
    if (this.pendingNonCheckpoint >= this.opts.every) this.maybeCheckpoint();
  }

  private maybeCheckpoint(): void {
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
    const nodes = this.range.perfectNodes();
    const body = makeCheckpointBody(this.gatewayId, size, this.range.root(), this.signer);
    this.pendingNonCheckpoint = 0;
    const receipt = await this.ledger.append('checkpoint', body);
    // Resume point for the next start. Not synced: losing it only costs a longer rebuild.
    const stored: StoredRange = { v: 1, seq: receipt.seq, size, nodes: nodes.map(toHex) };
    await this.ledger.sidePut(RANGE_KEY, JSON.stringify(stored), { sync: false }).catch((err: Error) => this.log.warn({ err: err.message }, 'checkpointer: range not stored'));
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
