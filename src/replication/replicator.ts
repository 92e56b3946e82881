/**
 * The gateway side of replication: ships the ledger upstream in seq order
 * and keeps a cursor = the highest seq the upstream acknowledged (a side key
 * of the ledger, `x!repl/cursor`, so a ledger restored from an old copy
 * carries its own, old cursor).
 *
 * - After every (re)connect, and whenever acks stall, it says hello with its
 *   head; the upstream answers with a sync ack (what it holds) and shipping
 *   resumes from there: nothing lost, nothing applied twice.
 * - Back-pressure: at most `window` receipts in flight beyond the cursor,
 *   batches of at most `maxBatchReceipts` / `maxBatchBytes`, each published
 *   QoS 1 and awaited before the next. Writes never wait for any of this:
 *   the ledger is local, the backlog drains when the upstream returns.
 * - An ack that names a receipt this ledger does not have (the dir was
 *   replaced by an older copy) is not trusted: the replicator ships from its
 *   own cursor, so the upstream sees the diverging receipts and raises the
 *   fork alarm at the first of them.
 * - Cosignatures arriving on the cosign topic are checked (our own
 *   checkpoint note, a valid upstream cosignature) and stored as side keys
 *   `x!cosig/<size as 16 hex>`.
 * - Nothing fails silently: a failed publish, ledger read, cursor write or
 *   cosignature write is logged and counted (stats.failures, exported as
 *   taogate_replication_failures); the watchdog retries the cursor and
 *   cosignature writes that failed, and says hello again after a failed one.
 * - Cheap per receipt (docs/performance.md): durable receipts are shipped
 *   (only durable ones: a receipt the gateway could still lose never
 *   reaches the upstream) from memory as Ledger.onAppend hands them over (LevelDB is read only
 *   to catch up: after a start, a resync, or a gap in what memory holds);
 *   an ack is checked against the hashes this replicator shipped (a ledger
 *   read only for a seq it did not ship in this run); the cursor side key is
 *   written at most every CURSOR_WRITE_MS (the watchdog writes the last one;
 *   close() writes it synced).
 * - flush(ms): on a clean stop the gateway waits (bounded) until the upstream
 *   acknowledged its head, so the `stop` receipt reaches it.
 * - Head regression: when the upstream (or the stored cursor) acknowledges a
 *   receipt this ledger does not hold, the ledger lost receipts or was
 *   restored from an older copy. That raises an alarm: an error log, the side
 *   key `x!repl/regression`, stats.regressions, and one `alarm` receipt,
 *   which the upstream receives (it also raises its own `backwards` alarm).
 */
import type { MqttClient } from 'mqtt';
import { verifySignature } from '../crypto/verify.js';
import type { Ledger, Receipt } from '../ledger/index.js';
import { cosigName } from '../ledger/keys.js';
import { noteCosignedBy, noteSignedBy, parseCheckpointBody, parseNote } from '../ledger/merkle-note.js';
import { subscribeStrict, topics } from '../mqtt/index.js';
import type { TrustStore } from '../tao/truststore.js';
import { quietLog, type ReplLogger } from './log.js';
import { parseAck, parseCosign, type AckMessage, type GatewayMessage } from './protocol.js';

export interface ReplicationOptions {
  /** Receipts in flight beyond the acknowledged cursor (default 4096). */
  readonly window?: number;
  readonly maxBatchReceipts?: number;
  readonly maxBatchBytes?: number;
  /** No ack progress for this long with receipts in flight: say hello again (default 3000). */
  readonly ackTimeoutMs?: number;
  /** Trust store name of the upstream key (default 'upstream'). */
  readonly upstreamName?: string;
}

export const CURSOR_KEY = 'repl/cursor';
/** Least time between two (unsynced) cursor writes while acks stream in. */
const CURSOR_WRITE_MS = 250;
export const REGRESSION_KEY = 'repl/regression';

