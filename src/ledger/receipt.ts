/**
 * Receipt hashing, sealing and checking: pure functions, no storage.
 *
 *   hash = SHA-256("taogate-receipt-v1\0" || JCS({seq, prev, ts, kind, gateway, body}))
 *   sig  = Ed25519(gateway key, the 32 hash bytes), standard base64
 *
 * The domain prefix keeps a receipt hash from ever colliding with a hash of
 * another taogate record (TAO payloads, key ids, checkpoints).
 */
import { canonicalBytes } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { fromB64, toB64, toHex } from '../crypto/encoding.js';
import { sha256 } from '../crypto/hash.js';
import { nobleVerifySignature, verifySignature } from '../crypto/verify.js';
import { checkReceiptShape } from './shape.js';
import { GENESIS_PREV, type Receipt, type UnsignedReceipt } from './types.js';

export const RECEIPT_DOMAIN = 'taogate-receipt-v1\0';

export type VerifyImpl = 'node' | 'noble';

export type ReceiptProblemReason = 'malformed' | 'gap' | 'broken link' | 'time went backwards' | 'hash mismatch' | 'bad signature';

export interface ReceiptProblem {
  readonly reason: ReceiptProblemReason;
  readonly detail: string;
}

/** What a check needs to know about the receipt before this one. */
export interface PrevLink {
  readonly seq: number;
  readonly hash: string;
  /** When given, ts must not go backwards. */
  readonly ts?: number;
}

/** The hashed fields: kid only when the receipt has one (receipts before key ids hash as they always did). */
export function receiptHash(r: UnsignedReceipt): Uint8Array {
  const { seq, prev, ts, kind, gateway, kid, body } = r;
  return sha256(RECEIPT_DOMAIN, canonicalBytes(kid === undefined ? { seq, prev, ts, kind, gateway, body } : { seq, prev, ts, kind, gateway, kid, body }));
}

/** Seals a receipt with the signer's key; the receipt names that key (kid). */
export function sealReceipt(r: Omit<UnsignedReceipt, 'kid'>, signer: Signer): Receipt {
  const { seq, prev, ts, kind, gateway, body } = r;
  const kid = signer.keyId;
  const hash = receiptHash({ seq, prev, ts, kind, gateway, kid, body });
  return { seq, prev, ts, kind, gateway, kid, body, hash: toHex(hash), sig: toB64(signer.sign(hash)) };
}

/**
 * Checks one receipt against its predecessor (null for seq 0) and the
 * gateway's public key, in order: shape, sequence, link, time, hash,
 * signature. Returns null when it holds, else the first problem. Never throws.
 */
export function checkReceipt(r: Receipt, prev: PrevLink | null, publicKey: Uint8Array, impl: VerifyImpl = 'node'): ReceiptProblem | null {
  const shape = checkReceiptShape(r);
  if (shape) return { reason: 'malformed', detail: shape };
  return checkLink(r, prev) ?? checkSeal(r, publicKey, impl);
}

/** Sequence, link and time of a (well-shaped) receipt against its predecessor (null for seq 0). */
export function checkLink(r: Pick<Receipt, 'seq' | 'prev' | 'ts'>, prev: PrevLink | null): ReceiptProblem | null {
  const expectedSeq = prev ? prev.seq + 1 : 0;
  if (r.seq !== expectedSeq) {
    return { reason: 'gap', detail: r.seq > expectedSeq ? `expected seq ${expectedSeq}, found seq ${r.seq}` : `seq ${r.seq} does not follow seq ${expectedSeq - 1}` };
  }

  const expectedPrev = prev ? prev.hash : GENESIS_PREV;
  if (r.prev !== expectedPrev) return { reason: 'broken link', detail: `prev ${r.prev} is not the previous hash ${expectedPrev}` };

  if (prev?.ts !== undefined && r.ts < prev.ts) return { reason: 'time went backwards', detail: `ts ${r.ts} is before the previous ts ${prev.ts}` };
  return null;
}

/**
 * Hash and signature of a (well-shaped) receipt: the reference check, which
 * canonicalizes the parsed fields. Never throws.
 */
export function checkSeal(r: Receipt, publicKey: Uint8Array, impl: VerifyImpl = 'node'): ReceiptProblem | null {
  let hash: Uint8Array;
  try {
    hash = receiptHash(r);
  } catch (err) {
    return { reason: 'malformed', detail: `body is not canonical JSON: ${(err as Error).message}` };
  }
  const computed = toHex(hash);
  if (computed !== r.hash) return { reason: 'hash mismatch', detail: `stored hash ${r.hash}, computed ${computed}` };

  const sig = fromB64(r.sig); // the shape check made sure this decodes to 64 bytes
  // The key's encoding names its algorithm (Ed25519 or P-256, src/crypto/alg.ts).
  const verify = impl === 'noble' ? nobleVerifySignature : verifySignature;
  if (!verify(publicKey, hash, sig)) return { reason: 'bad signature', detail: `signature does not verify under the key of gateway '${r.gateway}'` };
  return null;
}

