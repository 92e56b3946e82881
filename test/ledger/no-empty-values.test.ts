/**
 * classic-level 3.0.0 copies every string key and value it writes into a
 * `new char[]` and frees the copy only when it is not empty, so every empty
 * value written keeps one native allocation for the life of the process (32
 * bytes with glibc). The ledger used to write one per gated write (the
 * open-intent index, `i!<seq> -> ''`): most of the gateway's native memory
 * growth (docs/performance.md, "Gateway memory (2026-12-04)"). These tests
 * show the mechanism in a child process, and that nothing taogate writes on
 * the write path (the ledger, its side keys, the replicator, the upstream's
 * copy) is empty.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { intentKey } from '../../src/ledger/keys.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { loggedOps } from '../helpers/leveldb-log.js';
import { startUpstreamIn, upstreamDir, waitFor } from '../replication/helpers.js';
import { closeClient, f32, modbusClient } from '../simulators/modbus-helpers.js';
import { newSigner, openLedger, rawDb, TempDirs } from './helpers.js';

const CHILD = fileURLToPath(new URL('./empty-value-child.ts', import.meta.url));

interface Growth {
  writes: number;
  anonGrowthBytes: number;
}

async function growth(mode: 'empty' | 'one-byte'): Promise<Growth> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode], {
    timeout: 90_000,
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Growth;
}

/**
 * The keys of a closed LevelDB dir that were ever written with an empty value:
 * from its write-ahead log (entries since deleted included, e.g. the index of
 * an intent its outcome closed), then from what it holds.
 */
async function emptyValues(dir: string): Promise<string[]> {
  const empty = new Set(loggedOps(dir).flatMap((op) => (op.type === 'put' && op.value.length === 0 ? [op.key] : [])));
  const db = await rawDb(dir);
  try {
    for await (const [key, value] of db.iterator()) if (value.length === 0) empty.add(key);
  } finally {
    await db.close();
  }
  return [...empty];
}

/** How many puts a closed LevelDB dir's write-ahead log holds under a key prefix. */
const loggedPuts = (dir: string, prefix: string): number => loggedOps(dir).filter((op) => op.type === 'put' && op.key.startsWith(prefix)).length;

describe('ledger: no empty LevelDB values (classic-level keeps a native allocation for each)', function () {
  this.timeout(120_000);
  const dirs = new TempDirs();
  afterEach(() => dirs.cleanup());

  it('classic-level keeps memory for every empty value it writes, and none for one-byte values (the mechanism this guards against)', async () => {
    const empty = await growth('empty');
    const oneByte = await growth('one-byte');
    // 600,000 empty values: ~19 MB kept (32 bytes each with glibc); one-byte values: LevelDB's small memtable only.
    expect(empty.writes).to.equal(oneByte.writes);
    expect(empty.anonGrowthBytes - oneByte.anonGrowthBytes, JSON.stringify({ empty, oneByte })).to.be.at.least(empty.writes * 12);
  });

  it('when every kind of append and side key is written, the ledger holds no empty value, and the open intent is still listed open', async () => {
    const dir = await dirs.make();
    const ledger = await openLedger(dir, newSigner());
    const open = await ledger.append('intent', { target: 'skid.flow_sp', value: '41' }, { consume: 'jti-open' });
    const closed = await ledger.append('intent', { target: 'skid.flow_sp', value: '42' }, { consume: 'jti-closed' });
    await ledger.append('committed', { intent: closed.seq }, { closes: closed.seq, durable: false });
    await ledger.append('staged', { jti: 's1' }, { consume: 's1', stage: { jti: 's1', envelope: '{"e":1}', exp: 1_900_000_000 } });
    const unstaged = await ledger.append('intent', { jti: 's1' }, { unstage: 's1' });
    await ledger.append('indeterminate', { intent: open.seq }, { mark: { set: { name: 'open/x', value: '{"a":1}' } } });
    await ledger.append('config', { note: 'clear' }, { mark: { clear: 'open/x' } });
    await ledger.sidePut('cursor', '{"seq":3}');
    expect((await ledger.openIntents()).map((r) => r.seq)).to.deep.equal([open.seq, unstaged.seq]);
    await ledger.close();

    expect(await emptyValues(dir)).to.deep.equal([]);
  });

  it('an empty side value or mark value is refused with its name, and nothing is written', async () => {
    const dir = await dirs.make();
    const ledger = await openLedger(dir, newSigner());
    const head = ledger.head.seq;
    try {
      const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: Error) => e.message);
      expect(await failure(ledger.sidePut('cursor', ''))).to.match(/side key cursor: value must not be empty/);
      expect(await failure(ledger.append('indeterminate', { x: 1 }, { mark: { set: { name: 'open/y', value: '' } } }))).to.match(/mark\.set .*value not empty/);
      expect(ledger.head.seq).to.equal(head);
      expect(await ledger.sideGet('cursor')).to.equal(undefined);
    } finally {
      await ledger.close();
    }
  });

  it('a ledger written before this change (open intents indexed with an empty value) still lists them open, and closes them', async () => {
    const dir = await dirs.make();
    let ledger = await openLedger(dir, newSigner());
    const a = await ledger.append('intent', { target: 'skid.flow_sp', value: '40' });
    const b = await ledger.append('intent', { target: 'skid.flow_sp', value: '41' });
    await ledger.close();
    const db = await rawDb(dir);
    await db.batch([
      { type: 'put', key: intentKey(a.seq), value: Buffer.alloc(0) },
      { type: 'put', key: intentKey(b.seq), value: Buffer.alloc(0) },
    ]);
    await db.close();

    ledger = await openLedger(dir, newSigner());
    try {
      expect((await ledger.openIntents()).map((r) => r.seq)).to.deep.equal([a.seq, b.seq]);
      await ledger.append('committed', { intent: a.seq }, { closes: a.seq });
      expect((await ledger.openIntents()).map((r) => r.seq)).to.deep.equal([b.seq]);
    } finally {
      await ledger.close();
    }
  });

  describe('through the gateway and the upstream', () => {
    let cell: Cell;
    let up: UpstreamNode | undefined;
    afterEach(async () => {
      await up?.close().catch(() => {});
      up = undefined;
      await cell.close();
    });

    it('after gated Modbus writes, refusals and replication, neither the gateway ledger nor the upstream copy holds an empty value', async () => {
      cell = await startCell({ modbus: true });
      up = await startUpstreamIn(cell);
      const hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
      hmi.setTimeout(3000);
      try {
        for (const v of [40, 41, 42, 43]) await hmi.writeRegisters(100, f32(v));
        await hmi.writeRegisters(100, f32(500)).catch(() => undefined); // refused: out of range
      } finally {
        await closeClient(hmi);
      }
      expect(cell.plc!.readFloat32(100)).to.equal(43);
      const gw = cell.gateway;
      await waitFor(() => gw.replicator!.lag === 0 && up!.copy(cell.profile.gateway.id)?.held.seq === gw.ledger.head.seq, 15_000, 'replication to catch up');
      const head = gw.ledger.head.seq;
      expect(head).to.be.at.least(9); // 4 intents + 4 outcomes + 1 refusal
      await gw.close();
      await up.close();
      up = undefined;

      // The write-ahead log holds the four intents' index entries, though their outcomes deleted them.
      expect(loggedPuts(join(cell.dir, 'gateway'), 'i!')).to.equal(4);
      expect(await emptyValues(join(cell.dir, 'gateway'))).to.deep.equal([]);
      expect(await emptyValues(join(upstreamDir(cell), cell.profile.gateway.id))).to.deep.equal([]);
    });
  });
});
