/**
 * The trust store: public keys with a name, a role, an algorithm and an
 * optional validity window. On disk it is a JSON Web Key Set (RFC 7517
 * section 5) of Ed25519 (RFC 8037) and P-256 (RFC 7518) keys with taogate
 * members (docs/tao.md, "Trust store"):
 *
 *   { "version": 1, "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": B64URL,
 *     "alg"?: "EdDSA", "kid": HEX32, "name": "...", "role": "governance",
 *     "notBefore"?: S, "notAfter"?: S, "revokedAt"?: S, "approverRole"?: "..." },
 *     { "kty": "EC", "crv": "P-256", "x": B64URL, "y": B64URL, "alg"?: "ES256", ... }] }
 *
 * `alg` defaults to the key type's one algorithm and is always written.
 * `revokedAt` (seconds): the key was revoked then; nothing it signs at or
 * after that second verifies (TAOs, receipts, checkpoints).
 *
 * A gateway holds governance PUBLIC keys only: it can verify a TAO, never mint one.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { algOfPublicKey, PUBLIC_KEY_LENGTH, SIG_ALGS, type SigAlg } from '../crypto/alg.js';
import { keyIdOf } from '../crypto/ed25519.js';
import { fromB64u } from '../crypto/encoding.js';
import { publicJwkMembers, type KeyRole, type PublicKeyJwk } from '../crypto/keyfile.js';
import { p256Point, p256PublicKeyObject } from '../crypto/p256.js';
import { array, describe, HEX32, integer, name, object, oneOf, optional, ShapeError, string } from './strict.js';

export const KEY_ROLES: readonly KeyRole[] = ['governance', 'gateway', 'upstream', 'approver', 'actor'];

export interface TrustedKey {
  readonly kid: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly publicKey: Uint8Array;
  /** The key's signature algorithm; absent means EdDSA (Ed25519). */
  readonly alg?: SigAlg;
  /** Valid from this second on (inclusive). */
  readonly notBefore?: number;
  /** Valid up to and including this second. */
  readonly notAfter?: number;
  /** Revoked from this second on (`taogate keys revoke`). */
  readonly revokedAt?: number;
  /** Approver keys only: the one role this key may approve as. */
  readonly approverRole?: string;
}

/** A trust-store entry: the public JWK of src/crypto/keyfile.ts plus its validity window. */
export interface TrustedKeyJson extends PublicKeyJwk {
  notBefore?: number;
  notAfter?: number;
  revokedAt?: number;
  approverRole?: string;
}

export interface TrustStoreJson {
  version: 1;
  keys: TrustedKeyJson[];
}

export class TrustStore {
  private readonly byKid = new Map<string, TrustedKey>();

  /** Validate a parsed trust store file; errors name the source and the entry. */
  static fromJson(json: unknown, source = 'trust store'): TrustStore {
    const store = new TrustStore();
    try {
      const o = object(json, 'trust store', ['keys'], ['version']);
      if (o.version !== undefined && o.version !== 1) throw new ShapeError('version', `must be 1, got ${describe(o.version)}`);
      array(o.keys, 'keys', 10_000, (k, path) => {
        const key = readKey(k, path);
        try {
          store.add(key);
        } catch (err) {
          throw new ShapeError(`${path} (${key.name})`, (err as Error).message);
        }
      });
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  static load(path: string): TrustStore {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`${path}: cannot read trust store (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path}: trust store is not JSON (${(err as Error).message})`, { cause: err });
    }
    return TrustStore.fromJson(json, path);
  }

  toJson(): TrustStoreJson {
    return { version: 1, keys: [...this.byKid.values()].map(keyToJson) };
  }

