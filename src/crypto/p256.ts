/**
 * ES256 (ECDSA P-256 + SHA-256) on node:crypto: the hot-path verifier with
 * cached KeyObjects, and an in-memory signer for key files and tests.
 * Signatures are r || s (IEEE P1363, 64 bytes) and LOW-S only: a signer
 * normalizes s to n - s when needed, and every verifier refuses a high s, so
 * a signature cannot be altered into a second valid one. The independent
 * verifier (@noble/curves) lives in ./noble-p256.ts.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Signer } from './alg.js';
import { keyIdOf } from './ed25519.js';
import { toB64u } from './encoding.js';
import { nobleEs256KeyPair } from './noble-p256.js';

/** The order of the P-256 group, and half of it (the low-S bound). */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

export interface Es256KeyPair {
  /** 32-byte private scalar. */
  readonly privateKey: Uint8Array;
  /** 65-byte uncompressed SEC1 point. */
  readonly publicKey: Uint8Array;
}

/**
 * A new key pair. Not generateKeyPairSync + JWK export: on Node 20 that export
 * deadlocked a process once for Ed25519 (it holds the key's mutex while
 * allocating; a GC it triggered ran the keygen job's destructor, which takes
 * the same mutex), and EC keys go through the same code. Same pattern as
 * generateRawKeyPair in ./ed25519.ts.
 */
export function generateEs256KeyPair(): Es256KeyPair {
  return nobleEs256KeyPair();
}

/** 04 || X || Y from the two 32-byte coordinates. */
export function p256Point(x: Uint8Array, y: Uint8Array): Uint8Array {
  if (x.length !== 32 || y.length !== 32) throw new Error('P-256 coordinates must be 32 bytes each');
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(x, 1);
  out.set(y, 33);
  return out;
}

/** The JWK coordinates {x, y} (base64url) of an uncompressed point. */
export function p256Coordinates(point: Uint8Array): { x: string; y: string } {
  if (point.length !== 65 || point[0] !== 4) throw new Error('P-256 public key must be a 65-byte uncompressed point');
  return { x: toB64u(point.subarray(1, 33)), y: toB64u(point.subarray(33, 65)) };
}

function bigOf(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function bytesOf(n: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
}

/** True when r and s are in [1, n-1] and s <= n/2. */
export function isLowS(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const r = bigOf(signature.subarray(0, 32));
  const s = bigOf(signature.subarray(32));
  return r > 0n && r < P256_N && s > 0n && s <= HALF_N;
}

/** r || s with s replaced by n - s when s is high (the same signature, canonical form). */
export function normalizeLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new Error(`ECDSA P-256 signature must be 64 bytes, got ${signature.length}`);
  const s = bigOf(signature.subarray(32));
  if (s <= HALF_N) return signature;
  const out = new Uint8Array(64);
  out.set(signature.subarray(0, 32));
  out.set(bytesOf(P256_N - s), 32);
  return out;
}

export function p256PublicKeyObject(point: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', ...p256Coordinates(point) }, format: 'jwk' });
}

const cache = new Map<string, KeyObject>();

/** ES256 verify with node:crypto (cached keys). Never throws on bad input. */
export function verifyEs256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 65 || !isLowS(signature)) return false;
  const cacheKey = toB64u(publicKey);
  try {
    let key = cache.get(cacheKey);
    if (!key) {
      key = p256PublicKeyObject(publicKey);
      if (cache.size > 4096) cache.clear();
      cache.set(cacheKey, key);
    }
    return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** An ES256 key held in memory (a key file or a test vector). */
export class Es256Signer implements Signer {
  readonly alg = 'ES256' as const;
  readonly keyId: string;
  private readonly key: KeyObject;

  constructor(readonly pair: Es256KeyPair) {
    this.key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: toB64u(pair.privateKey), ...p256Coordinates(pair.publicKey) }, format: 'jwk' });
    this.keyId = keyIdOf(pair.publicKey);
  }

  get publicKey(): Uint8Array {
    return this.pair.publicKey;
  }

  sign(message: Uint8Array): Uint8Array {
    return normalizeLowS(new Uint8Array(sign('sha256', message, { key: this.key, dsaEncoding: 'ieee-p1363' })));
  }
}
