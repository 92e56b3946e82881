/**
 * The independent Ed25519 implementation (@noble/ed25519, strict RFC 8032
 * verification: zip215 false, so it agrees with OpenSSL). Used by the tests,
 * the offline bundle verifier and the browser console to cross-check every
 * signature format produced by node:crypto.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

export function nobleVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function nobleSign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed.sign(message, privateKey);
}

export function noblePublicKey(privateKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(privateKey);
}