/** What failed, by operation (the label of taogate_replication_failures). */
export type ReplicationFailure = 'publish' | 'read' | 'cursor' | 'cosign' | 'alarm';

interface Cursor {
  seq: number;
  hash: string;
}

export class Replicator {
  private cursor: Cursor = { seq: -1, hash: '0'.repeat(64) };
  private sent = -1;
  private synced = false;
  private gen = 0;
  private pumping = false;
  private again = false;
  private lastProgress = Date.now();
  private helloAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly cleanups: (() => void)[] = [];
  private closed = false;
  readonly stats = { batches: 0, shipped: 0, hellos: 0, acks: 0, cosignatures: 0, diverged: 0, regressions: 0, failures: { publish: 0, read: 0, cursor: 0, cosign: 0, alarm: 0 } as Record<ReplicationFailure, number> };
  /** The cursor changed but its write failed: retried by the watchdog. */
  private cursorDirty = false;
  /** Verified cosignatures whose write failed: retried by the watchdog. */
  private readonly cosignsToStore = new Map<number, string>();
  /** The largest checkpoint size whose cosignature this run stored. */
  private cosignedSize = 0;
  /** Highest seq an alarm was raised for (one alarm per regression). */
  private regressionRaisedFor = -1;
  private readonly cfg: Required<ReplicationOptions>;
  /** Durable receipts from Ledger.onAppend not yet acknowledged, contiguous, in seq order (at most `window`). */
  private recent: Receipt[] = [];
  /** Hash of every receipt shipped and not yet acknowledged, by seq. */
  private readonly shippedHash = new Map<number, string>();
  private cursorWrittenAt = 0;
  /** The last receipt known durable: the ledger's head at start, then each onAppend batch. Only durable receipts are shipped. */
  private durableSeen = -1;

  constructor(
    private readonly ledger: Ledger,
    private readonly client: MqttClient,
    private readonly gatewayId: string,
    private readonly trust: TrustStore,
    private readonly log: ReplLogger = quietLog,
    opts: ReplicationOptions = {},
  ) {
    this.cfg = { window: 4096, maxBatchReceipts: 256, maxBatchBytes: 128 * 1024, ackTimeoutMs: 3000, upstreamName: 'upstream', ...stripUndefined(opts) };
  }

