/**
 * The two Ed25519 verifiers: node:crypto (hot path, cached KeyObjects) and
 * @noble/ed25519 (strict RFC 8032, zip215 false) for the offline verifier
 * and the cross-checking tests. Both must give the same answer.
 */
import { verifyEd25519 } from '../crypto/ed25519.js';
import { nobleVerify } from '../crypto/noble.js';

export type Ed25519Impl = 'node' | 'noble';

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export function verifierFor(impl: Ed25519Impl = 'node'): VerifyFn {
  return impl === 'noble' ? nobleVerify : verifyEd25519;
}
