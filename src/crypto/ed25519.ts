/**
 * Ed25519 on node:crypto with cached KeyObjects (the hot path). Importing a
 * key costs about as much as a verify, so keys are imported once.
 * The independent second implementation lives in ./noble.ts.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { noblePublicKey } from './noble.js';
import { toB64u, toHex } from './encoding.js';
import { sha256 } from './hash.js';
import type { Signer as AnySigner } from './alg.js';

export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** Key id: first 16 bytes of SHA-256("taogate-kid-v1\0" || raw public key), hex. */
export function keyIdOf(publicKey: Uint8Array): string {
  return toHex(sha256('taogate-kid-v1\0', publicKey).subarray(0, 16));
}

export interface RawKeyPair {
  /** 32-byte seed (RFC 8032 private key). */
  readonly privateKey: Uint8Array;
  /** 32-byte encoded public key. */
  readonly publicKey: Uint8Array;
}

/**
 * A new key pair: 32 random bytes are the RFC 8032 private key (what
 * generateKeyPairSync('ed25519') draws too), the public key is derived with
 * @noble/ed25519. Not generateKeyPairSync + export as JWK: on Node 20 that
 * deadlocked the process once in the test suite (the JWK export holds the
 * key's mutex while allocating; the GC it triggered ran the finished keygen
 * job's destructor, which takes the same mutex).
 */
export function generateRawKeyPair(): RawKeyPair {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, publicKey: noblePublicKey(privateKey) };
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new Error('Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toB64u(publicKey) }, format: 'jwk' });
}

/** Any signer (file, PKCS#11, TPM): see ./alg.ts. `new Signer(pair)` makes an Ed25519 file signer. */
export interface Signer extends AnySigner {}

/** An Ed25519 signing key held in memory (from a key file), imported once. */
export class Ed25519Signer implements Signer {
  readonly keyId: string;
  readonly alg = 'EdDSA' as const;
  private readonly key: KeyObject;

  constructor(readonly pair: RawKeyPair) {
    this.key = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: toB64u(pair.privateKey), x: toB64u(pair.publicKey) },
      format: 'jwk',
    });
    this.keyId = keyIdOf(pair.publicKey);
  }

  get publicKey(): Uint8Array {
    return this.pair.publicKey;
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.key));
  }
}

// eslint-disable-next-line @typescript-eslint/no-redeclare
export const Signer = Ed25519Signer;

const publicKeyCache = new Map<string, KeyObject>();

/** Verify with node:crypto; public keys are cached by their bytes. Never throws on bad input. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  const cacheKey = toB64u(publicKey);
  let key = publicKeyCache.get(cacheKey);
  try {
    if (!key) {
      key = publicKeyObject(publicKey);
      if (publicKeyCache.size > 4096) publicKeyCache.clear();
      publicKeyCache.set(cacheKey, key);
    }
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