  async start(): Promise<void> {
    this.durableSeen = this.ledger.head.seq;
    const raw = await this.ledger.sideGet(CURSOR_KEY);
    if (raw) this.cursor = JSON.parse(raw) as Cursor;
    // The upstream acknowledged this once: the ledger must still hold it.
    if (this.cursor.seq >= 0 && (await this.ledger.get(this.cursor.seq).catch(() => undefined))?.hash !== this.cursor.hash) {
      await this.regression(this.cursor.seq, this.cursor.hash, 'the stored upstream cursor');
    }
    const ackTopic = topics.replAck(this.gatewayId);
    const cosignTopic = topics.replCosign(this.gatewayId);
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic === ackTopic) {
        const ack = parseAck(payload);
        if (ack) void this.onAck(ack);
      } else if (topic === cosignTopic) void this.onCosign(payload);
    };
    const onConnect = () => this.resync('reconnected');
    this.client.on('message', onMessage);
    this.client.on('connect', onConnect);
    this.cleanups.push(() => this.client.off('message', onMessage), () => this.client.off('connect', onConnect));
    this.cleanups.push(
      this.ledger.onAppend((rs) => {
        this.remember(rs);
        this.kick();
      }),
    );
    await subscribeStrict(this.client, [ackTopic, cosignTopic], 1);
    this.timer = setInterval(() => this.watchdog(), Math.max(100, this.cfg.ackTimeoutMs / 3));
    this.timer.unref();
    this.resync('start');
  }

  /** Receipts the upstream has not acknowledged yet. */
  get lag(): number {
    return Math.max(0, this.ledger.head.seq - this.cursor.seq);
  }

  get acknowledged(): Cursor {
    return { ...this.cursor };
  }

  /** Keeps durable receipts in memory for shipping; a gap (or a full window) drops the memory and the pump reads LevelDB. */
  private remember(rs: readonly Receipt[]): void {
    for (const r of rs) {
      this.durableSeen = Math.max(this.durableSeen, r.seq);
      const last = this.recent.at(-1);
      if (last && r.seq !== last.seq + 1) this.recent = [];
      this.recent.push(r);
    }
    const keepFrom = this.cursor.seq + 1;
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop]!.seq < keepFrom) drop++;
    if (drop > 0) this.recent.splice(0, drop);
    if (this.recent.length > this.cfg.window) this.recent.splice(0, this.recent.length - this.cfg.window);
  }

  /** Receipts from..to from memory when memory holds `from`; undefined when LevelDB must be read. */
  private fromMemory(from: number, to: number): Receipt[] | undefined {
    const first = this.recent[0];
    if (!first || from < first.seq || from > first.seq + this.recent.length - 1) return undefined;
    return this.recent.slice(from - first.seq, to - first.seq + 1);
  }

  private resync(why: string): void {
    if (this.closed) return;
    this.shippedHash.clear();
    this.gen++;
    this.synced = false;
    this.sent = this.cursor.seq;
    this.helloAt = Date.now();
    this.stats.hellos++;
    this.log.debug({ why, cursor: this.cursor.seq, head: this.ledger.head.seq }, 'replication: hello');
    // A lost hello is said again by the watchdog (no answer within ackTimeoutMs).
    this.publish({ t: 'hello', head: this.ledger.head }).catch((err: Error) => this.failed('publish', err, 'hello not sent'));
  }

  /** Logs and counts a failure (never silent). */
  private failed(op: ReplicationFailure, err: unknown, what: string): void {
    this.stats.failures[op]++;
    this.log.warn({ op, err: (err as Error)?.message ?? String(err) }, `replication: ${what}`);
  }

  /**
   * Waits until the upstream acknowledged the ledger's head as it is now, or
   * ms passed. True when it did. For a clean stop: the `stop` receipt reaches
   * the upstream before the process exits.
   */
  /** Waits (at most ms) until a cosignature of a checkpoint of at least `size` receipts is stored. */
  cosigned(size: number, ms: number): Promise<boolean> {
    return this.waitUntil(() => this.cosignedSize >= size, ms);
  }

  flush(ms: number): Promise<boolean> {
    const target = this.ledger.head.seq;
    this.kick();
    return this.waitUntil(() => this.cursor.seq >= target, ms);
  }

  /** Polls `done` every 10 ms for at most ms (or until close); its last answer. */
  private async waitUntil(done: () => boolean, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (!done() && Date.now() < until && !this.closed) await new Promise((r) => setTimeout(r, 10));
    return done();
  }

  /**
   * The upstream holds (or once acknowledged) seq with hash, and this ledger
   * does not: it lost receipts or was replaced by an older copy. Raised once
   * per regression point.
   */
  private async regression(seq: number, hash: string, by: string): Promise<void> {
    if (seq <= this.regressionRaisedFor) return;
    this.regressionRaisedFor = seq;
    this.stats.regressions++;
    const head = this.ledger.head;
    const detail = { acknowledged: { seq, hash }, head, by };
    this.log.error(detail, `LEDGER REGRESSION: ${by} says seq ${seq} was acknowledged, but this ledger ${head.seq < seq ? `ends at seq ${head.seq}` : `holds a different receipt ${seq}`} (receipts lost or ledger restored from an older copy)`);
    try {
      await this.ledger.sidePut(REGRESSION_KEY, JSON.stringify({ ...detail, at: Date.now() }));
      await this.ledger.append('alarm', { alarm: 'ledger_regression', acknowledged: { seq, hash }, head: { seq: head.seq, hash: head.hash }, by });
    } catch (err) {
      this.failed('alarm', err, 'regression alarm not recorded');
    }
  }

  private watchdog(): void {
    const now = Date.now();
    this.retryWrites();
    if (!this.client.connected) return;
    if (!this.synced) {
      if (now - this.helloAt > this.cfg.ackTimeoutMs) this.resync('no answer to hello');
      return;
    }
    if (this.sent > this.cursor.seq && now - this.lastProgress > this.cfg.ackTimeoutMs) this.resync('acks stalled');
    else this.kick();
  }

  private async onAck(ack: AckMessage): Promise<void> {
    this.stats.acks++;
    const sync = ack.sync;
    let ours: Pick<Receipt, 'hash'> | undefined;
    try {
      // A seq shipped in this run: its hash as read from this ledger then (the ledger only grows while it runs).
      const shipped = this.shippedHash.get(ack.seq);
      ours = ack.seq < 0 ? undefined : shipped !== undefined ? { hash: shipped } : await this.ledger.get(ack.seq);
    } catch (err) {
      // Cannot tell whether the ack matches: not a divergence; the watchdog says hello again.
      this.failed('read', err, `receipt ${ack.seq} not readable to check an ack`);
      this.synced = false;
      return;
    }
    const matches = ack.seq < 0 || (ours !== undefined && ours.hash === ack.hash);
    if (!matches) {
      if (sync) await this.regression(ack.seq, ack.hash, 'the upstream');
      // The upstream holds a chain this ledger is not a continuation of.
      this.stats.diverged++;
      this.log.error({ upstream: ack.seq, head: this.ledger.head.seq }, 'replication: the upstream holds receipts this ledger does not have (restored from an older copy?); shipping from the local cursor so the upstream can locate the fork');
      if (sync) {
        this.synced = true;
        this.gen++;
        this.sent = Math.min(this.cursor.seq, this.ledger.head.seq);
        this.kick();
      }
      return;
    }
    if (ack.seq > this.cursor.seq) {
      this.cursor = { seq: ack.seq, hash: ack.hash };
      this.lastProgress = Date.now();
      this.cursorDirty = true;
      for (const seq of this.shippedHash.keys()) {
        if (seq > ack.seq) break;
        this.shippedHash.delete(seq);
      }
      // At most one cursor write per CURSOR_WRITE_MS; the watchdog writes the last one.
      if (this.lastProgress - this.cursorWrittenAt >= CURSOR_WRITE_MS) void this.storeCursor({ sync: false });
    }
    if (sync) {
      this.gen++;
      this.synced = true;
      this.sent = ack.seq;
      this.lastProgress = Date.now();
    }
    this.kick();
  }

  private async onCosign(payload: Buffer): Promise<void> {
    const msg = parseCosign(payload);
    if (!msg) return;
    const note = parseNote(msg.note);
    // Any key of ours or the upstream's by name (keys rotate); a revoked upstream key cosigns nothing.
    const now = Math.floor(Date.now() / 1000);
    const upstreams = this.trust.keys().filter((k) => k.role === 'upstream' && k.name === this.cfg.upstreamName && (k.revokedAt === undefined || now < k.revokedAt));
    const owns = this.trust.keys().filter((k) => k.role === 'gateway' && k.name === this.gatewayId);
    if (typeof note === 'string' || upstreams.length === 0 || owns.length === 0) return;
    const cp = parseCheckpointBody(note.body);
    if (typeof cp === 'string' || cp.size !== msg.size || cp.origin !== this.gatewayId) return;
    if (!owns.some((k) => noteSignedBy(note, this.gatewayId, k.publicKey, verifySignature))) return;
    if (!upstreams.some((k) => noteCosignedBy(note, this.cfg.upstreamName, k.publicKey, verifySignature) !== undefined)) {
      this.log.warn({ size: msg.size }, 'replication: cosignature does not verify; ignored');
      return;
    }
    this.cosignsToStore.set(msg.size, msg.note);
    await this.storeCosign(msg.size, msg.note);
  }

  /** Stores a verified cosignature; counted only once it is stored (a failed write is retried by the watchdog). */
  private async storeCosign(size: number, note: string): Promise<void> {
    try {
      await this.ledger.sidePut(cosigName(size), JSON.stringify({ size, note }));
    } catch (err) {
      this.failed('cosign', err, `cosignature of size ${size} not stored; will retry`);
      return;
    }
    this.cosignedSize = Math.max(this.cosignedSize, size);
    if (this.cosignsToStore.get(size) === note) {
      this.cosignsToStore.delete(size);
      this.stats.cosignatures++;
    }
  }

  private async storeCursor(opts: { sync: boolean }): Promise<boolean> {
    const cursor = { ...this.cursor };
    this.cursorWrittenAt = Date.now();
    try {
      await this.ledger.sidePut(CURSOR_KEY, JSON.stringify(cursor), opts);
    } catch (err) {
      this.failed('cursor', err, `upstream cursor (seq ${cursor.seq}) not stored; will retry`);
      return false;
    }
    if (this.cursor.seq === cursor.seq) this.cursorDirty = false;
    return true;
  }

  private retryWrites(): void {
    if (this.cursorDirty) void this.storeCursor({ sync: false });
    for (const [size, note] of this.cosignsToStore) void this.storeCosign(size, note);
  }

  /** Runs the shipping loop unless it is running (then it runs once more). */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    // A ledger read that fails (e.g. while the ledger reopens after a failed write) is logged and counted;
    // the watchdog's hello resumes shipping.
    void this.pump()
      .catch((err: unknown) => {
        this.failed('read', err, 'receipts not readable for shipping; will say hello again');
        this.synced = false;
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.client.connected && this.synced) {
      const gen = this.gen;
      const head = Math.min(this.ledger.head.seq, this.durableSeen);
      if (this.sent >= head || this.sent - this.cursor.seq >= this.cfg.window) return;
      const to = Math.min(head, this.sent + this.cfg.maxBatchReceipts, this.cursor.seq + this.cfg.window);
      const batch: Receipt[] = [];
      // Each receipt is serialized once: for the size limit and for the message itself.
      const json: string[] = [];
      let bytes = 0;
      const take = (r: Receipt): boolean => {
        const one = JSON.stringify(r);
        if (batch.length > 0 && bytes + one.length > this.cfg.maxBatchBytes) return false;
        batch.push(r);
        json.push(one);
        bytes += one.length;
        return true;
      };
      const memory = this.fromMemory(this.sent + 1, to);
      if (memory) {
        for (const r of memory) if (!take(r)) break;
      } else {
        for await (const r of this.ledger.iterate({ from: this.sent + 1, to })) if (!take(r)) break;
      }
      if (batch.length === 0 || gen !== this.gen) return;
      try {
        await this.publishRaw(`{"t":"batch","receipts":[${json.join(',')}]}`);
      } catch (err) {
        this.failed('publish', err, 'receipt batch not sent; will say hello again');
        this.synced = false;
        return;
      }
      if (gen !== this.gen) return; // a resync happened meanwhile: it decides where to go on
      this.sent = (batch[batch.length - 1] as Receipt).seq;
      for (const r of batch) this.shippedHash.set(r.seq, r.hash);
      this.stats.batches++;
      this.stats.shipped += batch.length;
    }
  }

  private publish(msg: GatewayMessage): Promise<unknown> {
    return this.publishRaw(JSON.stringify(msg));
  }

  /**
   * QoS 1, each batch awaited before the next: the broker's PUBACK paces the
   * pump. Tried at QoS 0 (the upstream's ack is the end-to-end confirmation):
   * a backlog of 4,096 receipts then left in one burst, the slower upstream
   * fell behind, and the outage test stalled in resend after resend.
   */
  private publishRaw(payload: string): Promise<unknown> {
    return this.client.publishAsync(topics.receipts(this.gatewayId), payload, { qos: 1 });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.cleanups.splice(0)) c();
    await this.storeCursor({ sync: true });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
