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
 */
import type { MqttClient } from 'mqtt';
import { verifyEd25519 } from '../crypto/ed25519.js';
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
  readonly stats = { batches: 0, shipped: 0, hellos: 0, acks: 0, cosignatures: 0, diverged: 0 };
  private readonly cfg: Required<ReplicationOptions>;

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
    const raw = await this.ledger.sideGet(CURSOR_KEY);
    if (raw) this.cursor = JSON.parse(raw) as Cursor;
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
    this.cleanups.push(this.ledger.onAppend(() => this.kick()));
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

  private resync(why: string): void {
    if (this.closed) return;
    this.gen++;
    this.synced = false;
    this.sent = this.cursor.seq;
    this.helloAt = Date.now();
    this.stats.hellos++;
    this.log.debug({ why, cursor: this.cursor.seq, head: this.ledger.head.seq }, 'replication: hello');
    this.publish({ t: 'hello', head: this.ledger.head }).catch(() => undefined);
  }

  private watchdog(): void {
    const now = Date.now();
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
    const ours = ack.seq < 0 ? undefined : await this.ledger.get(ack.seq).catch(() => undefined);
    const matches = ack.seq < 0 || (ours !== undefined && ours.hash === ack.hash);
    if (!matches) {
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
      void this.ledger.sidePut(CURSOR_KEY, JSON.stringify(this.cursor), { sync: false }).catch(() => undefined);
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
    const upstream = this.trust.byName(this.cfg.upstreamName, 'upstream');
    const own = this.trust.byName(this.gatewayId, 'gateway');
    if (typeof note === 'string' || !upstream || !own) return;
    const cp = parseCheckpointBody(note.body);
    if (typeof cp === 'string' || cp.size !== msg.size || cp.origin !== this.gatewayId) return;
    if (!noteSignedBy(note, this.gatewayId, own.publicKey, verifyEd25519)) return;
    if (noteCosignedBy(note, this.cfg.upstreamName, upstream.publicKey, verifyEd25519) === undefined) {
      this.log.warn({ size: msg.size }, 'replication: cosignature does not verify; ignored');
      return;
    }
    await this.ledger.sidePut(cosigName(msg.size), JSON.stringify({ size: msg.size, note: msg.note })).catch(() => undefined);
    this.stats.cosignatures++;
  }

  /** Runs the shipping loop unless it is running (then it runs once more). */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
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
      const head = this.ledger.head.seq;
      if (this.sent >= head || this.sent - this.cursor.seq >= this.cfg.window) return;
      const to = Math.min(head, this.sent + this.cfg.maxBatchReceipts, this.cursor.seq + this.cfg.window);
      const batch: Receipt[] = [];
      let bytes = 0;
      for await (const r of this.ledger.iterate({ from: this.sent + 1, to })) {
        const size = JSON.stringify(r).length;
        if (batch.length > 0 && bytes + size > this.cfg.maxBatchBytes) break;
        batch.push(r);
        bytes += size;
      }
      if (batch.length === 0 || gen !== this.gen) return;
      try {
        await this.publish({ t: 'batch', receipts: batch });
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'replication: publish failed; will resync');
        return;
      }
      if (gen !== this.gen) return; // a resync happened meanwhile: it decides where to go on
      this.sent = (batch[batch.length - 1] as Receipt).seq;
      this.stats.batches++;
      this.stats.shipped += batch.length;
    }
  }

  private publish(msg: GatewayMessage): Promise<unknown> {
    return this.client.publishAsync(topics.receipts(this.gatewayId), JSON.stringify(msg), { qos: 1 });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.cleanups.splice(0)) c();
    await this.ledger.sidePut(CURSOR_KEY, JSON.stringify(this.cursor)).catch(() => undefined);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