  /** Write atomically (temp file + rename). */
  save(path: string): void {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.toJson(), null, 2) + '\n', { mode: 0o644 });
    renameSync(tmp, path);
  }

  /** Add a key; throws when the entry is inconsistent or its kid is already present. */
  add(key: TrustedKey): void {
    const alg = key.alg ?? 'EdDSA';
    oneOf(alg, 'alg', SIG_ALGS);
    if (!(key.publicKey instanceof Uint8Array) || key.publicKey.length !== PUBLIC_KEY_LENGTH[alg] || algOfPublicKey(key.publicKey) !== alg) {
      throw new Error(`an ${alg} public key must be ${PUBLIC_KEY_LENGTH[alg]} bytes${alg === 'ES256' ? ' (uncompressed point)' : ''}`);
    }
    if (alg === 'ES256') {
      try {
        p256PublicKeyObject(key.publicKey);
      } catch {
        throw new Error('public key is not a point on P-256');
      }
    }
    const kid = keyIdOf(key.publicKey);
    if (key.kid !== kid) throw new Error(`kid ${describe(key.kid)} does not match the public key (expected ${kid})`);
    name(key.name, 'name');
    oneOf(key.role, 'role', KEY_ROLES);
    if (key.notBefore !== undefined) integer(key.notBefore, 'notBefore');
    if (key.notAfter !== undefined) integer(key.notAfter, 'notAfter');
    if (key.notBefore !== undefined && key.notAfter !== undefined && key.notAfter < key.notBefore) throw new Error('notAfter is before notBefore');
    if (key.revokedAt !== undefined) integer(key.revokedAt, 'revokedAt');
    if (key.approverRole !== undefined) {
      name(key.approverRole, 'approverRole');
      if (key.role !== 'approver') throw new Error(`approverRole is only allowed on approver keys, not ${key.role}`);
    }
    if (this.byKid.has(kid)) throw new Error(`duplicate kid ${kid}`);
    this.byKid.set(kid, Object.freeze({ ...key, alg, publicKey: new Uint8Array(key.publicKey) }));
  }

  /** The key with this kid, whatever its role and window. */
  get(kid: string): TrustedKey | undefined {
    return this.byKid.get(kid);
  }

  /** The key, when it exists, has this role and is valid at atSeconds. */
  lookup(kid: string, role: KeyRole, atSeconds: number): TrustedKey | undefined {
    const key = this.byKid.get(kid);
    return key && key.role === role && validAt(key, atSeconds) ? key : undefined;
  }

  /** The first key added with this name and role (validity not checked). */
  byName(name: string, role: KeyRole): TrustedKey | undefined {
    for (const k of this.byKid.values()) if (k.name === name && k.role === role) return k;
    return undefined;
  }

  keys(): readonly TrustedKey[] {
    return [...this.byKid.values()];
  }

  /**
   * Take every key of `next` (a reloaded file) in place of the current ones:
   * whoever holds this instance (gate, governance, upstream) sees the new keys
   * at once. `next` was validated when it was built.
   */
  replaceWith(next: TrustStore): void {
    const keys = next.keys();
    this.byKid.clear();
    for (const k of keys) this.byKid.set(k.kid, k);
  }

  /** Changes the validity of a key already present (rotation ends it, revocation marks it); throws when the kid is unknown. */
  setValidity(kid: string, change: { notAfter?: number; revokedAt?: number }): TrustedKey {
    const key = this.byKid.get(kid);
    if (!key) throw new Error(`no key ${kid} in the trust store`);
    const next = { ...key, ...(change.notAfter !== undefined ? { notAfter: change.notAfter } : {}), ...(change.revokedAt !== undefined ? { revokedAt: change.revokedAt } : {}) };
    this.byKid.delete(kid);
    try {
      this.add(next);
    } catch (err) {
      this.byKid.set(kid, key);
      throw err;
    }
    return this.byKid.get(kid)!;
  }
}

export function validAt(key: TrustedKey, atSeconds: number): boolean {
  return (key.notBefore === undefined || atSeconds >= key.notBefore) && (key.notAfter === undefined || atSeconds <= key.notAfter) && (key.revokedAt === undefined || atSeconds < key.revokedAt);
}

function readKey(x: unknown, path: string): TrustedKey {
  const o = object(x, path, ['kty', 'crv', 'x', 'kid', 'name', 'role'], ['y', 'alg', 'notBefore', 'notAfter', 'revokedAt', 'approverRole']);
  const ec = o.kty === 'EC' && o.crv === 'P-256';
  if (!ec && (o.kty !== 'OKP' || o.crv !== 'Ed25519')) throw new ShapeError(path, 'must be an Ed25519 key (kty "OKP", crv "Ed25519") or a P-256 key (kty "EC", crv "P-256")');
  const alg: SigAlg = ec ? 'ES256' : 'EdDSA';
  if (o.alg !== undefined && o.alg !== alg) throw new ShapeError(`${path}.alg`, `must be ${alg} for a ${String(o.crv)} key, got ${describe(o.alg)}`);
  if (!ec && o.y !== undefined) throw new ShapeError(`${path}.y`, 'is only allowed on EC keys');
  const coord = (v: unknown, at: string) => {
    const text = string(v, at, { max: 43, min: 43, pattern: /^[A-Za-z0-9_-]{43}$/, what: 'base64url of 32 bytes' });
    try {
      return fromB64u(text);
    } catch {
      throw new ShapeError(at, 'is not canonical base64url');
    }
  };
  const x0 = coord(o.x, `${path}.x`);
  const publicKey = ec ? p256Point(x0, coord(o.y, `${path}.y`)) : x0;
  const notBefore = optional(o, 'notBefore', (v) => integer(v, `${path}.notBefore`));
  const notAfter = optional(o, 'notAfter', (v) => integer(v, `${path}.notAfter`));
  const revokedAt = optional(o, 'revokedAt', (v) => integer(v, `${path}.revokedAt`));
  const approverRole = optional(o, 'approverRole', (v) => name(v, `${path}.approverRole`));
  return {
    kid: string(o.kid, `${path}.kid`, HEX32),
    name: name(o.name, `${path}.name`),
    role: oneOf(o.role, `${path}.role`, KEY_ROLES),
    publicKey,
    alg,
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(notAfter !== undefined ? { notAfter } : {}),
    ...(revokedAt !== undefined ? { revokedAt } : {}),
    ...(approverRole !== undefined ? { approverRole } : {}),
  };
}

function keyToJson(k: TrustedKey): TrustedKeyJson {
  return {
    ...publicJwkMembers(k.alg ?? 'EdDSA', k.publicKey),
    kid: k.kid,
    name: k.name,
    role: k.role,
    ...(k.notBefore !== undefined ? { notBefore: k.notBefore } : {}),
    ...(k.notAfter !== undefined ? { notAfter: k.notAfter } : {}),
    ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
    ...(k.approverRole !== undefined ? { approverRole: k.approverRole } : {}),
  };
}
