/**
 * The independent ES256 implementation (@noble/curves P-256, SHA-256 prehash,
 * compact r || s, low-S enforced): the offline verifier and the tests use it
 * to cross-check what node:crypto and PKCS#11 tokens produce.
 */
import { p256 } from '@noble/curves/nist.js';

export function nobleVerifyEs256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return p256.verify(signature, message, publicKey, { prehash: true, lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

/** Deterministic (RFC 6979) low-S signature: what the ES256 test vectors are made with. */
export function nobleSignEs256(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(message, privateKey, { prehash: true, lowS: true, format: 'compact' });
}

/** The 65-byte uncompressed public key of a 32-byte private scalar. */
export function noblePublicKeyEs256(privateKey: Uint8Array): Uint8Array {
  return p256.getPublicKey(privateKey, false);
}

/** A fresh key pair: a random scalar in [1, n-1] (rejection-sampled from the system RNG) and its uncompressed point. */
export function nobleEs256KeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}
