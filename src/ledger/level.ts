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

export async function openLevel(dir: string, opts: { create: boolean }): Promise<LedgerDb> {
  const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
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
