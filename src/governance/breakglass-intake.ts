/**
 * Governance takes in the upstream's break-glass feed
 * (src/breakglass/feed-wire.ts): it subscribes to `taogate/v1/bg/+/feed`,
 * asks for a catch-up (`taogate/v1/bg/sync`, from its cursor per gateway)
 * at start, on every reconnect, whenever a message leaves a gap, and again
 * every `syncRetryMs` until the upstream answered, so windows opened while
 * governance or the broker was down are learned without a live message.
 *
 * Each message is checked before anything is stored:
 *   1. shape; the gateway in it is the one of its topic;
 *   2. the upstream's signature over the claim (a key of role upstream, by kid);
 *   3. every receipt: shape, gateway, seq within the claim, the gateway's
 *      signature under the key its kid names (alg-aware), that key's window
 *      at the receipt's time;
 *   4. every receipt links to the held or sent receipt before and after it,
 *      and no receipt conflicts with one held for the same seq.
 * A message that fails any check is rejected whole and logged with what and
 * where; nothing a message holds can stop the intake.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { feedSignedBytes, parseFeedMessage, type FeedMessage, type SyncRequest } from '../breakglass/feed-wire.js';
import { verifySignature } from '../crypto/verify.js';
import { checkReceiptShape, type Receipt } from '../ledger/index.js';
import { checkSeal } from '../ledger/receipt.js';
import { keyWindowProblem } from '../ledger/verify-key.js';
import { gatewayOfFeedTopic, subscribeStrict, topics } from '../mqtt/index.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import type { TrustStore } from '../tao/truststore.js';
import type { BreakglassStore } from './breakglass-store.js';
import type { ReplLogger } from '../replication/log.js';

/** The pino subset the intake logs through (the replication code's, without debug). */
export type IntakeLogger = Omit<ReplLogger, 'debug'>;

export interface IntakeOptions {
  readonly client: MqttClient;
  readonly trust: TrustStore;
  readonly store: BreakglassStore;
  readonly log: IntakeLogger;
  readonly now: () => number;
  /** Called after receipts were stored. */
  readonly onStored: () => void;
  /** How often an unanswered catch-up is asked again (default 15 s). */
  readonly syncRetryMs?: number;
}

export interface IntakeStats {
  /** Live messages taken in. */
  live: number;
  /** Catch-up answers taken in. */
  catchup: number;
  /** Receipts verified and newly stored. */
  stored: number;
  /** Messages rejected by a check (bad signature, broken link, ...). */
  rejected: number;
  /** Payloads that are not feed messages at all. */
  garbage: number;
}

export interface SyncState {
  /** Gateways whose catch-up the upstream has not answered yet. */
  readonly waiting: readonly string[];
  /** When the last catch-up was asked (ms since epoch; 0: never). */
  readonly askedAt: number;
  /** When the upstream last answered one completely (ms since epoch; 0: never). */
  readonly answeredAt: number;
  /** The last rejected message, for /readyz. */
  readonly lastRejected?: string;
}

export interface BreakglassIntake {
  readonly stats: Readonly<IntakeStats>;
  syncState(): SyncState;
  /** Resolves once the feed subscription is granted (rejects when the broker's ACL refuses it). */
  readonly subscribed: Promise<void>;
  /** Ask the upstream for everything after the cursors now. */
  requestSync(): void;
  /** Resolves when every message received so far is handled. */
  idle(): Promise<void>;
  close(): void;
}

type Check = { ok: true; fresh: Receipt[] } | { ok: false; seq?: number; reason: string };

