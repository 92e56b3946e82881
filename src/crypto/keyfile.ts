/**
 * Key files: a JSON Web Key with the taogate key id, a name and a role:
 * Ed25519 (RFC 8037, kty OKP, crv Ed25519, the default) or ES256 (RFC 7518,
 * kty EC, crv P-256, x and y). Private key files are written mode 0600
 * and refused on read when group or others can read them (outside Windows).
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fromB64u, toB64u } from './encoding.js';
import type { SigAlg } from './alg.js';
import { Ed25519Signer, keyIdOf, type RawKeyPair, type Signer } from './ed25519.js';
import { Es256Signer, p256Coordinates, p256Point, type Es256KeyPair } from './p256.js';
import { verifySignature } from './verify.js';

export type KeyRole = 'governance' | 'gateway' | 'upstream' | 'approver' | 'actor';

export interface PublicKeyJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  /** EC keys only. */
  y?: string;
  /** The signature algorithm of the key (JOSE names): EdDSA or ES256. */
  alg?: SigAlg;
  kid: string;
  name: string;
  role: KeyRole;
}

export interface PrivateKeyJwk extends PublicKeyJwk {
  d: string;
}

export function privateJwk(name: string, role: KeyRole, pair: RawKeyPair): PrivateKeyJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: toB64u(pair.publicKey), d: toB64u(pair.privateKey), kid: keyIdOf(pair.publicKey), name, role };
}

export function privateJwkEs256(name: string, role: KeyRole, pair: Es256KeyPair): PrivateKeyJwk {
  return { kty: 'EC', crv: 'P-256', alg: 'ES256', ...p256Coordinates(pair.publicKey), d: toB64u(pair.privateKey), kid: keyIdOf(pair.publicKey), name, role };
}

/** The JWK members that carry a raw public key of either algorithm. */
export function publicJwkMembers(alg: SigAlg, publicKey: Uint8Array): Pick<PublicKeyJwk, 'kty' | 'crv' | 'x' | 'y' | 'alg'> {
  return alg === 'ES256' ? { kty: 'EC', crv: 'P-256', ...p256Coordinates(publicKey), alg } : { kty: 'OKP', crv: 'Ed25519', x: toB64u(publicKey), alg };
}

export function writePrivateKeyFile(path: string, jwk: PrivateKeyJwk): void {
  writeFileSync(path, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export interface LoadedKey {
  readonly name: string;
  readonly role: KeyRole;
  readonly signer: Signer;
}

export function readPrivateKeyFile(path: string): LoadedKey {
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0) throw new Error(`${path}: private key file is readable by group or others (chmod 600 it)`);
  }
  let jwk: Partial<PrivateKeyJwk>;
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as Partial<PrivateKeyJwk>;
  } catch (err) {
    throw new Error(`${path}: not a JSON key file (${(err as Error).message})`);
  }
  let signer: Signer;
  try {
    signer = signerOfJwk(jwk);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  // Reject a file whose x does not belong to d: sign and check.
  const probe = new TextEncoder().encode('taogate-key-selftest');
  if (!verifyPair(signer, probe)) throw new Error(`${path}: public key does not match the private key`);
  return { name: String(jwk.name ?? ''), role: (jwk.role ?? 'actor') as KeyRole, signer };
}

function signerOfJwk(jwk: Partial<PrivateKeyJwk>): Signer {
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('not a private JWK (d and x are required)');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return new Ed25519Signer({ privateKey: fromB64u(jwk.d), publicKey: fromB64u(jwk.x) });
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.y === 'string') {
    return new Es256Signer({ privateKey: fromB64u(jwk.d), publicKey: p256Point(fromB64u(jwk.x), fromB64u(jwk.y)) });
  }
  throw new Error('not an Ed25519 (kty OKP, crv Ed25519) or ES256 (kty EC, crv P-256) private JWK');
}

function verifyPair(signer: Signer, probe: Uint8Array): boolean {
  return verifySignature(signer.publicKey, probe, signer.sign(probe));
}
