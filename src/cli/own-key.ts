/**
 * A part's own key against its own entry in the trust store, checked at
 * start (issue 11, defect 14): governance, the gateway and the upstream
 * refuse to start when their private key is not the trust store's key for
 * their role and name, or that key is not valid now (expired, revoked, not
 * yet valid). Otherwise everything they sign would be refused downstream
 * (`unknown_key`) while they report ready. The message names both files.
 */
import type { Signer } from '../crypto/ed25519.js';
import type { KeyRole } from '../crypto/keyfile.js';
import { validAt, type TrustStore } from '../tao/truststore.js';
import { CliError } from './exit.js';

export interface OwnKey {
  readonly keyFile: string;
  readonly trustFile: string;
  readonly trust: TrustStore;
  readonly signer: Signer;
  readonly role: KeyRole;
  readonly name: string;
}

export function checkOwnKey(o: OwnKey, nowSeconds = Math.floor(Date.now() / 1000)): void {
  const kid = o.signer.keyId;
  const entry = o.trust.get(kid);
  const listed = o.trust.keys().filter((k) => k.role === o.role && k.name === o.name).map((k) => k.kid);
  const expected = listed.length ? `it lists ${o.role} '${o.name}' as ${listed.join(', ')}` : `it has no ${o.role} key named '${o.name}'`;
  if (!entry) throw new CliError(`${o.keyFile} (key ${kid}) is not in ${o.trustFile}: ${expected}; refusing to start with a key nobody would accept`);
  if (entry.role !== o.role || entry.name !== o.name) throw new CliError(`${o.keyFile} (key ${kid}) is ${entry.role} '${entry.name}' in ${o.trustFile}, not ${o.role} '${o.name}'; refusing to start`);
  if (!validAt(entry, nowSeconds)) {
    const why = entry.revokedAt !== undefined && nowSeconds >= entry.revokedAt ? `was revoked at ${iso(entry.revokedAt)}` : entry.notAfter !== undefined && nowSeconds > entry.notAfter ? `expired at ${iso(entry.notAfter)}` : `is valid only from ${iso(entry.notBefore ?? 0)}`;
    throw new CliError(`${o.keyFile} (key ${kid}) ${why} according to ${o.trustFile}; refusing to start`);
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
