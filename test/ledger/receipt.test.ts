/**
 * The pure receipt math: hash, seal, check. The expected hash is computed by
 * a deliberately simple reference (hand-written canonical JSON text hashed
 * with node:crypto), not by the code under test.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Signer } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/crypto/encoding.js';
import { nobleSign, noblePublicKey } from '../../src/crypto/noble.js';
import { checkReceipt, GENESIS_PREV, receiptHash, sealReceipt, type Receipt, type UnsignedReceipt } from '../../src/ledger/index.js';

// Fixture: seed bytes 0x00..0x1f, a fixed receipt. Public key derived with noble (the independent implementation).
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const signer = new Signer({ privateKey: seed, publicKey: noblePublicKey(seed) });

const unsigned: UnsignedReceipt = {
  seq: 0,
  prev: GENESIS_PREV,
  ts: 1_700_000_000_000,
  kind: 'intent',
  gateway: 'gw-1',
  body: { target: 'skid.flow_sp', value: '42.5', actor: 'hmi-1', jti: 'abc' },
};

describe('ledger/receipt', () => {
  it('when hashing, it matches SHA-256 of the domain prefix and hand-written canonical JSON', () => {
    const canonical =
      '{"body":{"actor":"hmi-1","jti":"abc","target":"skid.flow_sp","value":"42.5"},"gateway":"gw-1","kind":"intent","prev":"' +
      GENESIS_PREV +
      '","seq":0,"ts":1700000000000}';
    const reference = createHash('sha256').update('taogate-receipt-v1\0').update(canonical).digest('hex');
    expect(toHex(receiptHash(unsigned))).to.equal(reference);
  });

  it('when sealing, node:crypto and noble produce the same signature over the hash bytes', () => {
    const r = sealReceipt(unsigned, signer);
    // The sealed receipt names its key, and the kid is covered by the hash.
    expect(r.kid).to.equal(signer.keyId);
    const nobleSig = Buffer.from(nobleSign(seed, receiptHash({ ...unsigned, kid: signer.keyId }))).toString('base64');
    expect(r.sig).to.equal(nobleSig);
    expect(r.hash).to.equal(toHex(receiptHash({ ...unsigned, kid: signer.keyId })));
    expect(r.hash).to.not.equal(toHex(receiptHash(unsigned)));
  });

  it('when a sealed receipt is checked, it passes on both implementations', () => {
    const r = sealReceipt(unsigned, signer);
    expect(checkReceipt(r, null, signer.publicKey, 'node')).to.equal(null);
    expect(checkReceipt(r, null, signer.publicKey, 'noble')).to.equal(null);
  });

  it('when a receipt carries a field the hash does not cover, it is refused as malformed', () => {
    const r = { ...sealReceipt(unsigned, signer), extra: 1 } as unknown as Receipt;
    expect(checkReceipt(r, null, signer.publicKey)?.reason).to.equal('malformed');
  });

  describe('when something is wrong, it names the first problem', () => {
    const r0 = sealReceipt(unsigned, signer);
    const r1 = sealReceipt({ ...unsigned, seq: 1, prev: r0.hash, ts: unsigned.ts + 5 }, signer);
    const link = { seq: 0, hash: r0.hash, ts: r0.ts };
    const cases: [string, () => ReturnType<typeof checkReceipt>, string][] = [
      ['seq skips ahead', () => checkReceipt({ ...r1, seq: 2 }, link, signer.publicKey), 'gap'],
      ['seq 1 without a predecessor', () => checkReceipt(r1, null, signer.publicKey), 'gap'],
      ['prev is not the previous hash', () => checkReceipt(r1, { ...link, hash: 'f'.repeat(64) }, signer.publicKey), 'broken link'],
      ['seq 0 prev is not zeros', () => checkReceipt({ ...r0, prev: 'a'.repeat(64) }, null, signer.publicKey), 'broken link'],
      ['ts goes backwards', () => checkReceipt(r1, { ...link, ts: r1.ts + 1 }, signer.publicKey), 'time went backwards'],
      ['the body changed', () => checkReceipt({ ...r1, body: { value: '43' } }, link, signer.publicKey), 'hash mismatch'],
      ['the hash is another valid hex', () => checkReceipt({ ...r1, hash: r0.hash }, link, signer.publicKey), 'hash mismatch'],
      ['the signature is from another receipt', () => checkReceipt({ ...r1, sig: r0.sig }, link, signer.publicKey), 'bad signature'],
      ['the key is another key', () => checkReceipt(r1, link, new Uint8Array(32).fill(7)), 'bad signature'],
      ['a float in the body', () => checkReceipt({ ...r1, body: { v: 1.5 } }, link, signer.publicKey), 'malformed'],
      ['sig is not base64', () => checkReceipt({ ...r1, sig: '!'.repeat(88) }, link, signer.publicKey), 'malformed'],
      ['hash is uppercase', () => checkReceipt({ ...r1, hash: r1.hash.toUpperCase() }, link, signer.publicKey), 'malformed'],
      ['kind is unknown', () => checkReceipt({ ...r1, kind: 'write' } as unknown as Receipt, link, signer.publicKey), 'malformed'],
      ['not an object', () => checkReceipt(null as unknown as Receipt, null, signer.publicKey), 'malformed'],
    ];
    for (const [name, run, reason] of cases) {
      it(`${name} -> ${reason}`, () => {
        expect(run()?.reason).to.equal(reason);
        expect(run()?.detail).to.be.a('string');
      });
    }
  });

  it('when the noble check runs on a tampered receipt, it agrees with node', () => {
    const r = sealReceipt(unsigned, signer);
    const bad = { ...r, sig: sealReceipt({ ...unsigned, ts: 1 }, signer).sig };
    expect(checkReceipt(bad, null, signer.publicKey, 'node')?.reason).to.equal('bad signature');
    expect(checkReceipt(bad, null, signer.publicKey, 'noble')?.reason).to.equal('bad signature');
  });
});
