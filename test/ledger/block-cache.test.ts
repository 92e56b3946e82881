/**
 * The ledger opens LevelDB with a 2 MB block cache (src/ledger/level.ts,
 * BLOCK_CACHE_BYTES) instead of classic-level's 8 MB: the ledger's reads
 * rarely come back to a block, so the larger cache only held memory. This
 * shows, with LevelDB's own memory estimate, that a ledger dir opened by
 * `openLevel` keeps no more than that after reading ~20 MB of distinct
 * blocks, where the default keeps ~8 MB.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Level } from 'level';
import { ClassicLevel } from 'classic-level';
import { BLOCK_CACHE_BYTES, openLevel } from '../../src/ledger/level.js';
import { TempDirs } from './helpers.js';

const MB = 1 << 20;
const KEYS = 24_000;

const receiptLike = (): string =>
  JSON.stringify({ v: 1, kind: 'intent', actor: 'optimizer-1', tag: 'skid.flow_sp', value: 41, hash: randomBytes(32).toString('hex'), sig: randomBytes(64).toString('base64'), note: 'gated write '.repeat(40) });
/** What `level` is on Node; its typings, written for browsers too, lack these two. */
const classic = (db: Level<string, string>) => db as unknown as ClassicLevel<string, string>;
const key = (i: number): string => `k!${String(i).padStart(8, '0')}`;

/** Reads every key once, in a shuffled order, and returns LevelDB's estimate of its memtables and block cache. */
async function memoryAfterReadingAll(db: ClassicLevel<string, string>): Promise<number> {
  const order = Array.from({ length: KEYS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let i = 0; i < order.length; i += 256) {
    const values = (await db.getMany(order.slice(i, i + 256).map(key))) as (string | undefined)[];
    expect(values.every((v) => v !== undefined && v.length > 0)).to.equal(true);
  }
  return Number(db.getProperty('leveldb.approximate-memory-usage'));
}

describe('ledger LevelDB block cache', function () {
  this.timeout(120_000);
  const dirs = new TempDirs();
  after(() => dirs.cleanup());

  it('stays at BLOCK_CACHE_BYTES after reads of ~20 MB of distinct blocks (the default cache keeps ~8 MB)', async () => {
    const dir = await dirs.make('block-cache');
    const writer = await openLevel(dir, { create: true });
    for (let i = 0; i < KEYS; i += 1000) {
      // receipt-like values: a random part and a repetitive one, so Snappy compresses the blocks (LevelDB
      // caches only blocks it had to decompress; an uncompressed block is read from the mapped table)
      await writer.batch(Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, key: key(i + j), value: receiptLike() })));
    }
    await classic(writer).compactRange(key(0), key(KEYS));
    await writer.close();

    const ledgerDb = await openLevel(dir, { create: false });
    const ours = await memoryAfterReadingAll(classic(ledgerDb));
    await ledgerDb.close();

    const defaults = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await defaults.open();
    const theirs = await memoryAfterReadingAll(defaults);
    await defaults.close();

    expect(BLOCK_CACHE_BYTES).to.equal(2 * MB);
    // LevelDB's LRU cache counts a block's charge against its 16 shards; allow one memtable arena besides
    expect(ours, `ledger open: ${ours} bytes`).to.be.within(1 * MB, BLOCK_CACHE_BYTES + 0.5 * MB);
    expect(theirs, `classic-level default: ${theirs} bytes`).to.be.above(6 * MB);
  });
});
