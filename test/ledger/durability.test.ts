/**
 * Non-durable appends (outcome receipts): written at once, fsynced with the
 * next synced batch or by the sync timer; listeners (replication) only ever
 * hear of durable receipts, in order; close() makes everything durable.
 */
import { expect } from 'chai';
import { Ledger, SYNC_DELAY_MS } from '../../src/ledger/ledger.js';
import { levelRecords } from '../../src/ledger/sources.js';
import { verifyRecords } from '../../src/ledger/verify.js';
import type { Receipt } from '../../src/ledger/types.js';
import { keyFor, newSigner, openLedger, TempDirs } from './helpers.js';

describe('ledger: non-durable outcome appends', () => {
  const dirs = new TempDirs();
  after(() => dirs.cleanup());

  it('when an outcome is appended with durable:false listeners hear of it only after an fsync, in seq order', async () => {
    const signer = newSigner();
    const dir = await dirs.make();
    const ledger = await openLedger(dir, signer);
    const heard: number[] = [];
    ledger.onAppend((rs: readonly Receipt[]) => heard.push(...rs.map((r) => r.seq)));
    const intent = await ledger.append('intent', { jti: 'a'.repeat(32) }, { consume: 'a'.repeat(32) });
    expect(heard).to.deep.equal([intent.seq]);
    const outcome = await ledger.append('committed', { intent: intent.seq }, { closes: intent.seq, durable: false });
    expect(heard).to.deep.equal([intent.seq]); // written, not yet durable
    await new Promise((r) => setTimeout(r, SYNC_DELAY_MS * 3));
    expect(heard).to.deep.equal([intent.seq, outcome.seq]);
    // a synced batch after a non-durable one covers it too
    const o2 = await ledger.append('voided', { n: 2 }, { durable: false });
    const i2 = await ledger.append('intent', { jti: 'b'.repeat(32) }, { consume: 'b'.repeat(32) });
    expect(heard).to.deep.equal([intent.seq, outcome.seq, o2.seq, i2.seq]);
    expect(await ledger.openIntents()).to.have.length(1);
    await ledger.close();
  });

  it('when the ledger closes right after non-durable appends they are on disk and the chain verifies', async () => {
    const signer = newSigner();
    const dir = await dirs.make();
    const ledger = await openLedger(dir, signer);
    for (let i = 0; i < 20; i++) void ledger.append('committed', { i }, { durable: false });
    await ledger.append('committed', { i: 20 }, { durable: false });
    await ledger.close();
    const report = await verifyRecords(levelRecords(dir), keyFor(signer));
    expect(report).to.include({ ok: true, count: 21 });
    const again: Ledger = await openLedger(dir, signer);
    expect(again.head.seq).to.equal(20);
    await again.close();
  });

  it('when a consume or a staging is asked to be non-durable it is refused', async () => {
    const ledger = await openLedger(await dirs.make(), newSigner());
    try {
      await ledger.append('intent', {}, { consume: 'c'.repeat(32), durable: false });
      expect.fail('accepted');
    } catch (err) {
      expect((err as Error).message).to.match(/always durable/);
    }
    await ledger.close();
  });
});