export function startBreakglassIntake(o: IntakeOptions): BreakglassIntake {
  const stats: IntakeStats = { live: 0, catchup: 0, stored: 0, rejected: 0, garbage: 0 };
  const keyOf = receiptKeyLookup(o.trust);
  /** Claims that arrived after a gap, per gateway: merged into the cursor once the gap is filled. */
  const ahead = new Map<string, { from: number; to: number }[]>();
  const waiting = new Set<string>();
  const issued = new Set<string>();
  let askedAt = 0;
  let answeredAt = 0;
  let lastRejected: string | undefined;
  let closed = false;

  const followed = () => [...new Set([...o.trust.keys().filter((k) => k.role === 'gateway').map((k) => k.name), ...o.store.gateways()])];

  let retry: NodeJS.Timeout | undefined;
  const requestSync = () => {
    if (closed) return;
    const gateways = followed();
    if (gateways.length === 0) return;
    const req: SyncRequest = { t: 'sync', id: randomBytes(16).toString('hex'), from: Object.fromEntries(gateways.map((g) => [g, o.store.cursor(g) + 1])) };
    issued.add(req.id);
    if (issued.size > 64) issued.delete(issued.values().next().value as string);
    for (const g of gateways) waiting.add(g);
    askedAt = o.now();
    if (o.client.connected) {
      o.client.publish(topics.bgSync, JSON.stringify(req), { qos: 1 }, (err) => {
        if (err) o.log.warn({ err: err.message }, 'break-glass catch-up request not sent');
      });
      o.log.info({ sync: req.id, from: req.from }, 'break-glass catch-up asked of the upstream');
    }
    if (retry) clearTimeout(retry);
    retry = setTimeout(() => {
      retry = undefined;
      if (waiting.size > 0) requestSync();
    }, o.syncRetryMs ?? 15_000);
    retry.unref();
  };
  let gapTimer: NodeJS.Timeout | undefined;
  const syncSoon = () => {
    gapTimer ??= setTimeout(() => {
      gapTimer = undefined;
      requestSync();
    }, 200);
  };

  const reject = (topic: string, m: FeedMessage | undefined, seq: number | undefined, reason: string) => {
    stats.rejected++;
    lastRejected = `${new Date(o.now()).toISOString()} ${topic}${seq !== undefined ? ` seq ${seq}` : ''}: ${reason}`;
    o.log.error({ topic, gateway: m?.gateway, from: m?.from, to: m?.to, sync: m?.sync, seq, reason }, 'break-glass feed message rejected');
  };

  const checkReceipts = async (gateway: string, m: FeedMessage): Promise<Check> => {
    const sent = new Map<number, Receipt>();
    for (const value of m.receipts) {
      const shape = checkReceiptShape(value);
      if (shape) return { ok: false, reason: `malformed receipt: ${shape}` };
      const r = value as unknown as Receipt;
      if (r.gateway !== gateway) return { ok: false, seq: r.seq, reason: `receipt names gateway '${r.gateway}'` };
      if (r.seq < m.from || r.seq > m.to) return { ok: false, seq: r.seq, reason: `receipt outside the claimed range ${m.from}..${m.to}` };
      if (sent.has(r.seq)) return { ok: false, seq: r.seq, reason: 'the same seq twice' };
      const key = keyOf(gateway, r.kid);
      if (!key) return { ok: false, seq: r.seq, reason: `unknown key ${r.kid ?? '(none)'} of gateway '${gateway}'` };
      const seal = checkSeal(r, key.publicKey);
      if (seal) return { ok: false, seq: r.seq, reason: `${seal.reason}: ${seal.detail}` };
      const window = keyWindowProblem(r, key);
      if (window) return { ok: false, seq: r.seq, reason: window.reason };
      sent.set(r.seq, r);
    }
    const at = async (seq: number) => sent.get(seq) ?? (await o.store.receipt(gateway, seq));
    const fresh: Receipt[] = [];
    for (const r of [...sent.values()].sort((a, b) => a.seq - b.seq)) {
      const held = await o.store.receipt(gateway, r.seq);
      if (held && held.hash !== r.hash) return { ok: false, seq: r.seq, reason: `conflicts with the receipt held for seq ${r.seq} (hash ${held.hash}, now ${r.hash})` };
      const before = await at(r.seq - 1);
      if (before && r.prev !== before.hash) return { ok: false, seq: r.seq, reason: `does not link to receipt ${before.seq} (prev ${r.prev}, its hash ${before.hash})` };
      const after = await at(r.seq + 1);
      if (after && after.prev !== r.hash) return { ok: false, seq: r.seq, reason: `receipt ${after.seq} does not link to it` };
      if (!held) fresh.push(r);
    }
    return { ok: true, fresh };
  };

  const handle = async (topic: string, payload: Buffer): Promise<void> => {
    const gateway = gatewayOfFeedTopic(topic);
    if (!gateway) return;
    const m = parseFeedMessage(payload);
    if (typeof m === 'string') {
      stats.garbage++;
      o.log.warn({ topic, reason: m, bytes: payload.length }, 'break-glass feed: not a feed message, ignored');
      return;
    }
    if (m.gateway !== gateway) return reject(topic, m, undefined, `the message names gateway '${m.gateway}'`);
    const upstreamKey = o.trust.lookup(m.kid, 'upstream', Math.floor(o.now() / 1000));
    if (!upstreamKey) return reject(topic, m, undefined, `key ${m.kid} is not a valid upstream key in the trust store`);
    let signed;
    try {
      signed = feedSignedBytes(m);
    } catch (err) {
      return reject(topic, m, undefined, `unsignable claim: ${(err as Error).message}`);
    }
    if (!verifySignature(upstreamKey.publicKey, signed.message, signed.signature)) return reject(topic, m, undefined, `the upstream signature (${upstreamKey.name}) does not verify`);
    const checked = await checkReceipts(gateway, m);
    if (!checked.ok) return reject(topic, m, checked.seq, checked.reason);

    // The cursor moves only over a claim that starts at or before the seq after it.
    let cursor = o.store.cursor(gateway);
    const claims = [...(ahead.get(gateway) ?? []), { from: m.from, to: m.to }].sort((a, b) => a.from - b.from);
    const rest: { from: number; to: number }[] = [];
    for (const c of claims) {
      if (c.from <= cursor + 1) cursor = Math.max(cursor, c.to);
      else rest.push(c);
    }
    ahead.set(gateway, rest.filter((c) => c.to > cursor).slice(-256));
    await o.store.put(gateway, checked.fresh, cursor);
    if (m.sync !== undefined) stats.catchup++;
    else stats.live++;
    stats.stored += checked.fresh.length;
    if (checked.fresh.length > 0) {
      o.log.info({ gateway, receipts: checked.fresh.map((r) => r.seq), cursor, via: m.sync !== undefined ? 'catch-up' : 'live' }, 'break-glass receipts taken in for review');
      o.onStored();
    }
    // A signed answer to an earlier request (another run of governance) is taken in, but only ours end the wait.
    if (m.sync !== undefined && m.done === true && issued.has(m.sync)) {
      waiting.delete(gateway);
      if (waiting.size === 0) answeredAt = o.now();
      if (m.held === false) o.log.warn({ gateway }, 'the upstream holds no copy of this gateway: its break-glass writes cannot be reviewed from the upstream');
    }
    if ((ahead.get(gateway) ?? []).length > 0) syncSoon();
  };

  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  const onMessage = (topic: string, payload: Buffer) => {
    if (closed || gatewayOfFeedTopic(topic) === undefined) return;
    pending++;
    queue = queue
      .then(() => handle(topic, payload))
      .catch((err: Error) => o.log.error({ topic, err: err.message }, 'break-glass feed message not handled'))
      .finally(() => pending--);
  };
  o.client.on('message', onMessage);
  // Every reconnect: a catch-up (what happened while the broker or governance was away).
  let first = true;
  const onConnect = () => {
    if (!first) requestSync();
  };
  o.client.on('connect', onConnect);
  const subscribed = subscribeStrict(o.client, topics.bgFeedAll, 1).then(() => {
    first = false;
    requestSync();
  });
  subscribed.catch(() => undefined); // the caller awaits it

  return {
    stats,
    syncState: () => ({ waiting: [...waiting], askedAt, answeredAt, ...(lastRejected ? { lastRejected } : {}) }),
    subscribed,
    requestSync,
    async idle() {
      while (pending > 0) await queue;
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (gapTimer) clearTimeout(gapTimer);
      o.client.off('message', onMessage);
      o.client.off('connect', onConnect);
    },
  };
}
