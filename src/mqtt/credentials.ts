/**
 * Broker credentials: the users file and scrypt password hashes.
 *
 * Users file: `{ "version": 1, "users": [{ "username", "role", "gatewayId"?,
 * "passwordHash": "scrypt$N$r$p$<salt b64>$<hash b64>" }] }`.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isSegment, ROLES, type AclUser, type Role } from './topics.js';

export type UserRole = Role;

export interface UserEntry extends AclUser {
  readonly passwordHash: string;
}

export interface UsersFile {
  readonly version: 1;
  readonly users: readonly UserEntry[];
}

export interface NewUser {
  readonly username: string;
  readonly role: UserRole;
  readonly gatewayId?: string | undefined;
}

// OWASP-style interactive parameters: ~16 MiB, ~50 ms per hash here.
const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;
const SALT_LEN = 16;

interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const maxmem = (n: number, r: number) => 256 * n * r + 1024 * 1024;

/** `scrypt$16384$8$1$<salt>$<hash>` for a password (synchronous: used when creating users). */
export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_LEN);
  const hash = scryptSync(Buffer.from(password, 'utf8'), salt, KEY_LEN, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parse a stored hash; undefined when malformed or its cost is out of the accepted bounds. */
function parseHash(stored: string): ScryptParams | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const okInt = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  // bounds keep a hostile file from making one login cost gigabytes or minutes
  if (!okInt(n, 1024, 1 << 20) || (n & (n - 1)) !== 0 || !okInt(r, 1, 32) || !okInt(p, 1, 16)) return undefined;
  if (128 * n * r > 256 * 1024 * 1024) return undefined; // at most 256 MiB per verification
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return undefined;
  return { N: n, r, p, salt, hash };
}

/** Constant-time check of a password against a stored hash. Never throws; false on any malformed input. */
export async function verifyPassword(password: string | Buffer, stored: string): Promise<boolean> {
  const params = parseHash(stored);
  if (!params) return false;
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const derived = await new Promise<Buffer | undefined>((resolve) => {
    scrypt(pw, params.salt, params.hash.length, { N: params.N, r: params.r, p: params.p, maxmem: maxmem(params.N, params.r) }, (err, key) =>
      resolve(err ? undefined : key),
    );
  });
  return derived !== undefined && derived.length === params.hash.length && timingSafeEqual(derived, params.hash);
}

/** A hash of nothing anybody knows: verified against for unknown users, so timing does not reveal which usernames exist. */
let dummyHash: string | undefined;
export function dummyPasswordHash(): string {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

/** New users with random 24-byte base64url passwords. Returns the users file and the clear passwords (write them 0600). */
export function generateCredentials(users: readonly NewUser[]): { file: UsersFile; passwords: Record<string, string> } {
  const passwords: Record<string, string> = {};
  const entries: UserEntry[] = users.map((u) => {
    const password = randomBytes(24).toString('base64url');
    passwords[u.username] = password;
    return { username: u.username, role: u.role, ...(u.gatewayId !== undefined ? { gatewayId: u.gatewayId } : {}), passwordHash: hashPassword(password) };
  });
  return { file: parseUsersFile({ version: 1, users: entries }), passwords };
}

/** Validate untrusted JSON as a users file. Throws a TypeError naming the first problem. */
export function parseUsersFile(json: unknown, source = 'users file'): UsersFile {
  const bad = (msg: string): never => {
    throw new TypeError(`${source}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null) bad('not a JSON object');
  const obj = json as Record<string, unknown>;
  if (obj.version !== 1) bad(`unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  if (!Array.isArray(obj.users)) bad('"users" must be an array');
  const seen = new Set<string>();
  const users = (obj.users as unknown[]).map((raw, i): UserEntry => {
    const where = `users[${i}]`;
    if (typeof raw !== 'object' || raw === null) bad(`${where} is not an object`);
    const u = raw as Record<string, unknown>;
    if (typeof u.username !== 'string' || !isSegment(u.username)) bad(`${where}.username must be 1-64 of A-Z a-z 0-9 . _ -`);
    const username = u.username as string;
    if (seen.has(username)) bad(`${where}: duplicate username '${username}'`);
    seen.add(username);
    if (typeof u.role !== 'string' || !(ROLES as readonly string[]).includes(u.role)) bad(`${where}.role must be one of ${ROLES.join(', ')}`);
    const role = u.role as Role;
    if (u.gatewayId !== undefined && (typeof u.gatewayId !== 'string' || !isSegment(u.gatewayId))) bad(`${where}.gatewayId must be 1-64 of A-Z a-z 0-9 . _ -`);
    if (role === 'gateway' && u.gatewayId === undefined) bad(`${where}: a gateway user needs a gatewayId`);
    if (typeof u.passwordHash !== 'string' || !parseHash(u.passwordHash)) bad(`${where}.passwordHash must be scrypt$N$r$p$<salt b64>$<hash b64>`);
    const gatewayId = u.gatewayId as string | undefined;
    return { username, role, ...(gatewayId !== undefined ? { gatewayId } : {}), passwordHash: u.passwordHash as string };
  });
  return { version: 1, users };
}

/** Read and validate a users file from disk. */
export function readUsersFile(path: string): UsersFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TypeError(`${path}: cannot read users file: ${(err as Error).message}`, { cause: err });
  }
  return parseUsersFile(json, path);
}
