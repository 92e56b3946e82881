/**
 * The gateway's receipt ledger on LevelDB: a strictly linear, hash-linked,
 * gateway-signed chain, written by group commit.
 *
 * Appends issued concurrently queue up; one writer drains the queue into ONE
 * LevelDB batch written with {sync: true} (receipts, consumed jtis, index
 * changes, head) and settles every append of that batch after that one
 * write. Appends marked `durable: false` (outcome receipts) first wait up to
 * LINGER_MS for a durable append to share its batch; a batch holding only
 * such appends is written without its own fsync: LevelDB's log is
 * sequential, so the next synced batch, or the sync timer within
 * SYNC_DELAY_MS, makes it durable. Append listeners (replication) only ever see durable receipts. A failed write rejects the whole batch with
 * Refusal('ledger_unavailable') and leaves the in-memory head where it was
 * (fail closed). The handle that failed is never written through again: the
 * next batch first closes it, reopens the dir and proves the tail
 * (reopen.ts); until that succeeds every append is refused.
 */
import { mkdir } from 'node:fs/promises';
import { canonicalize, type Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { Refusal } from '../refusal/codes.js';
import { checkAppendOptions, planBatch, type AppendOptions, type AppendRequest } from './batch.js';
import { GroupCommit, type Outcome } from './group-commit.js';
import { BoundedSet } from './jti-cache.js';
import { jtiKey, prefixRange, SIDE_PREFIX } from './keys.js';
import { openLevel, type LedgerDb } from './level.js';
import { LedgerReader, type StagedTao } from './reader.js';
import { recoverHead } from './recover.js';
import { reopenChecked, SYNC_KEY } from './reopen.js';
import { isReceiptKind, type ChainHead, type Receipt, type ReceiptKind } from './types.js';

/** What an empty DB lookup of consumed jtis answers (the optimistic plan of flushNow). */
const NOTHING_CONSUMED: ReadonlySet<string> = new Set();

export type { AppendOptions } from './batch.js';

export interface LedgerOptions {
  /** The gateway id written into every receipt (the key that signs them). */
  gatewayId: string;
  signer: Signer;
  /** Most receipts in one synced batch (default 256). */
  maxBatch?: number;
  /** How many consumed jtis to remember in memory (default 65,536). */
  jtiCacheSize?: number;
  /** Clock, ms since epoch (default Date.now); receipts take max(now, previous ts). */
  now?: () => number;
}

export interface LedgerStats {
  /** Synced LevelDB batches written. */
  readonly batches: number;
  /** Receipts appended by this instance. */
  readonly receipts: number;
  /** Largest number of receipts in one batch. */
  readonly largestBatch: number;
  /** Batch writes that failed (every append in them was refused). */
  readonly failedBatches: number;
  /** Times the dir was closed and reopened after a failed write, its tail proven. */
  readonly reopens: number;
}

export const DEFAULT_MAX_BATCH = 256;
/** How long a non-durable append may wait for an fsync. */
export const SYNC_DELAY_MS = 50;
/**
 * How long non-durable appends wait for a durable one to share its write
 * (one LevelDB write and one thread hand-off per gated write instead of two;
 * the next intent never queues behind the previous write's outcome).
 */
export const LINGER_MS = 10;
const DEFAULT_JTI_CACHE = 65_536;

export class Ledger {
  private readonly queue: GroupCommit<AppendRequest, Receipt>;
  private readonly consumedCache: BoundedSet;
  private reader: LedgerReader;
  private headNow: ChainHead;
  /** The last receipt reported durable (fsynced): a reopen must find it. */
  private durableHead: ChainHead;
  private lastTs: number;
  /** A write failed: the handle is not trusted until the dir was reopened and its tail proven. */
  private suspect = false;
  /** Flushes, syncs and reopens take turns on the handle. */
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  private counters = { batches: 0, receipts: 0, largestBatch: 0, failedBatches: 0, reopens: 0 };
  private readonly appendListeners = new Set<(receipts: readonly Receipt[]) => void>();
  /** Receipts written but not yet known durable, in seq order (listeners hear of them once they are). */
  private unsynced: Receipt[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    private db: LedgerDb,
    private readonly cfg: Required<LedgerOptions>,
    state: { head: ChainHead; lastTs: number },
  ) {
    this.headNow = state.head;
    this.durableHead = state.head;
    this.lastTs = state.lastTs;
    this.consumedCache = new BoundedSet(cfg.jtiCacheSize);
    this.reader = new LedgerReader(db, dir);
    this.queue = new GroupCommit((items) => this.flush(items), cfg.maxBatch, { ms: LINGER_MS, lazy: (r) => r.opts.durable === false });
  }

  /** Opens (creating if needed) a ledger dir. A second open of the same dir fails: LevelDB holds a lock. */
  static async open(dir: string, opts: LedgerOptions): Promise<Ledger> {
    if (typeof opts.gatewayId !== 'string' || opts.gatewayId.length === 0) throw new TypeError('Ledger.open: gatewayId must be a non-empty string');
    const cfg: Required<LedgerOptions> = {
      gatewayId: opts.gatewayId,
      signer: opts.signer,
      maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH,
      jtiCacheSize: opts.jtiCacheSize ?? DEFAULT_JTI_CACHE,
      now: opts.now ?? Date.now,
    };
    if (!Number.isSafeInteger(cfg.maxBatch) || cfg.maxBatch < 1) throw new RangeError(`Ledger.open: maxBatch must be a positive integer, got ${cfg.maxBatch}`);
    await mkdir(dir, { recursive: true });
    const db = await openLevel(dir, { create: true });
    try {
      const state = await recoverHead(db, dir);
      return new Ledger(dir, db, cfg, state);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Appends one receipt. Resolves after the batch holding it was written with
   * {sync: true}. Rejects with Refusal('consumed') when opts.consume names a
   * jti that is already consumed (in the DB or earlier in the same batch),
   * with Refusal('ledger_unavailable') when the batch could not be written.
   */
  append(kind: ReceiptKind, body: Json, opts: AppendOptions = {}): Promise<Receipt> {
    if (this.closed) return Promise.reject(new Refusal('ledger_unavailable', `ledger ${this.dir} is closed`));
    if (!isReceiptKind(kind)) return Promise.reject(new TypeError(`append: unknown receipt kind ${JSON.stringify(kind)}`));
    const problem = checkAppendOptions(opts);
    if (problem) return Promise.reject(new TypeError(`append: ${problem}`));
    let frozen: Json;
    try {
      // Canonicalize now: a body that cannot be hashed fails its own append at once,
      // and a caller mutating the object later cannot change what gets sealed.
      frozen = JSON.parse(canonicalize(body)) as Json;
    } catch (err) {
      return Promise.reject(err);
    }
    const { consume, closes, stage, unstage, durable, mark } = opts;
    return this.queue.push({ kind, body: frozen, opts: { consume, closes, stage: stage && { ...stage }, unstage, durable, mark: mark && { ...mark } } });
  }

  /** True when the jti was consumed by a durable receipt. Memory first, then the DB (the truth). */
  async isConsumed(jti: string): Promise<boolean> {
    if (this.consumedCache.has(jti)) return true;
    let stored: string | undefined;
    try {
      stored = (await this.db.get(jtiKey(jti))) as string | undefined;
    } catch (err) {
      throw new Refusal('ledger_unavailable', `ledger ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    if (stored === undefined) return false;
    this.consumedCache.add(jti);
    return true;
  }

  /** The last durable receipt: seq -1 and 64 zeros when empty. */
  get head(): { seq: number; hash: string } {
    return { seq: this.headNow.seq, hash: this.headNow.hash };
  }

  get count(): number {
    return this.headNow.seq + 1;
  }

  /**
   * LevelDB's own estimate of the native memory it holds for this ledger
   * (memtables and block cache: `leveldb.approximate-memory-usage`), in
   * bytes; undefined once closed or while reopening. Bounded by its write
   * buffer and block cache (BLOCK_CACHE_BYTES,
   * src/ledger/level.ts).
   */
  get levelMemoryBytes(): number | undefined {
    if (this.closed) return undefined;
    // classic-level (what `level` is on Node) has getProperty; level's typings, written for browsers too, do not.
    const db = this.db as unknown as { getProperty?: (property: string) => string };
    try {
      const bytes = Number(db.getProperty?.('leveldb.approximate-memory-usage'));
      return Number.isFinite(bytes) ? bytes : undefined;
    } catch {
      return undefined; // the handle is being reopened after a failed write (see the top of this file)
    }
  }

  get stats(): LedgerStats {
    return { ...this.counters };
  }

  get(seq: number): Promise<Receipt | undefined> {
    return this.reader.get(seq);
  }

  /** Receipts from..to, both inclusive (default: all), in seq order. */
  iterate(opts: { from?: number; to?: number } = {}): AsyncIterable<Receipt> {
    return this.reader.iterate(opts.from ?? 0, opts.to ?? this.headNow.seq);
  }

  /** The last n receipts, oldest first. */
  last(n: number): Promise<Receipt[]> {
    return this.reader.last(n);
  }

  /** Intents with no outcome receipt yet, oldest first (for start-up reconciliation). */
  openIntents(): Promise<Receipt[]> {
    return this.reader.openIntents();
  }

  /** Staged pre-issued TAOs that were not taken (unstaged) yet. */
  stagedTaos(): Promise<StagedTao[]> {
    return this.reader.stagedTaos();
  }

  /**
   * Calls `listener` after every durable batch with its receipts, in seq
   * order (the checkpointer and the replicator follow the chain this way).
   * Returns the unsubscribe function. A throwing listener is ignored.
   */
  onAppend(listener: (receipts: readonly Receipt[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** A side key (stored as `x!<name>`): state about the chain that is not evidence. */
  async sideGet(name: string): Promise<string | undefined> {
    return (await this.db.get(SIDE_PREFIX + name)) as string | undefined;
  }

  /** Writes a side key, outside any receipt batch ({sync: true} unless told otherwise). */
  async sidePut(name: string, value: string, opts: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) throw new Refusal('ledger_unavailable', `ledger ${this.dir} is closed`);
    // An empty value would keep a native allocation in classic-level (./keys.ts).
    if (value.length === 0) throw new Error(`ledger side key ${name}: value must not be empty`);
    await this.db.put(SIDE_PREFIX + name, value, { sync: opts.sync ?? true });
  }

  /** Side keys whose name starts with `prefix`, in key order: [name without 'x!', value]. */
  async *sideEntries(prefix: string): AsyncGenerator<[string, string]> {
    for await (const [key, value] of this.db.iterator(prefixRange(SIDE_PREFIX + prefix))) yield [key.slice(SIDE_PREFIX.length), value];
  }

  /** Refuses new appends, waits for queued ones to be written, then releases the dir. */
  close(): Promise<void> {
    this.closed = true;
    this.queue.stopLingering();
    this.closing ??= this.queue
      .idle()
      .then(() => this.syncNow())
      .then(() => this.db.close());
    return this.closing;
  }

  private flush(items: readonly AppendRequest[]): Promise<Outcome<Receipt>[]> {
    return this.inTurn(() => this.flushNow(items));
  }

  /** Runs fn after whatever holds the handle now (a flush, a sync, a reopen). */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async flushNow(items: readonly AppendRequest[]): Promise<Outcome<Receipt>[]> {
    try {
      if (this.suspect) await this.reopen();
    } catch (err) {
      return items.map(() => ({ ok: false, error: this.unavailable(err) }));
    }
    // The DB lookup of the batch's new jtis runs on the libuv pool while the batch is planned here
    // (signing is most of planning): an inline write's intent waits for the longer of the two, not
    // their sum. In the rare case the DB knows one of them (a replay of a TAO the cache forgot), the
    // batch is planned again with that answer, and the first plan is dropped unwritten.
    const lookup = this.lookupConsumed(items);
    lookup.catch(() => undefined);
    const planWith = (consumedInDb: ReadonlySet<string>) =>
      planBatch({ head: this.headNow, lastTs: this.lastTs }, items, {
        gateway: this.cfg.gatewayId,
        signer: this.cfg.signer,
        now: this.cfg.now,
        consumedBefore: (jti) => this.consumedCache.has(jti) || consumedInDb.has(jti),
      });
    let plan = planWith(NOTHING_CONSUMED);
    let consumedInDb: Set<string>;
    try {
      consumedInDb = await lookup;
    } catch (err) {
      return items.map(() => ({ ok: false, error: this.unavailable(err) }));
    }
    if (plan.consumed.some((jti) => consumedInDb.has(jti))) plan = planWith(consumedInDb);
    if (plan.appended === 0) return plan.outcomes;
    const sync = items.some((i) => i.opts.durable !== false);
    try {
      await this.db.batch(plan.ops, { sync });
    } catch (err) {
      this.counters.failedBatches++;
      this.suspect = true;
      const error = this.unavailable(err);
      // Appends refused on their own merits (consumed, bad body) keep their reason.
      return plan.outcomes.map((o) => (o.ok ? { ok: false, error } : o));
    }
    this.headNow = plan.head;
    this.lastTs = plan.lastTs;
    for (const jti of plan.consumed) this.consumedCache.add(jti);
    this.counters.batches++;
    this.counters.receipts += plan.appended;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, plan.appended);
    const receipts = plan.outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    this.unsynced.push(...receipts);
    // An fsync makes everything written before it durable (LevelDB's log is sequential).
    if (sync) this.durableUpTo(plan.head.seq);
    else this.syncTimer ??= setTimeout(() => void this.syncNow(), SYNC_DELAY_MS);
    return plan.outcomes;
  }

  /** Makes every receipt written so far durable (an fsynced write of a side key), then tells the listeners. */
  private syncNow(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const last = this.unsynced.at(-1);
    if (!last) return this.syncing ?? Promise.resolve();
    const run = async () => {
      if (this.unsynced.length === 0) return;
      try {
        if (this.suspect) await this.reopen();
        await this.db.put(SYNC_KEY, String(last.seq), { sync: true });
        this.durableUpTo(last.seq);
      } catch {
        // Not trusted any more: the next batch (or this timer) reopens and proves the tail first.
        this.suspect = true;
        if (!this.closed) this.syncTimer ??= setTimeout(() => void this.syncNow(), SYNC_DELAY_MS * 10);
      }
    };
    this.syncing = this.inTurn(run);
    return this.syncing;
  }

  /** Receipts up to seq are durable: hand them to the listeners, in order. */
  private durableUpTo(seq: number): void {
    if (seq > this.durableHead.seq) {
      const r = this.unsynced.find((u) => u.seq === seq);
      if (r) this.durableHead = { seq, hash: r.hash };
    }
    let n = 0;
    while (n < this.unsynced.length && this.unsynced[n]!.seq <= seq) n++;
    if (n > 0) this.notify(this.unsynced.splice(0, n));
  }

  private notify(receipts: readonly Receipt[]): void {
    if (receipts.length === 0 || this.appendListeners.size === 0) return;
    for (const l of this.appendListeners) {
      try {
        l(receipts);
      } catch {
        // a listener never breaks the ledger
      }
    }
  }

  /** One getMany for every consume jti of the batch that the cache does not already know. */
  private async lookupConsumed(items: readonly AppendRequest[]): Promise<Set<string>> {
    const ask = [...new Set(items.map((i) => i.opts.consume).filter((j): j is string => j !== undefined && !this.consumedCache.has(j)))];
    if (ask.length === 0) return new Set();
    const values = (await this.db.getMany(ask.map(jtiKey))) as (string | undefined)[];
    return new Set(ask.filter((_, i) => values[i] !== undefined));
  }

  /**
   * After a failed write: close the handle, reopen the dir and prove its tail
   * (reopen.ts). Receipts written but not known durable are durable when the
   * reopened chain holds them (same hash), else they are gone and nobody hears
   * of them. Throws Refusal('ledger_unavailable') and stays suspect on failure.
   */
  private async reopen(): Promise<void> {
    await this.db.close().catch(() => undefined);
    const { db, state } = await reopenChecked(this.dir, this.durableHead, this.cfg.signer);
    this.db = db;
    this.reader = new LedgerReader(db, this.dir);
    this.headNow = state.head;
    this.lastTs = Math.max(this.lastTs, state.lastTs);
    this.suspect = false;
    this.counters.reopens++;
    const kept: Receipt[] = [];
    for (const r of this.unsynced) {
      if (r.seq > state.head.seq) break;
      if ((await this.reader.get(r.seq))?.hash !== r.hash) break;
      kept.push(r);
    }
    this.unsynced = kept;
    this.durableHead = state.head;
    this.notify(this.unsynced.splice(0));
  }

  private unavailable(err: unknown): Refusal {
    return new Refusal('ledger_unavailable', `ledger ${this.dir}: receipt batch not written: ${(err as Error).message}`, { cause: err });
  }
}
