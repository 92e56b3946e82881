/**
 * The LevelDB key layout of a ledger dir (utf8 keys and values):
 *
 *   r!<seq as 16 hex digits>  -> receipt JSON             (the chain; sorts by seq)
 *   j!<jti>                   -> seq that consumed it     (single-use TAOs)
 *   i!<seq as 16 hex digits>  -> '1'                      (intents with no outcome yet; dirs written
 *                                                          before 2026-12-04 hold '', read the same)
 *   s!<jti>                   -> {envelope, exp, seq}     (staged pre-issued TAOs)
 *   h                         -> {seq, hash}              (the head, written in every batch)
 *   x!<name>                  -> text                     (side keys: replication cursor, cosignatures,
 *                                                          upstream state; never part of a receipt batch)
 *
 * Everything but r! is an index that a batch keeps in step with the receipts
 * it appends; the receipts alone are the evidence.
 *
 * No value is ever empty: classic-level 3.0.0 copies every string key and
 * value into a `new char[]` and frees the copy only when it is not empty
 * (`DisposeSliceBuffer` in its binding.cc), so each empty value written
 * keeps one native allocation (32 bytes with glibc) for the life of the
 * process. One per gated write was most of the gateway's native memory
 * growth (docs/performance.md, "Gateway memory (2026-12-04)").
 */
export const HEAD_KEY = 'h';
export const RECEIPT_PREFIX = 'r!';
export const JTI_PREFIX = 'j!';
export const INTENT_PREFIX = 'i!';
export const STAGED_PREFIX = 's!';
/** The value of an open intent's index key (never empty: see above). */
export const INTENT_OPEN = '1';
/** Side keys: state about the chain that is not evidence (see Ledger.side*). */
export const SIDE_PREFIX = 'x!';
/** Side-key name of the upstream's cosigned checkpoint note of a tree size (written by the replicator and the upstream copy, read by bundles). */
export const COSIG_PREFIX = 'cosig/';

const SEQ_DIGITS = 16;
const SEQ_KEY = /^[0-9a-f]{16}$/;

export function seqHex(seq: number): string {
  return seq.toString(16).padStart(SEQ_DIGITS, '0');
}

export const receiptKey = (seq: number): string => RECEIPT_PREFIX + seqHex(seq);
export const jtiKey = (jti: string): string => JTI_PREFIX + jti;
export const intentKey = (seq: number): string => INTENT_PREFIX + seqHex(seq);
export const stagedKey = (jti: string): string => STAGED_PREFIX + jti;
export const cosigName = (size: number): string => COSIG_PREFIX + seqHex(size);

/** The seq in a prefixed seq key, or NaN when the key is not one. */
export function seqOfKey(key: string, prefix: string): number {
  const digits = key.slice(prefix.length);
  if (!key.startsWith(prefix) || !SEQ_KEY.test(digits)) return Number.NaN;
  const seq = parseInt(digits, 16);
  return Number.isSafeInteger(seq) ? seq : Number.NaN;
}

/** Iterator bounds for every key of a prefix. */
export function prefixRange(prefix: string): { gt: string; lt: string } {
  return { gt: prefix, lt: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) };
}

/** Iterator bounds for receipts from..to (inclusive). */
export function receiptRange(from: number, to: number): { gte: string; lte: string } {
  return { gte: receiptKey(from), lte: receiptKey(to) };
}

export interface StoredHead {
  seq: number;
  hash: string;
}

/** Parses the head value; null when it is not {seq, hash}. */
export function parseHead(raw: string): StoredHead | null {
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const { seq, hash } = v as Record<string, unknown>;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < -1 || typeof hash !== 'string') return null;
    return { seq, hash };
  } catch {
    return null;
  }
}
