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
import type { OpcuaSim } from '../../../simulators/opcua/index.js';
import { addTrustedCertificate } from '../../devices/opcua/pki-folder.js';

export const DEMO_PLC_USER = 'gateway';

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
