/**
 * Verifies a receipt chain read through a RecordSource. Checks, in order, per
 * record: storage key (gaps), JSON, shape, seq == storage key (swaps), gateway
 * key known, then checkReceipt (link, time, hash, signature); finally that the
 * storage's head pointer names the last receipt (truncated tails). Stops at
 * the FIRST bad seq and says why. Untrusted input never makes it throw; only
 * a source that cannot be read at all does.
 */
import { parseHead } from './keys.js';
import { checkReceipt, type PrevLink, type VerifyImpl } from './receipt.js';
import { checkReceiptShape } from './shape.js';
import type { RecordSource } from './sources.js';
import { GENESIS_PREV, type Receipt } from './types.js';

export type { RawRecord, RecordSource } from './sources.js';
export { jsonlRecords, levelRecords } from './sources.js';

export interface VerifyReport {
  ok: boolean;
  /** Receipts that verified as a chain (when broken inside the chain: those before firstBad). */
  count: number;
  /** Hash of the last receipt that verified (64 zeros when none). */
  head: string;
  /** The first bad seq. */
  firstBad?: number;
  reason?: string;
  /** Findings that do not break the chain (e.g. a missing head pointer). */
  warnings?: string[];
}

export interface VerifyOptions {
  onProgress?: (n: number, total?: number) => void;
  impl?: VerifyImpl;
}

export type KeyLookup = (gateway: string) => Uint8Array | undefined;

export async function verifyRecords(src: RecordSource, keyFor: KeyLookup, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const impl = opts.impl ?? 'node';
  let prev: PrevLink | null = null;
  let count = 0;
  const broken = (firstBad: number, reason: string): VerifyReport => ({ ok: false, count, head: prev?.hash ?? GENESIS_PREV, firstBad, reason });

  for await (const rec of src) {
    const expected = count;
    const verdict = checkRecord(rec.key, rec.raw, expected, prev, keyFor, impl);
    if ('bad' in verdict) return broken(verdict.bad, verdict.reason);
    prev = { seq: verdict.seq, hash: verdict.hash, ts: verdict.ts };
    count++;
    opts.onProgress?.(count, totalHint(src));
  }
  return checkHead(src, count, prev, broken);
}

type RecordVerdict = Receipt | { bad: number; reason: string };

function checkRecord(key: number, raw: string, expected: number, prev: PrevLink | null, keyFor: KeyLookup, impl: VerifyImpl): RecordVerdict {
  if (!Number.isSafeInteger(key)) return { bad: expected, reason: `the record after seq ${expected - 1} is stored under a key that is not a seq` };
  if (key > expected) return { bad: expected, reason: `gap: seq ${expected} is missing (the next stored receipt is under key ${key})` };
  if (key < expected) return { bad: key, reason: `storage key ${key} repeats or goes backwards (expected ${expected})` };
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
  let publicKey: Uint8Array | undefined;
  try {
    publicKey = keyFor(r.gateway);
  } catch {
    publicKey = undefined;
  }
  if (!publicKey) return { bad: key, reason: `unknown gateway key: no public key for gateway '${r.gateway}'` };
  const problem = checkReceipt(r, prev, publicKey, impl);
  if (problem) return { bad: key, reason: `${problem.reason}: ${problem.detail}` };
  return r;
}

function totalHint(src: RecordSource): number | undefined {
  const raw = src.storedHead?.();
  const head = raw ? parseHead(raw) : null;
  return head ? head.seq + 1 : undefined;
}

/** The head pointer must name exactly the last receipt: a head further on means receipts were cut off. */
function checkHead(src: RecordSource, count: number, last: PrevLink | null, broken: (firstBad: number, reason: string) => VerifyReport): VerifyReport {
  const hash = last?.hash ?? GENESIS_PREV;
  const ok: VerifyReport = { ok: true, count, head: hash };
  const raw = src.storedHead?.();
  if (raw === undefined) return ok;
  if (raw === null) return count === 0 ? ok : { ...ok, warnings: [`no stored head pointer; the chain ends at seq ${count - 1}`] };
  const head = parseHead(raw);
  if (!head) return broken(count, `the stored head is not {seq, hash}: ${raw.slice(0, 80)}`);
  const lastSeq = count - 1;
  if (head.seq > lastSeq) return broken(lastSeq + 1, `truncated: the stored head says seq ${head.seq} but the last receipt is seq ${lastSeq}`);
  if (head.seq < lastSeq) return broken(head.seq + 1, `receipt ${head.seq + 1} is past the stored head (seq ${head.seq})`);
  if (head.hash !== hash) return broken(lastSeq, `the stored head hash ${head.hash} is not the hash ${hash} of receipt ${lastSeq}`);
  return ok;
}

