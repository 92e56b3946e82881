/**
 * The node-opcua server of the front: endpoints, security, identities.
 *
 * - Listens on `host` only: node-opcua's `host` is what net.Server#listen
 *   binds (without it, 0.0.0.0 / ::); `hostname` is what endpoint URLs say.
 * - Security: None (only when allowSecurityNone: demo and tests) plus Basic256Sha256, Aes128_Sha256_RsaOaep and
 *   Aes256_Sha256_RsaPss, each with Sign and SignAndEncrypt. Never
 *   Basic128Rsa15 (RSA PKCS#1 v1.5; Node 20 warns, OPC UA deprecated it).
 * - Certificates: the server's own under PKI/server, user certificates under
 *   PKI/user (both given, or node-opcua writes ~/.config/node-opcua-default).
 *   Client application certificates are trusted by an operator moving them
 *   from PKI/server/rejected to PKI/server/trusted, unless
 *   autoAcceptClientCertificates (the demo).
 * - Identities: see identity.ts.
 */
import { join } from 'node:path';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { GateLogger } from '../gate/ports.js';
import { profileUserCertificates, type ActorDirectory } from './identity.js';
import { SERVER_TRANSPORT_SETTINGS } from '../../devices/opcua/transport-limits.js';
import { rereadingCertificateManager } from '../../devices/opcua/trust-folders.js';

const { MessageSecurityMode, OPCUAServer, SecurityPolicy } = nodeOpcua;
type OPCUAServer = NodeOpcua.OPCUAServer;

export const SECURITY_POLICIES = [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss] as const;
export const SECURITY_MODES = [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt] as const;

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly pkiDir: string;
  readonly autoAcceptClientCertificates: boolean;
  /** Offer SecurityPolicy None (demo and tests): user passwords then cross the wire readable. */
  readonly allowSecurityNone: boolean;
  readonly actors: ActorDirectory;
  readonly gatewayId: string;
  readonly log: GateLogger;
}

export function createServer(s: ServerSettings): OPCUAServer {
  return new OPCUAServer({
    host: s.host,
    hostname: s.host,
    port: s.port,
    resourcePath: '',
    securityPolicies: SECURITY_POLICIES.filter((p) => s.allowSecurityNone || p !== SecurityPolicy.None),
    securityModes: SECURITY_MODES.filter((m) => s.allowSecurityNone || m !== MessageSecurityMode.None),
    allowAnonymous: true,
    isAuditing: true,
    transportSettings: SERVER_TRANSPORT_SETTINGS,
    // Client applications trusted with `taogate pki trust` (another process) are seen at their next connection:
    // the folder is read again before a refusal, whatever node-opcua's file watcher saw.
    serverCertificateManager: rereadingCertificateManager(
      { rootFolder: join(s.pkiDir, 'server'), automaticallyAcceptUnknownCertificate: s.autoAcceptClientCertificates },
      { onRereadError: (e) => s.log.warn({ err: e.message }, 'could not re-read the OPC UA client certificate folders') },
    ),
    userCertificateManager: profileUserCertificates(s.actors, join(s.pkiDir, 'user'), s.log),
    userManager: {
      isValidUserAsync: (username: string, password: string, callback: (err: Error | null, ok?: boolean) => void) => {
        s.actors.checkPassword(username, password).then((ok) => callback(null, ok), (err: Error) => callback(err, false));
      },
    },
    serverInfo: { applicationUri: `urn:taogate:${s.gatewayId}:opcua`, productUri: 'urn:taogate', applicationName: { text: `taogate ${s.gatewayId}` } },
    buildInfo: { productName: 'taogate gateway', manufacturerName: 'taogate', productUri: 'urn:taogate' },
  });
}
