/**
 * The rest of a chain, checked on worker threads. This thread reads records
 * in order, checks their storage keys (gaps, repeats), cuts them into chunks
 * (chunkSize records, or fewer once their text passes chunkChars characters)
 * and sends each to the pool; at most `maxInFlight` chunks are out at once
 * (back-pressure: memory stays bounded however long the chain and however
 * large its receipts). Results are merged strictly in chain order, and the
 * merger checks the one thing a chunk cannot: the link and time of its first
 * record against the chunk before. So the first failure found is the first
 * in chain order, with the reason the sequential check gives.
 */
import { checkLink, type PrevLink, type VerifyImpl } from './receipt.js';
import type { RawRecord } from './sources.js';
import { checkChunk, type ChunkJob, type ChunkResult } from './verify-chunk.js';
import type { PoolFailure, VerifyPool } from './verify-pool.js';
import { checkKey, problemAt, type BadRecord } from './verify-record.js';
import { keyRef, lookupKey, type KeyLookup, type ReceiptKey } from './verify-key.js';

/** Where the verified chain stands: receipts so far and the last of them. */
export interface ChainState {
  count: number;
  prev: PrevLink | null;
}

export type { KeyLookup } from './verify-key.js';

/** keyFor, asked once per key reference (gateway + kid); a lookup that throws counts as no key. */
export class KeyTable {
  private readonly known = new Map<string, ReceiptKey | null>();

  constructor(private readonly keyFor: KeyLookup) {}

  resolve(ref: string): void {
    if (this.known.has(ref)) return;
    this.known.set(ref, lookupKey(this.keyFor, ref));
  }

  entries(): [string, ReceiptKey | null][] {
    return [...this.known];
  }
}

export interface ParallelContext {
  readonly pool: VerifyPool;
  readonly keys: KeyTable;
  readonly impl: VerifyImpl;
  /** A chunk is cut at chunkSize records or chunkChars characters of text, whichever comes first. */
  readonly chunkSize: number;
  readonly chunkChars: number;
  readonly maxInFlight: number;
  /** After each merged chunk, with the receipts verified so far. */
  readonly onMerged: (count: number) => void;
  /** A worker failed: its chunks are checked on this thread instead. */
  readonly onPoolFailure: (reason: string) => void;
}

interface InFlight {
  readonly job: ChunkJob;
  readonly outcome: Promise<ChunkResult | PoolFailure>;
}

/** Verifies the records still to come from `records` onto `chain`; returns the first bad record, or null. */
export async function verifyInParallel(records: AsyncIterator<RawRecord>, chain: ChainState, ctx: ParallelContext): Promise<BadRecord | null> {
  const inFlight: InFlight[] = [];
  let raws: string[] = [];
  let chars = 0;
  let base = chain.count;
  const submit = () => {
    if (raws.length === 0) return;
    const job = makeJob(base, raws, ctx);
    inFlight.push({ job, outcome: ctx.pool.run(job) });
    base += raws.length;
    raws = [];
    chars = 0;
  };
  const drain = async (): Promise<BadRecord | null> => {
    while (inFlight.length > 0) {
      const bad = await merge(inFlight.shift()!, chain, ctx);
      if (bad) return bad;
    }
    return null;
  };

  for (;;) {
    const next = await records.next();
    if (next.done) {
      submit();
      return drain();
    }
    const keyBad = checkKey(next.value.key, base + raws.length);
    if (keyBad) {
      submit();
      return (await drain()) ?? keyBad;
    }
    raws.push(next.value.raw);
    chars += next.value.raw.length;
    if (raws.length >= ctx.chunkSize || chars >= ctx.chunkChars) {
      submit();
      while (inFlight.length >= ctx.maxInFlight) {
        const bad = await merge(inFlight.shift()!, chain, ctx);
        if (bad) return bad;
      }
    }
  }
}

function makeJob(base: number, raws: readonly string[], ctx: ParallelContext): ChunkJob {
  // A chain is (nearly always) one gateway's: looking up the first record's key
  // here spares the chunks in flight a round trip each to ask for it.
  const ref = refOf(raws[0]!);
  if (ref !== undefined) ctx.keys.resolve(ref);
  return { base, text: raws.join(''), lens: Uint32Array.from(raws, (r) => r.length), keys: ctx.keys.entries(), impl: ctx.impl };
}

function refOf(raw: string): string | undefined {
  try {
    const r = JSON.parse(raw) as { gateway?: unknown; kid?: unknown } | null;
    return typeof r?.gateway === 'string' && (r.kid === undefined || typeof r.kid === 'string') ? keyRef({ gateway: r.gateway, kid: r.kid as string | undefined }) : undefined;
  } catch {
    return undefined;
  }
}

/** The records of `job` from index `from` on, as a job of their own (with the keys known by now). */
function restOf(job: ChunkJob, from: number, ctx: ParallelContext): ChunkJob {
  let offset = 0;
  for (let i = 0; i < from; i++) offset += job.lens[i]!;
  return { base: job.base + from, text: job.text.slice(offset), lens: job.lens.slice(from), keys: ctx.keys.entries(), impl: job.impl };
}

async function merge(item: InFlight, chain: ChainState, ctx: ParallelContext): Promise<BadRecord | null> {
  let result = await item.outcome;
  if ('failed' in result) {
    ctx.onPoolFailure(result.failed);
    result = checkChunk(item.job);
  }
  const { job } = item;
  if (result.first) {
    const link = checkLink({ seq: job.base, ...result.first }, chain.prev);
    if (link) return problemAt(job.base, link);
  }
  if (result.verified > 0 && result.last) {
    chain.count += result.verified;
    chain.prev = { seq: chain.count - 1, hash: result.last.hash, ts: result.last.ts };
  }
  if (result.bad) return result.bad;
  if (result.needKey !== undefined) {
    ctx.keys.resolve(result.needKey);
    const rest = restOf(job, result.verified, ctx);
    return merge({ job: rest, outcome: ctx.pool.run(rest) }, chain, ctx);
  }
  ctx.onMerged(chain.count);
  return null;
}
