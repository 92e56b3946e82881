/**
 * The shared wire-format vectors (test/vectors/*.json): every one runs on
 * BOTH Ed25519 implementations (node:crypto and @noble/ed25519) and they must
 * agree; the committed files must equal what generate.ts produces.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '../../src/crypto/canonical.js';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { fromHex, toHex } from '../../src/crypto/encoding.js';
import { nobleSign, nobleVerify } from '../../src/crypto/noble.js';
import { pae } from '../../src/tao/envelope.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { verifyTao, verifyTaoSync } from '../../src/tao/verify.js';
import type { TaoCase } from '../vectors/cases.js';
import { buildVectors, render } from '../vectors/generate.js';
import { signerFromSeed } from '../vectors/fixtures.js';
import { contextFor, IMPLS, readVector, VECTOR_DIR } from './helpers.js';

const utf8 = new TextEncoder();

describe('tao: shared vectors', () => {
  describe('generator', () => {
    for (const [file, content] of Object.entries(buildVectors())) {
      it(`when generate.ts runs again it reproduces ${file} byte for byte`, () => {
        expect(readFileSync(join(VECTOR_DIR, file), 'utf8')).to.equal(render(content));
      });
    }
  });

  describe('canonical.json (RFC 8785, integers only)', () => {
    const { cases } = readVector<{ cases: { name: string; input: string; canonical?: string; error?: string }[] }>('canonical.json');
    for (const c of cases) {
      it(`when canonicalizing "${c.name}" it ${c.error ? 'refuses' : 'gives the expected text'}`, () => {
        const value: unknown = JSON.parse(c.input);
        if (c.error) expect(() => canonicalize(value)).to.throw(c.error);
        else expect(canonicalize(value)).to.equal(c.canonical);
      });
    }
  });

  describe('ed25519.json (RFC 8032 7.1)', () => {
    const { cases } = readVector<{ cases: { name: string; secretKey?: string; publicKey: string; message: string; signature: string; valid: boolean }[] }>('ed25519.json');
    for (const c of cases) {
      it(`when checking ${c.name} both implementations say ${c.valid ? 'valid' : 'invalid'}`, () => {
        const args = [fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature)] as const;
        expect(verifyEd25519(...args), 'node:crypto').to.equal(c.valid);
        expect(nobleVerify(...args), '@noble/ed25519').to.equal(c.valid);
        if (c.secretKey) {
          expect(toHex(nobleSign(fromHex(c.secretKey), fromHex(c.message)))).to.equal(c.signature);
          expect(toHex(signerFromSeed(c.secretKey).sign(fromHex(c.message)))).to.equal(c.signature);
        }
      });
    }
  });

  describe('pae.json (DSSE v1)', () => {
    const { cases } = readVector<{ cases: { name: string; payloadType: string; payload: string; paeHex: string }[] }>('pae.json');
    for (const c of cases) {
      it(`when encoding "${c.name}" it gives the expected bytes`, () => {
        expect(toHex(pae(c.payloadType, utf8.encode(c.payload)))).to.equal(c.paeHex);
      });
    }
  });

  describe('tao.json (verification results)', () => {
    const file = readVector<{ trustStore: unknown; cases: TaoCase[] }>('tao.json');
    const trust = TrustStore.fromJson(file.trustStore, 'tao.json');
    for (const c of file.cases) {
      it(`when verifying "${c.name}" (${c.description}) both implementations give ${c.expect}`, async () => {
        const results = [];
        for (const impl of IMPLS) {
          const r = await verifyTao(c.input, contextFor(impl, c.ctx, trust));
          expect(r.ok ? 'ok' : r.code, `${impl}: ${r.ok ? '' : r.reason}`).to.equal(c.expect);
          const s = verifyTaoSync(c.input, contextFor(impl, c.ctx, trust));
          expect(s.ok ? 'ok' : s.code, `${impl} sync`).to.equal(c.expect);
          results.push(r);
        }
        expect(results[0]).to.deep.equal(results[1]);
      });
    }

    it('when the vectors run it covers every TAO refusal code of the verification pipeline', () => {
      const seen = new Set(file.cases.map((c) => c.expect));
      for (const code of ['bad_envelope', 'wrong_type', 'unknown_key', 'bad_signature', 'not_canonical', 'expired', 'not_yet_valid', 'wrong_audience', 'scope_mismatch', 'policy_mismatch', 'approvals_missing', 'self_approval', 'duplicate_approver', 'bad_approval', 'consumed']) {
        expect(seen, code).to.include(code);
      }
    });
  });

  describe('example.json (the worked example of docs/tao.md)', () => {
    const ex = readVector<{ seed: string; envelope: { signatures: { sig: string }[] }; canonical: string; paeHex: string; signatureHex: string }>('example.json');
    it('when the demo seed signs the PAE of the canonical payload it gives the documented signature on both implementations', () => {
      const message = fromHex(ex.paeHex);
      expect(Buffer.from(message).toString('utf8')).to.contain(ex.canonical);
      expect(toHex(nobleSign(fromHex(ex.seed), message))).to.equal(ex.signatureHex);
      expect(toHex(signerFromSeed(ex.seed).sign(message))).to.equal(ex.signatureHex);
      expect(Buffer.from(ex.envelope.signatures[0]!.sig, 'base64').toString('hex')).to.equal(ex.signatureHex);
    });
  });
});
