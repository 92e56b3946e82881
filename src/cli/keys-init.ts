/**
 * `taogate keys init`: key pairs for governance, the gateway, the upstream,
 * every approver and every actor of the profile, a trust store with their
 * public keys, and broker credentials (hashed for the broker, one secret
 * file per MQTT user), and the password file of every OPC UA PLC login the
 * profile keeps in the keys dir (set that password on the PLC). Private files
 * are mode 0600. Never overwrites keys.
 */
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SigAlg } from '../crypto/alg.js';
import { generateRawKeyPair } from '../crypto/ed25519.js';
import { privateJwk, privateJwkEs256, writePrivateKeyFile, type KeyRole } from '../crypto/keyfile.js';
import { generateEs256KeyPair } from '../crypto/p256.js';
import { generateCredentials, type UserRole } from '../mqtt/credentials.js';
import type { Profile } from '../policy/types.js';
import { TrustStore } from '../tao/truststore.js';
import { CliError } from './exit.js';
import { keyPaths } from './paths.js';
import { ensureProfilePlcSecrets } from './plc-secret.js';

/** MQTT users every deployment gets. `operator` is what the CLI uses. */
export function mqttUsersFor(gatewayId: string): { username: string; role: UserRole; gatewayId?: string }[] {
  return [
    { username: 'governance', role: 'governance' },
    { username: gatewayId, role: 'gateway', gatewayId },
    { username: 'upstream', role: 'upstream' },
    { username: 'operator', role: 'client' },
    { username: 'console', role: 'client' },
  ];
}

export interface KeysInitResult {
  readonly dir: string;
  readonly created: string[];
}

/** A part whose key is made elsewhere (a PKCS#11 token): returns its public key and alg, writes its own reference file. */
export type TokenKeyMaker = (file: string, name: string, role: 'governance' | 'gateway' | 'upstream') => { publicKey: Uint8Array; alg: SigAlg; kid: string; file: string } | undefined;

/**
 * `keys init --alg ES256` without a token: the governance, gateway and upstream
 * keys are ES256 (ECDSA P-256) key FILES, mode 0600, as a TPM's keys would be
 * but on disk (to run and test a cell whose receipts and TAOs are ES256 without
 * the hardware). Approver and actor keys stay Ed25519 files.
 */
export const es256KeyFiles: TokenKeyMaker = (file, name, role) => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const pair = generateEs256KeyPair();
  const jwk = privateJwkEs256(name, role, pair);
  writePrivateKeyFile(file, jwk);
  return { publicKey: pair.publicKey, alg: 'ES256', kid: jwk.kid, file };
};

export function initKeys(dir: string, profile: Profile, opts: { validityDays?: number; tokenKey?: TokenKeyMaker } = {}): KeysInitResult {
  const paths = keyPaths(dir);
  if (existsSync(paths.trust)) throw new CliError(`${paths.trust} already exists: refusing to overwrite keys (move the folder away first)`);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const trust = TrustStore.fromJson({ version: 1, keys: [] }, paths.trust);
  const now = Math.floor(Date.now() / 1000);
  const notAfter = now + (opts.validityDays ?? 3650) * 86400;
  const created: string[] = [];

  const make = (file: string, name: string, role: KeyRole, approverRole?: string) => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const pair = generateRawKeyPair();
    const jwk = privateJwk(name, role, pair);
    writePrivateKeyFile(file, jwk);
    trust.add({ kid: jwk.kid, name, role, publicKey: pair.publicKey, notBefore: now - 60, notAfter, ...(approverRole ? { approverRole } : {}) });
    created.push(file);
  };

  const part = (file: string, name: string, role: 'governance' | 'gateway' | 'upstream') => {
    const token = opts.tokenKey?.(file, name, role);
    if (!token) return make(file, name, role);
    trust.add({ kid: token.kid, name, role, publicKey: token.publicKey, alg: token.alg, notBefore: now - 60, notAfter });
    created.push(token.file);
  };
  part(paths.governance, 'governance', 'governance');
  part(paths.gateway, profile.gateway.id, 'gateway');
  part(paths.upstream, 'upstream', 'upstream');
  for (const a of profile.approvers.values()) make(paths.approver(a.id), a.id, 'approver', a.role);
  for (const a of profile.actors.values()) make(paths.actor(a.id), a.id, 'actor');

  const { file, passwords } = generateCredentials(mqttUsersFor(profile.gateway.id));
  writeFileSync(paths.mqttUsers, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(paths.mqttUsers, 0o600);
  created.push(paths.mqttUsers);
  for (const [user, password] of Object.entries(passwords)) {
    const secret = paths.mqttSecret(user);
    mkdirSync(dirname(secret), { recursive: true, mode: 0o700 });
    writeFileSync(secret, `${password}\n`, { mode: 0o600 });
    chmodSync(secret, 0o600);
    created.push(secret);
  }
  // PLC logins the profile keeps in the keys dir (password_file: plc/reactor.secret): made here, set on the PLC.
  created.push(...ensureProfilePlcSecrets(paths.dir, profile));
  trust.save(paths.trust);
  created.push(paths.trust);
  return { dir: paths.dir, created };
}
