/**
 * The two verifier implementations: node:crypto (hot path, cached KeyObjects)
 * and the independent one (@noble/ed25519 strict RFC 8032 with zip215 false,
 * @noble/curves P-256 low-S) for the offline verifier and the cross-checking
 * tests. Both must give the same answer. Either verifies the algorithm of the
 * trust-store key (EdDSA or ES256, src/crypto/alg.ts).
 *
 * The hot path remembers the triples that verified (../crypto/verified-cache.ts):
 * a staged TAO verified when presented is not verified again when used. Key
 * lookup, key window, time, scope and approvals rules run every time; only the
 * signature arithmetic of identical bytes is not repeated. The independent
 * implementation never uses the memory.
 */
import { VerifiedSignatures, type VerifyFn } from '../crypto/verified-cache.js';
import { nobleVerifySignature, verifySignature } from '../crypto/verify.js';

export type Ed25519Impl = 'node' | 'noble';

export type { VerifyFn } from '../crypto/verified-cache.js';

/** The hot path's memory of verified TAO and approval signatures (per process). */
export const verifiedTaoSignatures = new VerifiedSignatures(4096);

const nodeVerify: VerifyFn = (publicKey, message, signature) => verifiedTaoSignatures.verify(verifySignature, publicKey, message, signature);

export function verifierFor(impl: Ed25519Impl = 'node'): VerifyFn {
  return impl === 'noble' ? nobleVerifySignature : nodeVerify;
}
