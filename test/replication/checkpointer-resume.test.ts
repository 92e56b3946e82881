/**
 * The checkpointer stores the compact range of each checkpoint in the side
 * key `x!checkpointer/range` and, at the next start, resumes from it instead
 * of reading every receipt. The resumed tree must equal a full rebuild; a
 * side key that does not match its checkpoint receipt is ignored.
 */
import { expect } from 'chai';
import { Checkpointer, RANGE_KEY } from '../../src/replication/checkpointer.js';
import { receiptLeafHash, rootOfLeafHashes } from '../../src/ledger/merkle.js';
import { toHex } from '../../src/crypto/encoding.js';
import type { Ledger } from '../../src/ledger/index.js';
import { silentLogger } from '../../src/gateway/gate/ports.js';
import { GATEWAY, newSigner, openLedger, TempDirs } from '../ledger/helpers.js';

const warnings: object[] = [];
const log = { ...silentLogger, warn: (o: object) => void warnings.push(o) };
const OFF = { every: 1_000_000, intervalMs: 3_600_000 };

async function append(ledger: Ledger, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => ledger.append('config', { i, note: 'resume test' })));
}

async function fullRoot(ledger: Ledger): Promise<string> {
  const leaves = [];
  for await (const r of ledger.iterate({ from: 0 })) leaves.push(receiptLeafHash(r.hash));
  return toHex(rootOfLeafHashes(leaves));
}

describe('replication: the checkpointer resumes from its stored range', function () {
  this.timeout(60_000);
  const dirs = new TempDirs();
  after(() => dirs.cleanup());
  beforeEach(() => void warnings.splice(0));

  it('when restarted after checkpoints, it reads only the receipts after the last one and has the same root as a full rebuild', async () => {
    const dir = await dirs.make('cp-resume');
    const signer = newSigner();
    let ledger = await openLedger(dir, signer);
    let cp = await Checkpointer.start(ledger, GATEWAY, signer, log, OFF);
    expect(cp.stats.resumedFrom).to.equal(0);
    await append(ledger, 300);
    const first = await cp.checkpointNow();
    await append(ledger, 200);
    const second = await cp.checkpointNow();
    await append(ledger, 37);
    await cp.stop();
    await ledger.close();

    ledger = await openLedger(dir, signer);
    cp = await Checkpointer.start(ledger, GATEWAY, signer, log, OFF);
    const size = (second.body as { size: number }).size;
    expect(first.seq).to.be.lessThan(second.seq);
    expect(cp.stats.resumedFrom).to.equal(size);
    expect(cp.stats.receiptsRead).to.equal(ledger.head.seq + 1 - size);
    expect(cp.size).to.equal(ledger.head.seq + 1);
    expect(toHex(cp.root())).to.equal(await fullRoot(ledger));
    // and it goes on checkpointing correctly from there
    await append(ledger, 10);
    const third = await cp.checkpointNow();
    expect((third.body as { root: string }).root).to.equal(await rootAt(ledger, (third.body as { size: number }).size));
    expect(warnings).to.deep.equal([]);
    await cp.stop();
    await ledger.close();
  });

  for (const [what, tamper] of [
    ['names a receipt that is not its checkpoint', (s: { seq: number }) => ({ ...s, seq: s.seq - 1 })],
    ['holds a wrong hash', (s: { nodes: string[] }) => ({ ...s, nodes: s.nodes.map((n, i) => (i === 0 ? 'ab'.repeat(32) : n)) })],
    ['is beyond the head (an older copy of the ledger dir)', (s: { seq: number }) => ({ ...s, seq: s.seq + 10_000 })],
    ['is not JSON', () => 'not json'],
  ] as const) {
    it(`when the stored range ${what}, it is ignored and the tree is rebuilt from every receipt`, async () => {
      const dir = await dirs.make('cp-tamper');
      const signer = newSigner();
      let ledger = await openLedger(dir, signer);
      let cp = await Checkpointer.start(ledger, GATEWAY, signer, log, OFF);
      await append(ledger, 50);
      await cp.checkpointNow();
      await append(ledger, 5);
      await cp.stop();
      const stored = JSON.parse((await ledger.sideGet(RANGE_KEY))!) as { seq: number; nodes: string[] };
      const bad = (tamper as (s: typeof stored) => unknown)(stored);
      await ledger.sidePut(RANGE_KEY, typeof bad === 'string' ? bad : JSON.stringify(bad));
      await ledger.close();

      ledger = await openLedger(dir, signer);
      cp = await Checkpointer.start(ledger, GATEWAY, signer, log, OFF);
      expect(cp.stats.resumedFrom).to.equal(0);
      expect(cp.stats.receiptsRead).to.equal(ledger.head.seq + 1);
      expect(toHex(cp.root())).to.equal(await fullRoot(ledger));
      expect(warnings).to.have.length(1);
      await cp.stop();
      await ledger.close();
    });
  }
});

async function rootAt(ledger: Ledger, size: number): Promise<string> {
  const leaves = [];
  for await (const r of ledger.iterate({ from: 0, to: size - 1 })) leaves.push(receiptLeafHash(r.hash));
  return toHex(rootOfLeafHashes(leaves));
}
