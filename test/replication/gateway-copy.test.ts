/**
 * The upstream's copy (src/replication/gateway-copy.ts) fed directly: the
 * upstream hands apply() the batches that queued up while it was busy in one
 * call, so a merged list may hold a gap followed by the gateway's resend.
 * Every receipt is still verified (a bad signature is an `invalid` alarm), a
 * resend is recognised, and a gap is never stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Signer, generateRawKeyPair } from '../../src/crypto/ed25519.js';
import { GENESIS_PREV, sealReceipt, type Receipt } from '../../src/ledger/index.js';
import { GatewayCopy } from '../../src/replication/gateway-copy.js';

describe('replication: the upstream copy applies merged batches', () => {
  const signer = new Signer(generateRawKeyPair());
  let dir: string;
  let copy: GatewayCopy | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-copy-'));
  });
  afterEach(async () => {
    await copy?.close();
    copy = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  function chain(n: number): Receipt[] {
    const out: Receipt[] = [];
    for (let seq = 0; seq < n; seq++) {
      const prev = out[seq - 1]?.hash ?? GENESIS_PREV;
      out.push(sealReceipt({ seq, prev, ts: 1_700_000_000_000 + seq, kind: 'denied', gateway: 'gw-1', body: { code: 'test', n: seq } }, signer));
    }
    return out;
  }

  it('when a batch after a gap is the resend from the held head, the receipts after the gap are skipped and the resend is taken', async () => {
    copy = await GatewayCopy.open(dir, 'gw-1', signer.publicKey);
    const rs = chain(12);
    // Held: 0..3. Queued: 6..8 (a batch after a lost one), then the resend 4..11 after the gateway's hello.
    expect((await copy.apply(rs.slice(0, 4))).added).to.have.length(4);
    const result = await copy.apply([...rs.slice(6, 9), ...rs.slice(4, 12)]);
    expect(result.alarm).to.equal(undefined);
    expect(result.added.map((r) => r.seq)).to.deep.equal([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(copy.held).to.deep.equal({ seq: 11, hash: rs[11]!.hash });
    expect(copy.verified).to.equal(12);
  });

  it('when merged batches overlap (a resend of receipts added in the same call), the overlap is recognised, not stored twice', async () => {
    copy = await GatewayCopy.open(dir, 'gw-1', signer.publicKey);
    const rs = chain(10);
    const result = await copy.apply([...rs.slice(0, 6), ...rs.slice(3, 10)]);
    expect(result.alarm).to.equal(undefined);
    expect(result.added.map((r) => r.seq)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('when a merged list holds a receipt with a bad signature, the receipts before it are stored and the invalid alarm names it', async () => {
    copy = await GatewayCopy.open(dir, 'gw-1', signer.publicKey);
    const rs = chain(8);
    const bad = { ...rs[5]!, sig: rs[4]!.sig };
    const result = await copy.apply([...rs.slice(0, 3), ...rs.slice(3, 5), bad, ...rs.slice(6, 8)]);
    expect(result.added.map((r) => r.seq)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(result.alarm?.kind).to.equal('invalid');
    expect(result.alarm?.seq).to.equal(5);
    expect(copy.quarantined).to.equal(true);
  });

  it('when a resent receipt differs from one added earlier in the same call, the fork alarm names its seq', async () => {
    copy = await GatewayCopy.open(dir, 'gw-1', signer.publicKey);
    const rs = chain(6);
    const other = sealReceipt({ seq: 2, prev: rs[1]!.hash, ts: rs[2]!.ts, kind: 'denied', gateway: 'gw-1', body: { code: 'other' } }, signer);
    const result = await copy.apply([...rs.slice(0, 4), other]);
    expect(result.added.map((r) => r.seq)).to.deep.equal([0, 1, 2, 3]);
    expect(result.alarm?.kind).to.equal('fork');
    expect(result.alarm?.seq).to.equal(2);
  });
});
