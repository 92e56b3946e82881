/**
 * The two verifier implementations: node:crypto (hot path, cached KeyObjects)
 * and the independent one (@noble/ed25519 strict RFC 8032 with zip215 false,
 * @noble/curves P-256 low-S) for the offline verifier and the cross-checking
 * tests. Both must give the same answer. Either verifies the algorithm of the
 * trust-store key (EdDSA or ES256, src/crypto/alg.ts).
 */
import { nobleVerifySignature, verifySignature } from '../crypto/verify.js';

export type Ed25519Impl = 'node' | 'noble';

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export function verifierFor(impl: Ed25519Impl = 'node'): VerifyFn {
  return impl === 'noble' ? nobleVerifySignature : verifySignature;
}
