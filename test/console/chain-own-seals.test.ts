/**
 * The console's running chain check in the gateway process: receipts this
 * process appended (seen through Ledger.onAppend) skip only the signature
 * verify when read back; shape, link and the hash over the stored fields are
 * still checked, and every other receipt gets the full check.
 */
import { expect } from 'chai';
import { ChainHealth } from '../../src/console/chain.js';
import type { Receipt } from '../../src/ledger/index.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { GATEWAY, newSigner, openLedger, TempDirs } from '../ledger/helpers.js';

describe('console chain check: seals of own appends', () => {
  const dirs = new TempDirs();
  after(() => dirs.cleanup());

  async function appended(n: number) {
    const signer = newSigner();
    const ledger = await openLedger(await dirs.make('chain-own'), signer);
    const seen: Receipt[] = [];
    const unlisten = ledger.onAppend((rs) => seen.push(...rs));
    for (let i = 0; i < n; i++) await ledger.append('denied', { i, target: 'skid.flow_sp', value: String(40 + i) });
    unlisten();
    const stored: Receipt[] = [];
    for await (const r of ledger.iterate()) stored.push(r);
    const trust = new TrustStore();
    trust.add({ kid: signer.keyId, name: GATEWAY, role: 'gateway', publicKey: signer.publicKey });
    return { ledger, seen, stored, trust };
  }

  it('when own receipts are read back unchanged, it accepts them', async () => {
    const { ledger, seen, stored, trust } = await appended(4);
    const health = new ChainHealth(trust);
    health.rememberOwn(seen);
    health.checkNew(ledger, stored);
    expect(health.status(ledger).problem).to.equal(undefined);
    expect(health.status(ledger).checkedTo).to.equal(ledger.head.seq);
    await ledger.close();
  });

  it('when a stored receipt with a remembered seal has a changed body, it reports a hash mismatch', async () => {
    const { ledger, seen, stored, trust } = await appended(4);
    const health = new ChainHealth(trust);
    health.rememberOwn(seen);
    health.checkNew(ledger, stored.map((r, i) => (i === 2 ? { ...r, body: { ...(r.body as object), value: '9999' } } : r)));
    expect(health.status(ledger).problem).to.match(/^seq 2: hash mismatch/);
    await ledger.close();
  });

  it('skips the signature verify only for remembered seals: a bad signature is found when the seal was not remembered', async () => {
    const { ledger, seen, stored, trust } = await appended(3);
    // Seq 1 carries a signature that does not verify (as if the stored bytes were forged with another key).
    const forged = stored.map((r, i) => (i === 1 ? { ...r, sig: Buffer.alloc(64, 7).toString('base64') } : r));
    const full = new ChainHealth(trust);
    full.rememberOwn(seen); // the real seals: seq 1's forged sig is not among them
    full.checkNew(ledger, forged);
    expect(full.status(ledger).problem).to.match(/^seq 1: bad signature/);

    // Had this process sealed exactly those bytes, only the verify is skipped (shape, link, hash pass).
    const trusting = new ChainHealth(trust);
    trusting.rememberOwn(forged);
    trusting.checkNew(ledger, forged);
    expect(trusting.status(ledger).problem).to.equal(undefined);
    await ledger.close();
  });

  it('when the check passes a seq, the seals up to it are dropped, read back or not; rewind drops the rest', async () => {
    const { ledger, seen, stored, trust } = await appended(6);
    const health = new ChainHealth(trust);
    health.rememberOwn(seen);
    expect(health.remembered).to.equal(6);
    // Seq 1 and 2 are never read back (as when a poll starts mid-chain): passing seq 3 drops them too.
    health.checkNew(ledger, [stored[0]!]);
    expect(health.remembered).to.equal(5);
    health.rewind();
    health.checkNew(ledger, [stored[3]!]);
    expect(health.status(ledger).problem).to.equal(undefined);
    expect(health.remembered, 'rewind dropped every seal').to.equal(0);
    // After the check has passed a seq, a seal for it (or before it) is not taken any more.
    health.rememberOwn(seen);
    expect(health.remembered, 'only seqs after the checked one').to.equal(2);
    health.checkNew(ledger, stored.slice(4));
    expect(health.status(ledger).problem).to.equal(undefined);
    expect(health.status(ledger).checkedTo).to.equal(5);
    expect(health.remembered).to.equal(0);
    await ledger.close();
  });
});
