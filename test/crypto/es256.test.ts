/**
 * ES256 (the TPM algorithm) beside Ed25519: the committed vectors verify on
 * node:crypto and @noble/curves, a high-S twin of a valid signature is
 * refused by both, trust-store entries name their alg and refuse a mismatch,
 * and ES256 key files sign what both verifiers accept.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromB64, toHex } from '../../src/crypto/encoding.js';
import { privateJwkEs256, readPrivateKeyFile, writePrivateKeyFile } from '../../src/crypto/keyfile.js';
import { Es256Signer, generateEs256KeyPair, isLowS } from '../../src/crypto/p256.js';
import { nobleVerifySignature, verifySignature } from '../../src/crypto/verify.js';
import { checkSeal, receiptHash } from '../../src/ledger/receipt.js';
import type { Receipt } from '../../src/ledger/types.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { verifyTaoSync } from '../../src/tao/verify.js';
import { buildEs256Vectors, renderEs256 } from '../vectors/es256.js';
import { POLICY, SKEW } from '../vectors/fixtures.js';

const here = new URL('../vectors/es256.json', import.meta.url);
type V = ReturnType<typeof buildEs256Vectors>;
const vectors = JSON.parse(readFileSync(here, 'utf8')) as V;
const IMPLS = ['node', 'noble'] as const;

describe('crypto: ES256 keys and signatures', () => {
  it('when es256.ts runs again it reproduces es256.json byte for byte', () => {
    expect(readFileSync(here, 'utf8')).to.equal(renderEs256(buildEs256Vectors()));
  });

  for (const impl of IMPLS) {
    const ctx = () => ({ trust: TrustStore.fromJson(vectors.trustStore), nowSeconds: vectors.now, audience: vectors.audience, skewSeconds: SKEW, policyHash: POLICY, approvalRule: { count: 0, roles: [] }, impl });

    it(`when an ES256 TAO from the vectors is verified (${impl}) it passes the whole pipeline`, () => {
      const r = verifyTaoSync(vectors.tao.valid, ctx());
      expect(r.ok, JSON.stringify(r)).to.equal(true);
    });

    it(`when the same TAO carries the high-S twin of its signature (${impl}) it refuses bad_signature`, () => {
      const r = verifyTaoSync(vectors.tao.highS, ctx());
      expect(r).to.include({ ok: false, code: 'bad_signature' });
    });

    it(`when an ES256 receipt from the vectors is checked (${impl}) hash and signature hold, and a changed body does not`, () => {
      const receipt = vectors.receipt as Receipt;
      const key = TrustStore.fromJson(vectors.trustStore).get(vectors.keys['gateway']!.kid)!;
      expect(toHex(receiptHash(receipt))).to.equal(receipt.hash);
      const verify = impl === 'node' ? verifySignature : nobleVerifySignature;
      expect(verify(key.publicKey, receiptHash(receipt), fromB64(receipt.sig))).to.equal(true);
      expect(checkSeal(receipt, key.publicKey, impl)).to.equal(null);
      expect(checkSeal({ ...receipt, body: { ...(receipt.body as object), value: '43' } }, key.publicKey, impl)?.reason).to.equal('hash mismatch');
    });
  }

  it('when a trust-store entry names an alg that is not its key type, or its point is not on P-256, it is refused', () => {
    const entry = vectors.trustStore.keys[0]!;
    expect(() => TrustStore.fromJson({ version: 1, keys: [{ ...entry, alg: 'EdDSA' }] })).to.throw(/alg must be ES256/);
    const y = Buffer.from(entry.y!, 'base64url');
    y[31] = (y[31] ?? 0) ^ 1;
    expect(() => TrustStore.fromJson({ version: 1, keys: [{ ...entry, y: y.toString('base64url') }] })).to.throw(/(not a point on P-256|does not match)/);
    expect(TrustStore.fromJson(vectors.trustStore).get(entry.kid)?.alg).to.equal('ES256');
  });

  it('when an ES256 key file is written and read back it signs low-S signatures both verifiers accept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taogate-es256-'));
    try {
      const pair = generateEs256KeyPair();
      const file = join(dir, 'gateway.jwk');
      writePrivateKeyFile(file, privateJwkEs256('gw-cell-1', 'gateway', pair));
      const { signer } = readPrivateKeyFile(file);
      expect(signer.alg).to.equal('ES256');
      expect(signer.keyId).to.equal(new Es256Signer(pair).keyId);
      for (let i = 0; i < 32; i++) {
        const msg = new TextEncoder().encode(`message ${i}`);
        const sig = signer.sign(msg);
        expect(isLowS(sig)).to.equal(true);
        expect(verifySignature(signer.publicKey, msg, sig) && nobleVerifySignature(signer.publicKey, msg, sig)).to.equal(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
