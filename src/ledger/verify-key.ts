/**
 * Which key verifies a receipt, and whether it was valid when the receipt
 * was signed (issue 11, defect 8). Pure; the caller's lookup reads its trust
 * store. A receipt names its key (`kid`); receipts written before key ids
 * existed name none and are checked against the gateway's key found by name.
 *
 * Validity windows are in seconds (trust store), receipt times in ms: a key
 * verifies a receipt when notBefore <= ts/1000 <= notAfter and, when it was
 * revoked, ts/1000 < revokedAt. A lookup may return a bare public key
 * (no window: always valid).
 */
import type { Receipt } from './types.js';
import type { BadRecord } from './verify-record.js';

export interface ReceiptKey {
  readonly publicKey: Uint8Array;
  /** Valid from this second on (inclusive). */
  readonly notBefore?: number;
  /** Valid up to and including this second. */
  readonly notAfter?: number;
  /** Revoked from this second on: receipts signed at or after it fail. */
  readonly revokedAt?: number;
}

/** The key of gateway `gateway` with key id `kid` (undefined kid: the gateway's key by name). */
export type KeyLookup = (gateway: string, kid?: string) => Uint8Array | ReceiptKey | undefined;

/** How the verifier files a looked-up key: gateway and kid ('' for none). */
export function keyRef(r: Pick<Receipt, 'gateway' | 'kid'>): string {
  return `${r.gateway}\n${r.kid ?? ''}`;
}

export function splitRef(ref: string): { gateway: string; kid?: string } {
  const i = ref.lastIndexOf('\n');
  const kid = ref.slice(i + 1);
  return { gateway: ref.slice(0, i), ...(kid ? { kid } : {}) };
}

/** Runs a lookup; a lookup that throws or returns nothing is no key. */
export function lookupKey(keyFor: KeyLookup, ref: string): ReceiptKey | null {
  const { gateway, kid } = splitRef(ref);
  let k: Uint8Array | ReceiptKey | undefined;
  try {
    k = keyFor(gateway, kid);
  } catch {
    k = undefined;
  }
  if (!k) return null;
  if (k instanceof Uint8Array) return { publicKey: k };
  const { publicKey, notBefore, notAfter, revokedAt } = k;
  return { publicKey, ...(notBefore !== undefined && { notBefore }), ...(notAfter !== undefined && { notAfter }), ...(revokedAt !== undefined && { revokedAt }) };
}

/** The key's window at the receipt's time, or the problem. */
export function keyWindowProblem(r: Receipt, key: ReceiptKey): BadRecord | null {
  const at = Math.floor(r.ts / 1000);
  const which = r.kid ? `key ${r.kid}` : `the key of gateway '${r.gateway}'`;
  if (key.revokedAt !== undefined && at >= key.revokedAt) return { bad: r.seq, reason: `revoked key: ${which} was revoked at ${iso(key.revokedAt)}, the receipt is signed at ${iso(at)}` };
  if (key.notBefore !== undefined && at < key.notBefore) return { bad: r.seq, reason: `key not yet valid: ${which} is valid from ${iso(key.notBefore)}, the receipt is signed at ${iso(at)}` };
  if (key.notAfter !== undefined && at > key.notAfter) return { bad: r.seq, reason: `key expired: ${which} was valid until ${iso(key.notAfter)}, the receipt is signed at ${iso(at)}` };
  return null;
}

function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}
