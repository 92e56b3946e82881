/**
 * The upstream's side of the break-glass feed (src/breakglass/feed-wire.ts):
 *
 * - live: after each batch of a gateway's chain is verified and stored, the
 *   break-glass receipts in it go to `taogate/v1/bg/<gw>/feed`, as a claim
 *   covering every seq since the last claim (so a quiet stretch of ordinary
 *   receipts needs no message, and governance sees no gap across it);
 * - catch-up: a sync request from governance (`taogate/v1/bg/sync`, a
 *   first seq per gateway) is answered by scanning the stored copy from
 *   there to its head: the same messages, marked with the request id, the
 *   last one `done`.
 *
 * Publishing is fire-and-forget with a logged failure: a lost message shows
 * as a gap at governance, which then asks for a catch-up.
 */
import type { MqttClient } from 'mqtt';
import type { Signer } from '../crypto/alg.js';
import { FEED_CHUNK_BYTES, parseSyncRequest, signFeedMessage, type FeedClaim } from '../breakglass/feed-wire.js';
import { BreakglassClassifier } from '../breakglass/relevance.js';
import type { Receipt } from '../ledger/types.js';
import { isSegment, subscribeStrict, topics } from '../mqtt/index.js';
import type { GatewayCopy } from './gateway-copy.js';
import type { ReplLogger } from './log.js';

export interface BreakglassFeedOptions {
  readonly client: MqttClient;
  readonly copies: ReadonlyMap<string, GatewayCopy>;
  readonly signer: Signer;
  readonly log: ReplLogger;
}

export interface BreakglassFeed {
  /** After a batch was stored (in the upstream's message order): announce its break-glass receipts. */
  applied(copy: GatewayCopy, added: readonly Receipt[]): Promise<void>;
  /** Resolves once the sync subscription is granted (rejects when the broker's ACL refuses it). */
  readonly subscribed: Promise<void>;
  /** Resolves when every sync request received so far is answered. */
  idle(): Promise<void>;
  close(): void;
}

/** At most this many gateways are answered per sync request. */
const MAX_SYNC_GATEWAYS = 256;

function intentReader(copy: GatewayCopy): (seq: number) => Promise<Receipt | undefined> {
  return async (seq) => {
    for await (const r of copy.iterate(seq, seq)) return r;
    return undefined;
  };
}

/** Split a claim over from..to into messages of at most FEED_CHUNK_BYTES of receipts, contiguous, in order. */
export function chunkClaim(claim: FeedClaim, receipts: readonly Receipt[]): { claim: FeedClaim; receipts: Receipt[] }[] {
  const out: { claim: FeedClaim; receipts: Receipt[] }[] = [];
  const { done, ...base } = claim;
  let from = claim.from;
  let group: Receipt[] = [];
  let bytes = 0;
  for (const r of receipts) {
    const size = JSON.stringify(r).length;
    if (group.length > 0 && bytes + size > FEED_CHUNK_BYTES) {
      const to = group[group.length - 1]!.seq;
      out.push({ claim: { ...base, from, to }, receipts: group });
      from = to + 1;
      group = [];
      bytes = 0;
    }
    group.push(r);
    bytes += size;
  }
  out.push({ claim: { ...base, from, to: claim.to, ...(done !== undefined ? { done } : {}) }, receipts: group });
  return out;
}

export function startBreakglassFeed(o: BreakglassFeedOptions): BreakglassFeed {
  const live = new Map<string, { lastFed: number; classifier: BreakglassClassifier }>();
  for (const copy of o.copies.values()) {
    const held = copy.held.seq;
    live.set(copy.gateway, { lastFed: held, classifier: new BreakglassClassifier(held + 1, intentReader(copy)) });
  }

  const publish = (claim: FeedClaim, receipts: readonly Receipt[]) => {
    for (const part of chunkClaim(claim, receipts)) {
      const msg = signFeedMessage(part.claim, part.receipts, o.signer);
      o.client.publishAsync(topics.bgFeed(claim.gateway), JSON.stringify(msg), { qos: 1 }).catch((err: Error) => o.log.warn({ gateway: claim.gateway, from: part.claim.from, to: part.claim.to, err: err.message }, 'upstream: break-glass feed message not published'));
    }
  };

  const applied = async (copy: GatewayCopy, added: readonly Receipt[]): Promise<void> => {
    const state = live.get(copy.gateway);
    if (!state || added.length === 0) return;
    const relevant: Receipt[] = [];
    for (const r of added) {
      const v = state.classifier.relevant(r);
      if (v === true || (v !== false && (await v))) relevant.push(r);
    }
    if (relevant.length === 0) return;
    const to = added[added.length - 1]!.seq;
    publish({ gateway: copy.gateway, from: state.lastFed + 1, to }, relevant);
    o.log.info({ gateway: copy.gateway, receipts: relevant.map((r) => r.seq) }, 'upstream: break-glass receipts announced to governance');
    state.lastFed = to;
  };

  const answer = async (id: string, gateway: string, from: number): Promise<void> => {
    const copy = o.copies.get(gateway);
    if (!copy) {
      publish({ gateway, from, to: from - 1, sync: id, done: true, held: false }, []);
      return;
    }
    const head = copy.held.seq;
    const classifier = new BreakglassClassifier(from, intentReader(copy));
    const relevant: Receipt[] = [];
    for await (const r of copy.iterate(from, head)) if (await classifier.relevant(r)) relevant.push(r);
    publish({ gateway, from, to: Math.max(head, from - 1), sync: id, done: true }, relevant);
    o.log.info({ gateway, from, to: head, receipts: relevant.length }, 'upstream: break-glass catch-up answered');
  };

  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  let closed = false;
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic !== topics.bgSync || closed) return;
    const req = parseSyncRequest(payload);
    if (typeof req === 'string') {
      o.log.warn({ topic, reason: req, bytes: payload.length }, 'upstream: break-glass sync request ignored');
      return;
    }
    const wanted = Object.entries(req.from).filter(([gw]) => isSegment(gw)).slice(0, MAX_SYNC_GATEWAYS);
    pending++;
    queue = queue
      .then(async () => {
        for (const [gw, from] of wanted) await answer(req.id, gw, from);
      })
      .catch((err: Error) => o.log.error({ err: err.message, sync: req.id }, 'upstream: break-glass sync request failed'))
      .finally(() => pending--);
  };
  o.client.on('message', onMessage);
  const subscribed = subscribeStrict(o.client, topics.bgSync, 1);
  subscribed.catch(() => undefined); // the caller awaits it

  return {
    applied,
    subscribed,
    async idle() {
      while (pending > 0) await queue;
    },
    close() {
      closed = true;
      o.client.off('message', onMessage);
    },
  };
}
