/**
 * The per-record checks of the verifier, shared by the main thread and the
 * verify workers (pure functions, no storage). In chain order, per record:
 *
 *   checkKey    storage key is a seq, no gap, no repeat     (reader side)
 *   parseRecord JSON, shape, seq == storage key
 *   lookupKey   the gateway has a public key
 *   checkLink   sequence, link, time                        (receipt.ts)
 *   sealProblem hash, signature
 *
 * sealProblem first tries a fast path and only trusts it when it says yes:
 * the stored text is hashed as JSON.stringify of the parsed fields (native,
 * ~5x cheaper than the canonicalizer), accepted only when that hash equals
 * the stored hash, the signature verifies over it AND the stored text is
 * exactly JSON.stringify of the parsed receipt (the writer's own form, so it
 * holds no -0, no duplicate keys, no stray whitespace). Why that is enough:
 * the gateway signs only hashes of canonical bytes, so a valid signature means
 * the stringified bytes ARE the canonical bytes of what the gateway sealed,
 * which parse back to exactly these field values; the reference check would
 * canonicalize the same values to the same bytes. Anything else (a non-canonical
 * key order, a float written as 1.0, any mismatch or bad signature) takes the
 * reference check (checkSeal), so every failure and every reason is the
 * reference's own.
 */
import { createHash } from 'node:crypto';
import { nobleVerifySignature, verifySignature } from '../crypto/verify.js';
import { checkSeal, RECEIPT_DOMAIN, type ReceiptProblem, type VerifyImpl } from './receipt.js';
import { checkReceiptShape } from './shape.js';
import type { Receipt } from './types.js';

/** A record that failed: the seq it names and the report's reason text. */
export interface BadRecord {
  readonly bad: number;
  readonly reason: string;
}

/** The storage key against the seq the chain expects next (count so far). */
export function checkKey(key: number, expected: number): BadRecord | null {
  if (!Number.isSafeInteger(key)) return { bad: expected, reason: `the record after seq ${expected - 1} is stored under a key that is not a seq` };
  if (key > expected) return { bad: expected, reason: `gap: seq ${expected} is missing (the next stored receipt is under key ${key})` };
  if (key < expected) return { bad: key, reason: `storage key ${key} repeats or goes backwards (expected ${expected})` };
  return null;
}

/** JSON, shape, and seq == storage key. */
export function parseRecord(key: number, raw: string): Receipt | BadRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { bad: key, reason: `malformed receipt JSON: ${(err as Error).message}` };
  }
  const shape = checkReceiptShape(parsed);
  if (shape) return { bad: key, reason: `malformed receipt: ${shape}` };
  const r = parsed as Receipt;
  if (r.seq !== key) return { bad: key, reason: `stored under key ${key} but says seq ${r.seq}` };
  return r;
}

export function unknownKey(r: Receipt): BadRecord {
  return { bad: r.seq, reason: r.kid ? `unknown gateway key: no key ${r.kid} of gateway '${r.gateway}' in the trust store` : `unknown gateway key: no public key for gateway '${r.gateway}'` };
}

export function problemAt(seq: number, problem: ReceiptProblem): BadRecord {
  return { bad: seq, reason: `${problem.reason}: ${problem.detail}` };
}

/** Hash and signature of a well-shaped receipt read from `raw`: the fast path when it says yes, else the reference check. */
export function sealProblem(r: Receipt, raw: string, publicKey: Uint8Array, impl: VerifyImpl): ReceiptProblem | null {
  return fastSealOk(r, raw, publicKey, impl) ? null : checkSeal(r, publicKey, impl);
}

function fastSealOk(r: Receipt, raw: string, publicKey: Uint8Array, impl: VerifyImpl): boolean {
  try {
    // The shape check made seq and ts plain integers, kind a bare word, prev/hash hex and sig base64:
    // only gateway and body need JSON escaping.
    const { seq, prev, ts, kind, kid, hash, sig } = r;
    const gateway = JSON.stringify(r.gateway);
    const body = JSON.stringify(r.body);
    // kid, when present, is 32 hex digits (shape check): no escaping either.
    const kidField = kid === undefined ? '' : `"kid":"${kid}",`;
    // The stored text must be exactly the writer's JSON.stringify(receipt).
    if (raw !== `{"seq":${seq},"prev":"${prev}","ts":${ts},"kind":"${kind}","gateway":${gateway},${kidField}"body":${body},"hash":"${hash}","sig":"${sig}"}`) return false;
    // The hashed fields, top-level keys in code-unit order as in the canonical form.
    const text = `{"body":${body},"gateway":${gateway},${kidField}"kind":"${kind}","prev":"${prev}","seq":${seq},"ts":${ts}}`;
    const digest = createHash('sha256').update(RECEIPT_DOMAIN).update(text).digest();
    if (digest.toString('hex') !== hash) return false;
    const verify = impl === 'noble' ? nobleVerifySignature : verifySignature;
    return verify(publicKey, digest, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}
