/**
 * Verify a signature under a raw public key of either algorithm (./alg.ts):
 * the encoding of the key decides, and a trust-store entry refuses a key whose
 * encoding does not match the alg it names, so this is the entry's algorithm.
 * `verifySignature` is the node:crypto hot path, `nobleVerifySignature` the
 * independent implementation. Neither throws.
 */
import { algOfPublicKey } from './alg.js';
import { verifyEd25519 } from './ed25519.js';
import { nobleVerify } from './noble.js';
import { nobleVerifyEs256 } from './noble-p256.js';
import { verifyEs256 } from './p256.js';

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  switch (algOfPublicKey(publicKey)) {
    case 'EdDSA':
      return verifyEd25519(publicKey, message, signature);
    case 'ES256':
      return verifyEs256(publicKey, message, signature);
    default:
      return false;
  }
}

export function nobleVerifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  switch (algOfPublicKey(publicKey)) {
    case 'EdDSA':
      return nobleVerify(publicKey, message, signature);
    case 'ES256':
      return nobleVerifyEs256(publicKey, message, signature);
    default:
      return false;
  }
}
