/**
 * `taogate keys rotate ROLE NAME` and `taogate keys revoke KID`
 * (docs/ledger.md "Key rotation"; issue 11, defect 8).
 *
 * rotate: a new key pair replaces the private key file; the trust store
 * keeps the old public key with notAfter = now (+ --overlap) and gains the
 * new one; a signed `key_rotated` receipt records the change. Receipts,
 * TAOs and checkpoints signed by the old key before its notAfter keep
 * verifying: every one names the key that signed it (kid).
 *
 * revoke: the trust store marks the key revokedAt = now (or --at); nothing
 * it signs from then on verifies. A `config` receipt {event: key_revoked}
 * records it (signed by the gateway's key, unless that is the key revoked).
 */
import { chmodSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { generateRawKeyPair, type Signer } from '../../crypto/ed25519.js';
import { privateJwk, privateJwkEs256, writePrivateKeyFile, type KeyRole } from '../../crypto/keyfile.js';
import { generateEs256KeyPair } from '../../crypto/p256.js';
import { openLevel } from '../../ledger/level.js';
import type { TrustedKey, TrustStore } from '../../tao/truststore.js';
import { action, output, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { recordKeyEvent, type KeyEvent, type Recorded } from '../key-events.js';
import { dataPaths, keyPaths, type KeyPaths } from '../paths.js';
import { loadKey, loadTrust } from '../trust.js';
import { keyRefPath } from '../../crypto/key-ref.js';
import { rotateTokenKey } from './keys-hardware.js';

const ROTATABLE = ['gateway', 'governance', 'upstream', 'actor', 'approver'] as const;
type Rotatable = (typeof ROTATABLE)[number];

interface LedgerChoice {
  dir: string;
  data?: string;
  ledger?: string;
  json?: boolean;
}

export function registerKeyRotationCommands(keys: Command): void {
  keys
    .command('rotate <role> <name>')
    .description('replace a key: new key pair, the old key ends (notAfter) in the trust store, a signed key_rotated receipt')
    .requiredOption('--dir <dir>', 'keys dir (trust.json and the private key files)')
    .option('--data <dir>', 'demo data dir whose gateway ledger records the rotation (default: the gateway/ next to the keys dir)')
    .option('--ledger <dir>', 'the gateway ledger that records the rotation')
    .option('--overlap <seconds>', 'the old key stays valid this long (restart the part that uses it within it)', parseIntOption(), 0)
    .option('--json', 'print {role, name, old, new, notAfter, receipt|pending}')
    .action(
      action(async (role: string, name: string, opts: LedgerChoice & { overlap: number }) => {
        if (!(ROTATABLE as readonly string[]).includes(role)) throw new CliError(`keys rotate: role must be one of ${ROTATABLE.join(', ')}, got '${role}'`, EXIT.usage);
        const r = await rotateKey(role as Rotatable, name, opts);
        const where = 'written' in r.recorded ? `receipt seq ${r.recorded.written.seq}` : `queued in ${r.recorded.pending} (the gateway records it at its next start)`;
        output(opts.json === true, { role, name, old: r.old.kid, new: r.newKid, notAfter: r.notAfter, ...('written' in r.recorded ? { receipt: r.recorded.written.seq } : { pending: r.recorded.pending }) }, `rotated ${role} key '${name}': ${r.old.kid} -> ${r.newKid}; old key valid until ${new Date(r.notAfter * 1000).toISOString()}; ${where}`);
      }),
    );

  keys
    .command('revoke <kid>')
    .description('revoke a key: whatever it signs from the revocation time on fails verification (TAOs, receipts, checkpoints)')
    .requiredOption('--dir <dir>', 'keys dir (trust.json)')
    .option('--data <dir>', 'demo data dir whose gateway ledger records the revocation (default: the gateway/ next to the keys dir)')
    .option('--ledger <dir>', 'the gateway ledger that records the revocation')
    .option('--at <seconds>', 'revocation time, seconds since the epoch (default: now)', parseIntOption())
    .option('--reason <text>', 'why (recorded in the receipt)', 'revoked')
    .option('--json', 'print {kid, revokedAt, receipt|pending}')
    .action(
      action(async (kid: string, opts: LedgerChoice & { at?: number; reason: string }) => {
        const r = await revokeKey(kid, opts);
        const where = r.recorded === undefined ? 'no receipt (the gateway key itself was revoked: rotate it, the new key records from then on)' : 'written' in r.recorded ? `receipt seq ${r.recorded.written.seq}` : `queued in ${r.recorded.pending}`;
        output(opts.json === true, { kid, revokedAt: r.revokedAt, ...(r.recorded && ('written' in r.recorded ? { receipt: r.recorded.written.seq } : { pending: r.recorded.pending })) }, `revoked ${r.key.role} key '${r.key.name}' (${kid}) from ${new Date(r.revokedAt * 1000).toISOString()}; ${where}`);
      }),
    );
}

function keyFileOf(paths: KeyPaths, role: Rotatable, name: string): string {
  switch (role) {
    case 'gateway':
      return paths.gateway;
    case 'governance':
      return paths.governance;
    case 'upstream':
      return paths.upstream;
    case 'actor':
      return paths.actor(name);
    case 'approver':
      return paths.approver(name);
  }
}

/** The ledger that records key events: --ledger, DATA/gateway, or the gateway/ beside the keys dir. */
function ledgerOf(opts: LedgerChoice): string | undefined {
  if (opts.ledger) return opts.ledger;
  if (opts.data) return dataPaths(opts.data).gatewayLedger;
  const beside = join(dirname(keyPaths(opts.dir).dir), 'gateway');
  return existsSync(beside) ? beside : undefined;
}

/** The one gateway named in the trust store (its id signs the ledger). */
function gatewayIdOf(trust: TrustStore): string {
  const names = [...new Set(trust.keys().filter((k) => k.role === 'gateway').map((k) => k.name))];
  if (names.length !== 1) throw new CliError(`the trust store names ${names.length} gateways (${names.join(', ')}): cannot tell which ledger records the change`);
  return names[0]!;
}

async function ledgerLocked(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  try {
    const db = await openLevel(dir, { create: false });
    await db.close();
    return false;
  } catch (err) {
    return /already open/.test((err as Error).message);
  }
}

async function record(opts: LedgerChoice, trust: TrustStore, signer: Signer, event: KeyEvent): Promise<Recorded> {
  return recordKeyEvent(ledgerOf(opts), gatewayIdOf(trust), signer, keyPaths(opts.dir).dir, event);
}

export async function rotateKey(role: Rotatable, name: string, opts: LedgerChoice & { overlap: number }): Promise<{ old: TrustedKey; newKid: string; notAfter: number; recorded: Recorded }> {
  const paths = keyPaths(opts.dir);
  const trust = loadTrust(paths.trust);
  const file = keyFileOf(paths, role, name);
  if (!existsSync(file) && !existsSync(keyRefPath(file))) throw new CliError(`${file}: no private key file (or PKCS#11 reference) for ${role} '${name}'`);
  const current = loadKey(file).signer;
  const old = trust.get(current.keyId);
  if (!old || old.role !== role || old.name !== name) throw new CliError(`${file} holds key ${current.keyId}, which ${paths.trust} does not list as ${role} '${name}'`);
  const ledger = ledgerOf(opts);
  if (role === 'gateway' && opts.overlap === 0 && ledger && (await ledgerLocked(ledger))) {
    throw new CliError(`the gateway holds ${ledger} and signs with the old key until it restarts: stop it first, or pass --overlap SECONDS and restart it within them`, EXIT.refused);
  }
  const now = Math.floor(Date.now() / 1000);
  const notAfter = now + opts.overlap;
  const span = old.notBefore !== undefined && old.notAfter !== undefined ? old.notAfter - old.notBefore : undefined;
  // A key in a PKCS#11 token is rotated inside the token (./keys-hardware.ts).
  const token = rotateTokenKey(file, now);
  if (token) {
    trust.setValidity(old.kid, { notAfter: Math.min(notAfter, old.notAfter ?? notAfter) });
    trust.add({ kid: token.kid, name, role: role as KeyRole, publicKey: token.publicKey, alg: token.alg, notBefore: now - 60, ...(span !== undefined ? { notAfter: now + span } : {}), ...(old.approverRole ? { approverRole: old.approverRole } : {}) });
    trust.save(paths.trust);
    token.commit();
    const signer = loadKey(paths.gateway).signer;
    const recorded = await record(opts, trust, signer, { kind: 'key_rotated', body: { role, name, old: old.kid, new: token.kid, oldNotAfter: notAfter } });
    return { old, newKid: token.kid, notAfter, recorded };
  }
  // A file key keeps its algorithm: an ES256 key file is replaced by an ES256 key file.
  const es256 = current.alg === 'ES256' ? generateEs256KeyPair() : undefined;
  const pair = es256 ?? generateRawKeyPair();
  const jwk = es256 ? privateJwkEs256(name, role as KeyRole, es256) : privateJwk(name, role as KeyRole, pair);
  // New private key beside the old one first; the trust store next; then the file is swapped.
  const tmp = `${file}.${process.pid}.new`;
  writePrivateKeyFile(tmp, jwk);
  trust.setValidity(old.kid, { notAfter: Math.min(notAfter, old.notAfter ?? notAfter) });
  trust.add({ kid: jwk.kid, name, role: role as KeyRole, publicKey: pair.publicKey, alg: current.alg, notBefore: now - 60, ...(span !== undefined ? { notAfter: now + span } : {}), ...(old.approverRole ? { approverRole: old.approverRole } : {}) });
  trust.save(paths.trust);
  renameSync(tmp, file);
  chmodSync(file, 0o600);
  // Signed by the gateway's key as it is now (the new one when the gateway's was rotated).
  const signer = loadKey(paths.gateway).signer;
  const recorded = await record(opts, trust, signer, { kind: 'key_rotated', body: { role, name, old: old.kid, new: jwk.kid, oldNotAfter: notAfter } });
  return { old, newKid: jwk.kid, notAfter, recorded };
}

export async function revokeKey(kid: string, opts: LedgerChoice & { at?: number; reason: string }): Promise<{ key: TrustedKey; revokedAt: number; recorded?: Recorded }> {
  const paths = keyPaths(opts.dir);
  const trust = loadTrust(paths.trust);
  const key = trust.get(kid);
  if (!key) throw new CliError(`${paths.trust}: no key ${kid}`);
  const revokedAt = opts.at ?? Math.floor(Date.now() / 1000);
  trust.setValidity(kid, { revokedAt });
  trust.save(paths.trust);
  const signer = existsSync(paths.gateway) || existsSync(keyRefPath(paths.gateway)) ? loadKey(paths.gateway).signer : undefined;
  if (!signer || signer.keyId === kid) return { key, revokedAt };
  const recorded = await record(opts, trust, signer, { kind: 'config', body: { event: 'key_revoked', kid, role: key.role, name: key.name, revokedAt, reason: opts.reason } });
  return { key, revokedAt, recorded };
}
