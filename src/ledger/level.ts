/**
 * Opening a ledger dir with `level` (classic-level on Node), with errors that
 * say which dir and why (LevelDB holds an exclusive lock on an open dir).
 * Note: level's typings declare get() as never returning undefined; it does
 * for a missing key, so callers type results as `string | undefined`.
 */
import { Level } from 'level';

export type LedgerDb = Level<string, string>;

export class LedgerOpenError extends Error {
  constructor(
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LedgerOpenError';
  }
}

/**
 * Tables LevelDB keeps open (default 1,000). Each open table keeps its index
 * block and the pages of it that were read mapped; a ledger's tables grow
 * with it (about 300 tables at 1M receipts), so with the default the
 * process's resident memory grew with the ledger: measured with 1M
 * receipt-sized records, +26 MB by the end at 1,000 and +4 MB at 64, jti
 * lookups of absent keys alike (0.33-0.50 ms; docs/performance.md).
 */
export const MAX_OPEN_TABLES = 64;

/**
 * LevelDB's block cache (classic-level's default is 8 MB). It holds the
 * decompressed data blocks reads touched. The ledger's reads rarely come
 * back to a block: a jti lookup is of a fresh random key, read from a table
 * only when its Bloom filter errs, and receipts are read back once. So the
 * default cache did not speed anything up; it only filled, slowly, with
 * blocks nobody read again: ~8 MB of resident memory over the first
 * ~1M gated writes, measured with jemalloc's heap profiler
 * (docs/performance.md, "Gateway memory").
 */
export const BLOCK_CACHE_BYTES = 2 << 20;

export async function openLevel(dir: string, opts: { create: boolean }): Promise<LedgerDb> {
  const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', maxOpenFiles: MAX_OPEN_TABLES, cacheSize: BLOCK_CACHE_BYTES });
  try {
    await db.open({ createIfMissing: opts.create, errorIfExists: false });
  } catch (err) {
    throw new LedgerOpenError(dir, describeOpenError(dir, err), { cause: err });
  }
  return db;
}

function describeOpenError(dir: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'LEVEL_LOCKED') return `ledger ${dir} is already open (LevelDB lock held by another process or Ledger instance)`;
  const detail = cause?.message ?? (err as Error).message;
  if (/does not exist/i.test(detail)) return `ledger ${dir} does not exist`;
  return `ledger ${dir} could not be opened: ${detail}`;
}
