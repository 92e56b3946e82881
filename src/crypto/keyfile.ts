/**
 * Ed25519 key files: a JSON Web Key (RFC 8037, kty OKP, crv Ed25519) with the
 * taogate key id, a name and a role. Private key files are written mode 0600
 * and refused on read when group or others can read them (outside Windows).
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fromB64u, toB64u } from './encoding.js';
import { keyIdOf, Signer, verifyEd25519, type RawKeyPair } from './ed25519.js';

export type KeyRole = 'governance' | 'gateway' | 'upstream' | 'approver' | 'actor';

export interface PublicKeyJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
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
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new Error(`${path}: not an Ed25519 private JWK (kty OKP, crv Ed25519, d, x)`);
  }
  const pair = { privateKey: fromB64u(jwk.d), publicKey: fromB64u(jwk.x) };
  const signer = new Signer(pair);
  // Reject a file whose x does not belong to d: sign and check.
  const probe = new TextEncoder().encode('taogate-key-selftest');
  if (!verifyPair(signer, probe)) throw new Error(`${path}: public key does not match the private key`);
  return { name: String(jwk.name ?? ''), role: (jwk.role ?? 'actor') as KeyRole, signer };
}

function verifyPair(signer: Signer, probe: Uint8Array): boolean {
  return verifyEd25519(signer.publicKey, probe, signer.sign(probe));
}
