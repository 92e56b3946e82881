/**
 * One chunk of consecutive records, checked apart from the rest of the chain
 * (what a verify worker runs; a pure function, so it also runs in-process).
 *
 * The reader already checked the storage keys: the chunk holds seqs base,
 * base+1, ... in order. Every record gets every check of verify-record.ts,
 * except that the FIRST record's link and time cannot be checked here (its
 * predecessor is in another chunk): the chunk reports that record's prev and
 * ts instead and the merger checks them, in the same place of the order
 * (after the key lookup, before the hash).
 */
import { checkLink, type PrevLink, type VerifyImpl } from './receipt.js';
import { parseRecord, problemAt, sealProblem, unknownKey, type BadRecord } from './verify-record.js';
import { keyRef, keyWindowProblem, type ReceiptKey } from './verify-key.js';

export interface ChunkJob {
  /** Seq of the first record. */
  readonly base: number;
  /** The stored texts, concatenated (one string clones as one copy). */
  readonly text: string;
  /** Length (UTF-16 code units) of each record's text in `text`. */
  readonly lens: Uint32Array;
  /** Keys the main thread looked up so far, by key reference (verify-key.ts keyRef); null: the lookup found none. */
  readonly keys: ReadonlyArray<readonly [string, ReceiptKey | null]>;
  readonly impl: VerifyImpl;
}

export interface ChunkResult {
  /** Records that passed, from the first (all of them when nothing stopped the chunk). */
  readonly verified: number;
  /** Hash and ts of the last record that passed. */
  readonly last?: { readonly hash: string; readonly ts: number };
  /** prev and ts of the first record, when it got as far as its link check. */
  readonly first?: { readonly prev: string; readonly ts: number };
  /** The first failing record of the chunk (its link to the chunk before not counted). */
  readonly bad?: BadRecord;
  /** Checking stopped at record `verified`: the main thread has not looked up this key reference yet. */
  readonly needKey?: string;
}

export function checkChunk(job: ChunkJob): ChunkResult {
  const keys = new Map(job.keys);
  let prev: PrevLink | null = null;
  let first: ChunkResult['first'];
  const stop = (i: number, extra: Partial<ChunkResult>): ChunkResult => ({ verified: i, ...(prev && { last: { hash: prev.hash, ts: prev.ts! } }), ...(first && { first }), ...extra });
  let offset = 0;
  for (let i = 0; i < job.lens.length; i++) {
    const len = job.lens[i]!;
    const raw = job.text.slice(offset, offset + len);
    offset += len;
    const seq = job.base + i;
    const parsed = parseRecord(seq, raw);
    if ('bad' in parsed) return stop(i, { bad: parsed });
    const r = parsed;
    const ref = keyRef(r);
    const key = keys.get(ref);
    if (key === undefined) return stop(i, { needKey: ref });
    if (key === null) return stop(i, { bad: unknownKey(r) });
    if (i === 0) first = { prev: r.prev, ts: r.ts };
    else {
      const link = checkLink(r, prev);
      if (link) return stop(i, { bad: problemAt(seq, link) });
    }
    const seal = sealProblem(r, raw, key.publicKey, job.impl);
    if (seal) return stop(i, { bad: problemAt(seq, seal) });
    const window = keyWindowProblem(r, key);
    if (window) return stop(i, { bad: window });
    prev = { seq, hash: r.hash, ts: r.ts };
  }
  return stop(job.lens.length, {});
}
