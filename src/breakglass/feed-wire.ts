/**
 * The break-glass feed: how the upstream tells governance about every
 * break-glass receipt of a gateway's chain (docs/mqtt.md "Break-glass feed").
 *
 *   upstream   -> taogate/v1/bg/<gw>/feed   FeedMessage: the break-glass receipts in seq from..to
 *   governance -> taogate/v1/bg/sync        SyncRequest: "send me everything from seq N on" per gateway
 *
 * A feed message is a claim by the upstream: "these are ALL the break-glass
 * receipts (window open and close, intents on the break-glass path, their
 * outcomes and settlements) of <gw>'s chain in seq from..to". The upstream
 * signs the claim (its key, role `upstream`) over the receipt hashes, so a
 * governance cursor only ever moves on a claim the upstream stands behind;
 * every receipt in it is still checked against the gateway's own signature.
 *
 *   sig = SIGN(upstream key kid, JCS({typ, gateway, from, to, hashes, sync?, done?}))
 */
import { canonicalBytes, type Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/alg.js';
import { fromB64, toB64 } from '../crypto/encoding.js';
import type { Receipt } from '../ledger/types.js';

export const FEED_TYP = 'taogate.breakglass-feed.v1';

/** Largest receipts payload put in one feed message (the broker's packet limit is 256 KiB). */
export const FEED_CHUNK_BYTES = 96 * 1024;

export interface FeedClaim {
  readonly gateway: string;
  /** First seq the claim covers (inclusive). */
  readonly from: number;
  /** Last seq the claim covers (inclusive; from - 1 when it covers nothing). */
  readonly to: number;
  /** The id of the sync request this answers (absent: a live message). */
  readonly sync?: string;
  /** The last message of a sync answer for this gateway. */
  readonly done?: boolean;
  /** false: the upstream holds no copy of this gateway (only on a sync answer). */
  readonly held?: boolean;
}

export interface FeedMessage extends FeedClaim {
  readonly t: 'bg';
  readonly receipts: readonly Receipt[];
  readonly kid: string;
  readonly sig: string;
}

export interface SyncRequest {
  readonly t: 'sync';
  /** Random id, echoed by the answers. */
  readonly id: string;
  /** Per gateway id: the first seq wanted (cursor + 1). */
  readonly from: Readonly<Record<string, number>>;
}

function claimBytes(c: FeedClaim, hashes: readonly string[]): Uint8Array {
  const body: { [k: string]: Json } = { typ: FEED_TYP, gateway: c.gateway, from: c.from, to: c.to, hashes: [...hashes] };
  if (c.sync !== undefined) body.sync = c.sync;
  if (c.done !== undefined) body.done = c.done;
  if (c.held !== undefined) body.held = c.held;
  return canonicalBytes(body);
}

export function signFeedMessage(c: FeedClaim, receipts: readonly Receipt[], signer: Signer): FeedMessage {
  const sig = toB64(signer.sign(claimBytes(c, receipts.map((r) => r.hash))));
  return { t: 'bg', ...c, receipts: [...receipts], kid: signer.keyId, sig };
}

/** The bytes the upstream signed and its signature, for a verifier. */
export function feedSignedBytes(m: FeedMessage): { message: Uint8Array; signature: Uint8Array } {
  return { message: claimBytes(m, m.receipts.map((r) => r.hash)), signature: fromB64(m.sig) };
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(payload: Buffer | string): unknown {
  try {
    return JSON.parse(payload.toString()) as unknown;
  } catch {
    return undefined;
  }
}

/** A feed message's shape (not its signatures); a string says what is wrong. */
export function parseFeedMessage(payload: Buffer | string): FeedMessage | string {
  const m = parseJson(payload);
  if (!isObject(m)) return 'not a JSON object';
  if (m.t !== 'bg') return `t is ${JSON.stringify(m.t)}, expected "bg"`;
  if (typeof m.gateway !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(m.gateway)) return 'gateway is not a gateway id';
  if (!isSeq(m.from) || typeof m.to !== 'number' || !Number.isSafeInteger(m.to) || m.to < m.from - 1) return 'from/to is not a seq range';
  if (!Array.isArray(m.receipts) || !m.receipts.every(isObject)) return 'receipts is not an array of objects';
  if (typeof m.kid !== 'string' || typeof m.sig !== 'string') return 'kid/sig missing';
  if (m.sync !== undefined && (typeof m.sync !== 'string' || !/^[0-9a-f]{32}$/.test(m.sync))) return 'sync is not a request id';
  if (m.done !== undefined && typeof m.done !== 'boolean') return 'done is not a boolean';
  if (m.held !== undefined && typeof m.held !== 'boolean') return 'held is not a boolean';
  return m as unknown as FeedMessage;
}

export function parseSyncRequest(payload: Buffer | string): SyncRequest | string {
  const m = parseJson(payload);
  if (!isObject(m) || m.t !== 'sync') return 'not a sync request';
  if (typeof m.id !== 'string' || !/^[0-9a-f]{32}$/.test(m.id)) return 'id is not a request id';
  if (!isObject(m.from)) return 'from is not an object';
  const from: Record<string, number> = {};
  for (const [gw, seq] of Object.entries(m.from)) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(gw) || !isSeq(seq)) return `from.${gw} is not a seq`;
    from[gw] = seq;
  }
  return { t: 'sync', id: m.id, from };
}
