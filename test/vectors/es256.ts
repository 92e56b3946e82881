/**
 * ES256 (ECDSA P-256, SHA-256, r || s, low-S) vectors for TAOs and receipts:
 * what a TPM 2.0 (or any token without Ed25519) produces. Fixed private
 * scalars and RFC 6979 deterministic signatures (@noble/curves), so
 *
 *   npx tsx test/vectors/es256.ts
 *
 * rewrites test/vectors/es256.json byte for byte, and test/crypto/es256.test.ts
 * fails when they disagree. Every vector is checked on node:crypto AND noble.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signer } from '../../src/crypto/alg.js';
import { keyIdOf } from '../../src/crypto/ed25519.js';
import { fromB64, fromHex, toB64, toHex } from '../../src/crypto/encoding.js';
import { nobleVerifySignature, verifySignature } from '../../src/crypto/verify.js';
import { nobleSignEs256, noblePublicKeyEs256 } from '../../src/crypto/noble-p256.js';
import { P256_N } from '../../src/crypto/p256.js';
import { receiptHash } from '../../src/ledger/receipt.js';
import { GENESIS_PREV, type Receipt } from '../../src/ledger/types.js';
import { signEnvelope, TAO_PAYLOAD_TYPE } from '../../src/tao/envelope.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { AUDIENCE, basePayload, NOW } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A deterministic in-memory ES256 signer (RFC 6979 via noble). */
export function es256SignerFromScalar(hex: string): Signer {
  const d = fromHex(hex);
  const publicKey = noblePublicKeyEs256(d);
  return { alg: 'ES256', keyId: keyIdOf(publicKey), publicKey, sign: (m) => nobleSignEs256(d, m) };
}

export const ES256_KEYS = {
  governance: { scalar: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721', name: 'governance-tpm', role: 'governance' },
  gateway: { scalar: '0f56db78ca460b055c500064824bed999a25aaf48ebb519ac201537b85479813', name: AUDIENCE, role: 'gateway' },
} as const;

export function es256Signers(): { governance: Signer; gateway: Signer } {
  return { governance: es256SignerFromScalar(ES256_KEYS.governance.scalar), gateway: es256SignerFromScalar(ES256_KEYS.gateway.scalar) };
}

export function es256TrustStore(): TrustStore {
  const s = es256Signers();
  const trust = new TrustStore();
  trust.add({ kid: s.governance.keyId, name: ES256_KEYS.governance.name, role: 'governance', publicKey: s.governance.publicKey, alg: 'ES256', notBefore: NOW - 86400 });
  trust.add({ kid: s.gateway.keyId, name: ES256_KEYS.gateway.name, role: 'gateway', publicKey: s.gateway.publicKey, alg: 'ES256' });
  return trust;
}

/** The same signature with s replaced by n - s: valid ECDSA, refused by taogate (low-S only). */
export function highS(sig: Uint8Array): Uint8Array {
  const s = BigInt(`0x${toHex(sig.subarray(32))}`);
  const out = new Uint8Array(64);
  out.set(sig.subarray(0, 32));
  out.set(fromHex((P256_N - s).toString(16).padStart(64, '0')), 32);
  return out;
}

export function buildEs256Vectors() {
  const s = es256Signers();
  const payload = basePayload({ kid: s.governance.keyId });
  const tao = signEnvelope(TAO_PAYLOAD_TYPE, payload, s.governance);
  const sig = fromB64(tao.signatures[0]!.sig);
  const taoHighS = { ...tao, signatures: [{ keyid: s.governance.keyId, sig: toB64(highS(sig)) }] };
  const unsigned = { seq: 0, prev: GENESIS_PREV, ts: NOW * 1000, kind: 'intent' as const, gateway: AUDIENCE, kid: s.gateway.keyId, body: { target: 'skid.flow_sp', value: '42.5', jti: payload.jti } };
  const hash = receiptHash(unsigned);
  const receipt: Receipt = { ...unsigned, hash: toHex(hash), sig: toB64(s.gateway.sign(hash)) };
  for (const [what, pub, msg, sg] of [
    ['receipt', s.gateway.publicKey, hash, fromB64(receipt.sig)],
  ] as const) {
    if (!verifySignature(pub, msg, sg) || !nobleVerifySignature(pub, msg, sg)) throw new Error(`es256 vector ${what}: does not verify on both implementations`);
    if (verifySignature(pub, msg, highS(sg)) || nobleVerifySignature(pub, msg, highS(sg))) throw new Error(`es256 vector ${what}: high-S accepted`);
  }
  return {
    about: 'ES256 (ECDSA P-256 + SHA-256, r||s, low-S) TAO and receipt vectors; keys are fixed P-256 scalars, signatures RFC 6979 deterministic (noble). node:crypto and @noble/curves must agree.',
    now: NOW,
    audience: AUDIENCE,
    keys: Object.fromEntries(Object.entries(ES256_KEYS).map(([k, v]) => [k, { ...v, kid: s[k as keyof typeof s].keyId, publicKey: toHex(s[k as keyof typeof s].publicKey) }])),
    trustStore: es256TrustStore().toJson(),
    tao: { valid: tao, highS: taoHighS },
    receipt,
  };
}

export function renderEs256(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(here, 'es256.json'), renderEs256(buildEs256Vectors()));
  process.stdout.write('wrote test/vectors/es256.json\n');
}
