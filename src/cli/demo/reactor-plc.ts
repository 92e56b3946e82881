/**
 * The demo's reactor PLC, secured like a hardened PLC, and the trust the
 * demo arranges between it and the gateway (outside the demo both steps are
 * explicit: docs/own-cell.md):
 *
 *   - the PLC's login for the gateway: user `gateway`, a random password in
 *     KEYS/plc/reactor.secret (mode 0600), made once;
 *   - the PLC trusts the gateway's PLC-client certificate
 *     (PKI/plc-client/own/certs/client_certificate.pem, made once);
 *   - the gateway trusts the PLC's server certificate (copied into
 *     PKI/plc-client/trusted/certs).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OpcuaSim } from '../../../simulators/opcua/index.js';
import { addTrustedCertificate } from '../../devices/opcua/pki-folder.js';

export const DEMO_PLC_USER = 'gateway';

/** KEYS/plc/<device>.secret: the password the gateway logs in to the PLC with. */
export function plcSecretFile(keysDir: string, device = 'reactor'): string {
  return join(keysDir, 'plc', `${device}.secret`);
}

/** Reads the PLC password, making it (mode 0600) the first time. */
export function ensurePlcSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
}

export interface SecuredReactorOptions {
  readonly host: string;
  readonly port: number;
  /** The simulator's own PKI folder. */
  readonly plcPkiDir: string;
  /** The gateway's PLC-client PKI folder (PKI/plc-client of the OPC UA front). */
  readonly gatewayPlcPkiDir: string;
  readonly password: string;
  readonly logFile?: string;
}

export async function startSecuredReactor(o: SecuredReactorOptions): Promise<OpcuaSim> {
  const [{ startOpcuaSim }, { ensureClientCertificate }] = await Promise.all([import('../../../simulators/opcua/index.js'), import('../../devices/opcua/client-cert.js')]);
  const gatewayCert = await ensureClientCertificate(o.gatewayPlcPkiDir);
  const sim = await startOpcuaSim({
    host: o.host,
    port: o.port,
    pkiDir: o.plcPkiDir,
    logFile: o.logFile,
    security: { users: { [DEMO_PLC_USER]: o.password }, trustedClientCertificates: [gatewayCert] },
  });
  addTrustedCertificate(o.gatewayPlcPkiDir, sim.certificateFile);
  return sim;
}
