/**
 * PLC login secrets: the password the gateway logs in to an OPC UA PLC with
 * (a device's `user` + `password_file`), one line in a file of mode 0600.
 * `taogate keys init` makes the ones the profile names inside the keys dir,
 * and `taogate demo` the demo reactor's; the password is then set for that
 * user on the PLC (the demo's and compose's simulator read the same file).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Profile } from '../policy/types.js';

/** KEYS/plc/<device>.secret: the demo's place for a PLC password (what profiles/demo-cell.yaml names). */
export function plcSecretFile(keysDir: string, device = 'reactor'): string {
  return join(keysDir, 'plc', `${device}.secret`);
}

/** Reads the PLC password, making it (24 random characters, mode 0600) the first time. */
export function ensurePlcSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
}

/**
 * Makes the password file of every OPC UA device that logs in with user +
 * password_file, when the file is inside `keysDir` (a relative path in the
 * profile) and does not exist yet. A path outside the keys dir is the site's
 * to provide. Returns the files made.
 */
export function ensureProfilePlcSecrets(keysDir: string, profile: Profile): string[] {
  const made: string[] = [];
  for (const d of profile.devices.values()) {
    if (d.protocol !== 'opcua' || d.identity.kind !== 'user' || isAbsolute(d.identity.passwordFile)) continue;
    const file = resolve(keysDir, d.identity.passwordFile);
    const rel = relative(resolve(keysDir), file);
    if (rel.startsWith('..') || existsSync(file)) continue;
    ensurePlcSecret(file);
    made.push(file);
  }
  return made;
}
