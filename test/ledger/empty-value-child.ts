/**
 * Child of no-empty-values.test.ts: writes 600,000 values through
 * classic-level (utf8, as src/ledger/level.ts opens a ledger), all empty or
 * all one byte, overwriting 1,000 keys with a 256 KB write buffer so that
 * LevelDB's own memory stays small and bounded, and prints how much RssAnon
 * grew after a forced collection.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';

const mode = process.argv[2];
if (mode !== 'empty' && mode !== 'one-byte') throw new Error(`empty-value-child: mode must be empty or one-byte, got ${String(mode)}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('empty-value-child: run with --expose-gc');

const WRITES = 600_000;
const BATCH = 1_000;
const value = mode === 'empty' ? '' : '1';
const anon = (): number => Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

const dir = mkdtempSync(join(tmpdir(), 'taogate-empty-value-'));
const db = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', writeBufferSize: 256 * 1024 });
await db.open();
try {
  const batch = (from: number) =>
    db.batch(Array.from({ length: BATCH }, (_, j) => ({ type: 'put' as const, key: `i!${String((from + j) % 1000).padStart(16, '0')}`, value })));
  // Warm up: LevelDB's memtable, the table cache and V8 reach their working size first.
  for (let i = 0; i < 50_000; i += BATCH) await batch(i);
  gc();
  const before = anon();
  for (let i = 0; i < WRITES; i += BATCH) await batch(i);
  gc();
  process.stdout.write(`${JSON.stringify({ writes: WRITES, anonGrowthBytes: anon() - before })}\n`);
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
