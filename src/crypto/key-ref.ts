/**
 * Key reference files: where a part's private key lives in a token, a small
 * PUBLIC JSON file takes the place of its key file (`governance.jwk` ->
 * `governance.pkcs11.json`):
 *
 *   { "pkcs11": "pkcs11:token=taogate;object=governance?module-path=...&pin-source=file:...",
 *     "kid": HEX32, "alg": "EdDSA" | "ES256", "name": "governance", "role": "governance" }
 *
 * It holds no secret (the PIN stays in the pin-source file or the
 * environment). Loading opens the key in the token and refuses it when the
 * token's key is not the one the file names (kid), so a swapped key is noticed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SigAlg } from './alg.js';
import { readPrivateKeyFile, type KeyRole, type LoadedKey } from './keyfile.js';
import { Pkcs11Signer } from './pkcs11/signer.js';
import type { Pkcs11Options } from './pkcs11/token.js';

export interface KeyRefJson {
  pkcs11: string;
  kid: string;
  alg: SigAlg;
  name: string;
  role: KeyRole;
}

/** The reference file that stands for a key file: X.jwk -> X.pkcs11.json. */
export function keyRefPath(keyFile: string): string {
  return keyFile.replace(/\.jwk$/, '') + '.pkcs11.json';
}

export function writeKeyRef(keyFile: string, ref: KeyRefJson): string {
  const path = keyRefPath(keyFile);
  writeFileSync(path, JSON.stringify(ref, null, 2) + '\n', { mode: 0o644 });
  return path;
}

export function readKeyRef(path: string): KeyRefJson {
  let json: Partial<KeyRefJson>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyRefJson>;
  } catch (err) {
    throw new Error(`${path}: not a JSON key reference (${(err as Error).message})`);
  }
  if (typeof json.pkcs11 !== 'string' || typeof json.kid !== 'string' || typeof json.name !== 'string' || typeof json.role !== 'string' || (json.alg !== 'EdDSA' && json.alg !== 'ES256')) {
    throw new Error(`${path}: a key reference needs pkcs11, kid, alg (EdDSA or ES256), name and role`);
  }
  return json as KeyRefJson;
}

/**
 * The signing key of a part: its key file when it exists, else its PKCS#11
 * reference file. Errors name the file.
 */
export function loadSigningKey(keyFile: string, opts: Pkcs11Options = {}): LoadedKey {
  if (existsSync(keyFile)) return readPrivateKeyFile(keyFile);
  const refFile = keyRefPath(keyFile);
  if (!existsSync(refFile)) throw new Error(`${keyFile}: no key file and no PKCS#11 key reference (${refFile})`);
  const ref = readKeyRef(refFile);
  let signer: Pkcs11Signer;
  try {
    signer = Pkcs11Signer.open(ref.pkcs11, opts);
  } catch (err) {
    throw new Error(`${refFile}: ${(err as Error).message}`);
  }
  if (signer.keyId !== ref.kid) throw new Error(`${refFile}: the token's key "${ref.name}" is ${signer.keyId}, not ${ref.kid}`);
  return { name: ref.name, role: ref.role, signer };
}
