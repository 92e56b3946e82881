/**
 * OPC UA user passwords stored as scrypt hashes:
 *   scrypt$N$r$p$<salt base64>$<hash base64>
 * hashPassword makes one (for profiles); verifyPassword checks a login in
 * constant time. Plain passwords (demo profiles only) compare in constant time too.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { OpcuaIdentity } from './types.js';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };

export function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT, salt: Uint8Array = randomBytes(16)): string {
  const hash = scryptSync(password, salt, 32, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${Buffer.from(salt).toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(stored: string, password: string): boolean {
  if (passwordHashProblem(stored) !== undefined) return false;
  const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { ...params, maxmem: maxmem(params) });
  return timingSafeEqual(actual, expected);
}

/** verifyPassword off the event loop (libuv thread pool): for logins on a live gateway. */
export function verifyPasswordAsync(stored: string, password: string): Promise<boolean> {
  if (passwordHashProblem(stored) !== undefined) return Promise.resolve(false);
  const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64');
  return new Promise((resolve) => {
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { ...params, maxmem: maxmem(params) }, (err, actual) => {
      resolve(!err && timingSafeEqual(actual, expected));
    });
  });
}

/** identityAccepts without blocking the event loop (scrypt runs on the thread pool). */
export async function identityAcceptsAsync(identity: OpcuaIdentity, password: string): Promise<boolean> {
  if (identity.passwordHash !== undefined) return verifyPasswordAsync(identity.passwordHash, password);
  return identityAccepts(identity, password);
}

/** Does `password` log in as this identity (password_hash, or a demo profile's plain password)? */
export function identityAccepts(identity: OpcuaIdentity, password: string): boolean {
  if (identity.passwordHash !== undefined) return verifyPassword(identity.passwordHash, password);
  if (identity.password === undefined) return false;
  const a = Buffer.from(identity.password, 'utf8');
  const b = Buffer.from(password, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function maxmem(p: ScryptParams): number {
  return 256 * p.N * p.r + 1024 * 1024;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** scrypt$N$r$p$salt$hash, N a power of two in 2^10..2^20, r and p 1..64, salt >= 16 bytes, hash >= 32 bytes. */
export function passwordHashProblem(value: string): string | undefined {
  const parts = value.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'is not in scrypt format';
  const [, n, r, p, salt = '', hash = ''] = parts;
  if (!/^[1-9]\d*$/.test(n!) || !/^[1-9]\d*$/.test(r!) || !/^[1-9]\d*$/.test(p!)) return 'has non-numeric N, r or p';
  const N = Number(n);
  if (N < 1024 || N > 2 ** 20 || (N & (N - 1)) !== 0) return `has N = ${n}; N must be a power of two from 1024 to 1048576`;
  if (Number(r) > 64 || Number(p) > 64) return 'has r or p above 64';
  if (!B64.test(salt) || salt.length % 4 !== 0) return 'has a salt that is not base64';
  if (!B64.test(hash) || hash.length % 4 !== 0) return 'has a hash that is not base64';
  if (Buffer.from(salt, 'base64').length < 16) return 'has a salt shorter than 16 bytes';
  if (Buffer.from(hash, 'base64').length < 32) return 'has a hash shorter than 32 bytes';
  return undefined;
}
