/**
 * The memory of verified signatures (src/crypto/verified-cache.ts) and its use
 * on the TAO hot path (src/tao/impl.ts): a triple that verified is not verified
 * again; anything else (a tampered signature, another key, another message) is
 * verified in full every time; the key lookup and the other checks of a TAO
 * still run on a hit.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Ed25519Signer, generateRawKeyPair } from '../../src/crypto/ed25519.js';
import { verifySignature } from '../../src/crypto/verify.js';
import { VerifiedSignatures } from '../../src/crypto/verified-cache.js';
import { verifiedTaoSignatures } from '../../src/tao/impl.js';
import { issueTao } from '../../src/tao/payload.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { verifyTao } from '../../src/tao/verify.js';
import { basePayload, signers } from '../vectors/fixtures.js';
import { contextFor } from '../tao/helpers.js';

describe('verified signatures are not verified twice', () => {
  const key = new Ed25519Signer(generateRawKeyPair());
  const other = new Ed25519Signer(generateRawKeyPair());
  const msg = new TextEncoder().encode('write skid.flow_sp = 42.5');
  const sig = key.sign(msg);

  it('when the same triple verifies twice the second answer comes from memory; a failure is never remembered', () => {
    const cache = new VerifiedSignatures(16);
    expect(cache.verify(verifySignature, key.publicKey, msg, sig)).to.equal(true);
    expect(cache.verify(verifySignature, key.publicKey, msg, sig)).to.equal(true);
    expect(cache.stats).to.deep.equal({ hits: 1, verified: 1, refused: 0 });
    const tampered = Uint8Array.from(sig);
    tampered[10]! ^= 1;
    expect(cache.verify(verifySignature, key.publicKey, msg, tampered)).to.equal(false);
    expect(cache.verify(verifySignature, key.publicKey, msg, tampered)).to.equal(false);
    expect(cache.verify(verifySignature, other.publicKey, msg, sig), 'another key').to.equal(false);
    expect(cache.verify(verifySignature, key.publicKey, msg.subarray(1), sig), 'another message').to.equal(false);
    expect(cache.stats).to.deep.equal({ hits: 1, verified: 1, refused: 4 });
    expect(cache.size).to.equal(1);
  });

  it('when more triples verified than it holds the oldest is forgotten and verified again', () => {
    const cache = new VerifiedSignatures(2);
    const msgs = ['a', 'b', 'c'].map((s) => new TextEncoder().encode(s));
    for (const m of msgs) expect(cache.verify(verifySignature, key.publicKey, m, key.sign(m))).to.equal(true);
    expect(cache.size).to.equal(2);
    expect(cache.verify(verifySignature, key.publicKey, msgs[0]!, key.sign(msgs[0]!))).to.equal(true);
    expect(cache.stats).to.deep.equal({ hits: 0, verified: 4, refused: 0 });
    expect(() => new VerifiedSignatures(0)).to.throw(RangeError);
  });

  it('when a TAO verified once is checked again the signature comes from memory, but a key removed from the trust store refuses it', async () => {
    const env = issueTao(basePayload({ jti: randomBytes(16).toString('hex') }), signers.governance);
    const before = { ...verifiedTaoSignatures.stats };
    const first = await verifyTao(env, contextFor('node'));
    const second = await verifyTao(env, contextFor('node'));
    expect(first.ok && second.ok, JSON.stringify([first, second])).to.equal(true);
    expect(verifiedTaoSignatures.stats.verified - before.verified).to.equal(1);
    expect(verifiedTaoSignatures.stats.hits - before.hits).to.equal(1);
    const withoutGovernance = TrustStore.fromJson({ version: 1, keys: [] }, 'empty trust store');
    const r = await verifyTao(env, contextFor('node', {}, withoutGovernance));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.code).to.equal('unknown_key');
    // The independent implementation never answers from memory.
    const noble = await verifyTao(env, contextFor('noble'));
    expect(noble.ok).to.equal(true);
    expect(verifiedTaoSignatures.stats.hits - before.hits).to.equal(1);
  });
});
