/**
 * Verifies a receipt chain read through a RecordSource. Checks, in order, per
 * record: storage key (gaps), JSON, shape, seq == storage key (swaps), gateway
 * key known, then link, time, hash, signature (verify-record.ts); finally that
 * the storage's head pointer names the last receipt (truncated tails). Stops
 * at the FIRST bad seq and says why. Untrusted input never makes it throw;
 * only a source that cannot be read at all does.
 *
 * A short chain is checked on this thread. A long one (option `parallel`,
 * default 'auto': past `threshold` receipts) continues on worker threads
 * (verify-parallel.ts) with the same checks, merged in chain order, so the
 * report is the same either way.
 */
import { parseHead } from './keys.js';
import { checkLink, type VerifyImpl } from './receipt.js';
import type { RecordSource } from './sources.js';
import { GENESIS_PREV, type Receipt } from './types.js';
import { KeyTable, verifyInParallel, type ChainState } from './verify-parallel.js';
import { keyRef, keyWindowProblem, lookupKey, type KeyLookup } from './verify-key.js';
import { defaultWorkerCount, VerifyPool } from './verify-pool.js';
import { checkKey, parseRecord, problemAt, sealProblem, unknownKey, type BadRecord } from './verify-record.js';

export type { RawRecord, RecordSource } from './sources.js';
export { jsonlRecords, levelRecords } from './sources.js';
export type { KeyLookup, ReceiptKey } from './verify-key.js';
export { VerifyPool } from './verify-pool.js';

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
  /** Receipts verified so far, and the total when the source knows it (per receipt on this thread, per chunk from workers). */
  onProgress?: (n: number, total?: number) => void;
  impl?: VerifyImpl;
  /** true: worker threads from the first receipt; false: this thread only; 'auto' (default): workers past `threshold` receipts, when the machine has 2+ cores. */
  parallel?: boolean | 'auto';
  /** Receipts checked on this thread before 'auto' hands the rest to workers (default 5,000). */
  threshold?: number;
  /** Receipts per chunk sent to a worker (default 2,000). */
  chunkSize?: number;
  /** Worker threads (default os.availableParallelism(), at least 1). */
  workers?: number;
  /** Workers to use instead of starting (and closing) a pool for this call; the caller closes it. */
  pool?: VerifyPool;
}

/** chunkChars: a chunk of big receipts is cut at 4 Mi characters of text, so 8 chunks in flight stay a few tens of MB. */
export const VERIFY_DEFAULTS = { threshold: 5_000, chunkSize: 2_000, chunkChars: 4 << 20 } as const;

interface Resolved {
  onProgress: (n: number, total?: number) => void;
  pool?: VerifyPool;
  impl: VerifyImpl;
  /** Receipts checked here before the rest goes to workers; Infinity: never. */
  switchAt: number;
  chunkSize: number;
  workers: number;
}

function resolve(opts: VerifyOptions): Resolved {
  const workers = opts.pool?.size ?? Math.max(1, Math.floor(opts.workers ?? defaultWorkerCount()));
  const parallel = opts.parallel ?? 'auto';
  const threshold = Math.max(0, opts.threshold ?? VERIFY_DEFAULTS.threshold);
  const switchAt = parallel === true ? 0 : parallel === 'auto' && workers >= 2 ? threshold : Number.POSITIVE_INFINITY;
  return { onProgress: opts.onProgress ?? (() => {}), pool: opts.pool, impl: opts.impl ?? 'node', switchAt, chunkSize: Math.max(1, Math.floor(opts.chunkSize ?? VERIFY_DEFAULTS.chunkSize)), workers };
}

export async function verifyRecords(src: RecordSource, keyFor: KeyLookup, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const o = resolve(opts);
  const chain: ChainState = { count: 0, prev: null };
  const warnings: string[] = [];
  const total = totalHint(src);
  const progress = (n: number) => o.onProgress(n, total());
  const records = src[Symbol.asyncIterator]();
  let own: VerifyPool | undefined;
  const startPool = () => o.pool ?? (own ??= new VerifyPool(o.workers));
  try {
    let bad: BadRecord | null = null;
    for (;;) {
      if (chain.count >= o.switchAt) {
        const keys = new KeyTable(keyFor);
        const onPoolFailure = (reason: string) => {
          if (warnings.length === 0) warnings.push(`checked on one thread after a verify worker failed: ${reason}`);
        };
        bad = await verifyInParallel(records, chain, { pool: startPool(), keys, impl: o.impl, chunkSize: o.chunkSize, chunkChars: VERIFY_DEFAULTS.chunkChars, maxInFlight: 4 * o.workers, onMerged: progress, onPoolFailure });
        break;
      }
      const next = await records.next();
      if (next.done) break;
      // Workers take a moment to start: when the stored head says the chain is long, start them now.
      if (chain.count === 0 && Number.isFinite(o.switchAt) && (total() ?? 0) > o.switchAt) startPool();
      const verdict = checkRecord(next.value.key, next.value.raw, chain, keyFor, o.impl);
      if ('bad' in verdict) {
        bad = verdict;
        break;
      }
      chain.prev = { seq: verdict.seq, hash: verdict.hash, ts: verdict.ts };
      chain.count++;
      progress(chain.count);
    }
    const broken = (firstBad: number, reason: string): VerifyReport => ({ ok: false, count: chain.count, head: chain.prev?.hash ?? GENESIS_PREV, firstBad, reason });
    const report = bad ? broken(bad.bad, bad.reason) : checkHead(src, chain, broken);
    return warnings.length ? { ...report, warnings: [...(report.warnings ?? []), ...warnings] } : report;
  } finally {
    await records.return?.();
    await own?.close();
  }
}

/** Every check of one record against the chain so far, on this thread. */
function checkRecord(key: number, raw: string, chain: ChainState, keyFor: KeyLookup, impl: VerifyImpl): Receipt | BadRecord {
  const keyBad = checkKey(key, chain.count);
  if (keyBad) return keyBad;
  const r = parseRecord(key, raw);
  if ('bad' in r) return r;
  const receiptKey = lookupKey(keyFor, keyRef(r));
  if (!receiptKey) return unknownKey(r);
  const problem = checkLink(r, chain.prev) ?? sealProblem(r, raw, receiptKey.publicKey, impl);
  if (problem) return problemAt(key, problem);
  return keyWindowProblem(r, receiptKey) ?? r;
}

/** The total for progress: the stored head's seq + 1, parsed once per head text. */
function totalHint(src: RecordSource): () => number | undefined {
  let seen: string | null | undefined;
  let total: number | undefined;
  return () => {
    const raw = src.storedHead?.();
    if (raw !== seen) {
      seen = raw;
      const head = raw ? parseHead(raw) : null;
      total = head ? head.seq + 1 : undefined;
    }
    return total;
  };
}

/** The head pointer must name exactly the last receipt: a head further on means receipts were cut off. */
function checkHead(src: RecordSource, chain: ChainState, broken: (firstBad: number, reason: string) => VerifyReport): VerifyReport {
  const { count } = chain;
  const hash = chain.prev?.hash ?? GENESIS_PREV;
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
