/**
 * `taogate keys init --tls`: a small private CA for the control plane and a
 * certificate per part, made with the `openssl` command line (node:crypto
 * cannot issue X.509 certificates; OpenSSL is on every Debian host and in the
 * image, so no X.509 library is added to the dependencies).
 *
 * KEYS/tls/ca.crt, ca.key          the CA (keep ca.key offline after issuing)
 * KEYS/tls/broker.crt, broker.key  the broker's server certificate (SANs: --tls-host)
 * KEYS/tls/<user>.crt, <user>.key  one client certificate per MQTT user, CN = the username
 *
 * Keys are ECDSA P-256, private files mode 0600. Never overwrites.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { CliError } from './exit.js';

export interface TlsPaths {
  readonly dir: string;
  readonly ca: string;
  readonly caKey: string;
  cert(name: string): string;
  key(name: string): string;
}

export function tlsPaths(keysDir: string): TlsPaths {
  const dir = join(keysDir, 'tls');
  return { dir, ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: (n) => join(dir, `${n}.crt`), key: (n) => join(dir, `${n}.key`) };
}

export const DEFAULT_BROKER_HOSTS = ['localhost', '127.0.0.1', '::1', 'broker'] as const;

function openssl(args: readonly string[]): void {
  try {
    // An environment variable set to the string "undefined" (an unset value assigned in the same
    // process) would make openssl read a file of that name: such entries are left out.
    const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== 'undefined'));
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new CliError('keys init --tls: the openssl command is not installed (apt-get install openssl)');
    throw new CliError(`keys init --tls: openssl ${args[0]} failed: ${e.stderr?.toString().trim().split('\n')[0] ?? e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Creates the CA, the broker certificate and one client certificate per user. Returns the files made. */
export function initTls(keysDir: string, users: readonly string[], opts: { days?: number; brokerHosts?: readonly string[] } = {}): string[] {
  const p = tlsPaths(keysDir);
  if (existsSync(p.ca)) throw new CliError(`${p.ca} already exists: refusing to overwrite the TLS CA (move ${p.dir} away first)`);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const days = String(opts.days ?? 825);
  const created: string[] = [];
  openssl(['req', '-x509', '-new', ...EC, '-keyout', p.caKey, '-out', p.ca, '-days', String(opts.days ?? 3650), '-subj', '/O=taogate/CN=taogate control-plane CA', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  chmodSync(p.caKey, 0o600);
  created.push(p.ca, p.caKey);

  const issue = (name: string, cn: string, ext: string) => {
    const csr = join(p.dir, `${name}.csr`);
    const extFile = join(p.dir, `${name}.ext`);
    try {
      openssl(['req', '-new', ...EC, '-keyout', p.key(name), '-out', csr, '-subj', `/O=taogate/CN=${cn}`]);
      chmodSync(p.key(name), 0o600);
      writeFileSync(extFile, ext);
      openssl(['x509', '-req', '-in', csr, '-CA', p.ca, '-CAkey', p.caKey, '-set_serial', `0x${randomSerial()}`, '-days', days, '-sha256', '-extfile', extFile, '-out', p.cert(name)]);
    } finally {
      rmSync(csr, { force: true });
      rmSync(extFile, { force: true });
    }
    created.push(p.cert(name), p.key(name));
  };

  const hosts = opts.brokerHosts?.length ? opts.brokerHosts : DEFAULT_BROKER_HOSTS;
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  issue('broker', hosts[0] ?? 'broker', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  for (const user of users) issue(user, user, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  return created;
}

function randomSerial(): string {
  // 16 random bytes, top bit clear (a positive INTEGER).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
