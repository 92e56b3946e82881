/**
 * A fresh SoftHSM2 token for a test run: its own config and token folder in
 * a temp dir (SOFTHSM2_CONF), initialised with softhsm2-util, a user PIN in
 * a file (mode 0600). Debian package softhsm2; module at SOFTHSM_MODULE.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  readonly dir: string;
  readonly conf: string;
  readonly pinFile: string;
  readonly label: string;
  /** pkcs11:token=LABEL?module-path=...&pin-source=file:PINFILE */
  readonly uri: string;
  close(): void;
}

export function initSoftHsmToken(label = 'taogate'): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const pinFile = join(dir, 'user.pin');
  writeFileSync(pinFile, '4711-taogate\n', { mode: 0o600 });
  chmodSync(pinFile, 0o600);
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '12345678', '--pin', '4711-taogate'], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' });
  return {
    dir,
    conf,
    pinFile,
    label,
    uri: `pkcs11:token=${label}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
