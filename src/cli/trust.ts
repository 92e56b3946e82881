/** Finding the trust store (public keys) for offline checks. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadSigningKey } from '../crypto/key-ref.js';
import type { LoadedKey } from '../crypto/keyfile.js';
import { TrustStore } from '../tao/truststore.js';
import { CliError } from './exit.js';
import { keyPaths } from './paths.js';

/**
 * The trust store: --trust FILE, else the demo layout (DIR/keys/trust.json or
 * the keys next to a ledger dir), else undefined.
 */
export function findTrustStore(opts: { trust?: string; data?: string; keys?: string }): TrustStore | undefined {
  const candidates: string[] = [];
  if (opts.trust) candidates.push(resolve(opts.trust));
  else {
    if (opts.keys) candidates.push(keyPaths(opts.keys).trust);
    if (opts.data) {
      const d = resolve(opts.data);
      candidates.push(join(d, 'keys', 'trust.json'), join(dirname(d), 'keys', 'trust.json'));
    }
  }
  for (const file of candidates) {
    if (existsSync(file)) {
      try {
        return TrustStore.load(file);
      } catch (err) {
        throw new CliError(`${file}: ${(err as Error).message}`);
      }
    }
  }
  if (opts.trust) throw new CliError(`--trust ${opts.trust}: file not found`);
  return undefined;
}

/** A trust store file, or a CliError naming the file and what is wrong with it. */
export function loadTrust(file: string): TrustStore {
  try {
    return TrustStore.load(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}

/** A private key file, or its PKCS#11 reference (NAME.pkcs11.json), or a CliError saying what is wrong (the message names the file). */
export function loadKey(file: string): LoadedKey {
  try {
    return loadSigningKey(file);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
