/**
 * Signed request messages between gateway / actors and governance. The MQTT
 * broker authenticates connections, but governance does not trust the broker
 * to tell it WHO proposed: a gateway signs its inline proposals with its own
 * key, and an actor signs its pre-issued TAO requests with its actor key.
 *
 *   { msg: { typ, ts, nonce, ... }, kid, sig }   sig = SIGN(key kid, canonical(msg)), the key's alg (Ed25519 or ES256)
 *
 * Governance checks the key's role and name, the freshness of ts and that
 * the nonce was not seen before (replay within the freshness window).
 */
import { randomBytes } from 'node:crypto';
import { canonicalBytes, type Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/alg.js';
import { verifySignature } from '../crypto/verify.js';
import { fromB64, toB64 } from '../crypto/encoding.js';
import type { KeyRole } from '../crypto/keyfile.js';
import type { RefusalCode } from '../refusal/codes.js';
import type { TrustStore } from './truststore.js';

/** Message types (msg.typ) and who signs them. */
export const MESSAGE_TYPES = {
  /** A gateway's inline proposal; signed by the gateway key. */
  propose: 'taogate.propose.v1',
  /** An actor's request for a pre-issued TAO; signed by the actor key. */
  taoRequest: 'taogate.tao-request.v1',
  /** A person's settlement of an indeterminate outcome; signed by their approver key. */
  settle: 'taogate.settle.v1',
  /** A supervisor's after-action review of a break-glass window; signed by their approver key. */
  breakglassReview: 'taogate.breakglass-review.v1',
} as const;

export interface SignedMessage {
  readonly msg: { readonly typ: string; readonly ts: number; readonly nonce: string; readonly [k: string]: Json };
  readonly kid: string;
  readonly sig: string;
}

export function signMessage(typ: string, fields: { [k: string]: Json }, signer: Signer, nowMs = Date.now()): SignedMessage {
  const msg = { ...fields, typ, ts: Math.floor(nowMs / 1000), nonce: randomBytes(16).toString('hex') };
  return { msg, kid: signer.keyId, sig: toB64(signer.sign(canonicalBytes(msg))) };
}

export type SignedCheck =
  | { readonly ok: true; readonly msg: SignedMessage['msg']; readonly signer: string }
  | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

export interface SignedCheckOptions {
  readonly trust: TrustStore;
  readonly typ: string;
  readonly role: KeyRole;
  /** The key's name must equal this (the actor id, the gateway id). */
  readonly expectedSigner: (msg: SignedMessage['msg']) => string | undefined;
  readonly nowSeconds: number;
  readonly maxAgeSeconds: number;
  readonly nonces: NonceCache;
}

export function checkSignedMessage(input: unknown, o: SignedCheckOptions): SignedCheck {
  if (!isSigned(input)) return { ok: false, code: 'not_authenticated', reason: 'request is not a signed message {msg, kid, sig}' };
  const { msg, kid, sig } = input;
  if (msg.typ !== o.typ) return { ok: false, code: 'not_authenticated', reason: `expected a ${o.typ} message, got ${String(msg.typ)}` };
  const key = o.trust.lookup(kid, o.role, o.nowSeconds);
  if (!key) return { ok: false, code: 'not_authenticated', reason: `key ${kid} is not a valid ${o.role} key in the trust store` };
  const expected = o.expectedSigner(msg);
  if (expected === undefined || key.name !== expected) return { ok: false, code: 'not_authenticated', reason: `key ${kid} belongs to ${key.name}, not ${String(expected)}` };
  let bytes: Uint8Array;
  let signature: Uint8Array;
  try {
    bytes = canonicalBytes(msg);
    signature = fromB64(sig);
  } catch (err) {
    return { ok: false, code: 'not_authenticated', reason: `unsignable message: ${(err as Error).message}` };
  }
  if (!verifySignature(key.publicKey, bytes, signature)) return { ok: false, code: 'not_authenticated', reason: `signature of ${key.name} does not verify` };
  if (Math.abs(o.nowSeconds - msg.ts) > o.maxAgeSeconds) return { ok: false, code: 'expired', reason: `request time ${msg.ts} is more than ${o.maxAgeSeconds}s from now` };
  if (!o.nonces.firstUse(`${key.name}:${msg.nonce}`, o.nowSeconds + o.maxAgeSeconds, o.nowSeconds)) return { ok: false, code: 'consumed', reason: 'request replayed (nonce already seen)' };
  return { ok: true, msg, signer: key.name };
}

function isSigned(x: unknown): x is SignedMessage {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  const msg = o.msg as Record<string, unknown> | undefined;
  return (
    typeof o.kid === 'string' &&
    typeof o.sig === 'string' &&
    typeof msg === 'object' &&
    msg !== null &&
    typeof msg.typ === 'string' &&
    Number.isSafeInteger(msg.ts) &&
    typeof msg.nonce === 'string' &&
    /^[0-9a-f]{32}$/.test(msg.nonce)
  );
}

/**
 * Remembers nonces until they expire (never forgets one earlier: a replay
 * within the freshness window is always refused). Expired nonces are dropped
 * from the oldest on every use, O(expired): nonces arrive in expiry order, as
 * each expires a fixed time after the clock it was seen at. A full scan
 * (for entries out of order after a clock step) runs only when more than
 * `max` are held, and again only once the count has doubled, so a sustained
 * rate above max per window (100,000 per 60 s: 1,667 proposals/s) no longer
 * scans the whole map on every request.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private scannedAt = 0;

  constructor(private readonly max = 100_000) {}

  firstUse(nonce: string, expiresAt: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
    if (this.seen.has(nonce)) return false;
    for (const [k, exp] of this.seen) {
      if (exp >= nowSeconds) break;
      this.seen.delete(k);
    }
    if (this.seen.size >= this.max && this.seen.size >= 2 * this.scannedAt) {
      this.prune(nowSeconds);
      this.scannedAt = this.seen.size;
    }
    this.seen.set(nonce, expiresAt);
    return true;
  }

  prune(nowSeconds: number): void {
    for (const [k, exp] of this.seen) if (exp < nowSeconds) this.seen.delete(k);
  }

  get size(): number {
    return this.seen.size;
  }
}
