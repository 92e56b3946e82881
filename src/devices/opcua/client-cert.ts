/**
 * The gateway's PLC-client certificate, made ahead of the first connection
 * (~1 s once) so that it can be handed to a PLC to trust (the demo puts it
 * into its reactor simulator's trust list; a real PLC gets it through its
 * engineering tool). Same application name and folder as the session uses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nodeOpcua } from './node-opcua.js';
import { GATEWAY_CLIENT_APPLICATION } from './session.js';

const { OPCUACertificateManager, OPCUAClient } = nodeOpcua;

/** Path of the gateway's PLC-client certificate under `pkiDir` (node-opcua's default name). */
export function clientCertificateFile(pkiDir: string): string {
  return join(pkiDir, 'own', 'certs', 'client_certificate.pem');
}

export async function ensureClientCertificate(pkiDir: string, applicationName = GATEWAY_CLIENT_APPLICATION): Promise<string> {
  const file = clientCertificateFile(pkiDir);
  if (existsSync(file)) return file;
  const certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: false });
  const client = OPCUAClient.create({ applicationName, clientCertificateManager: certificateManager });
  try {
    await certificateManager.initialize();
    await client.createDefaultCertificate();
  } finally {
    await certificateManager.dispose().catch(() => undefined);
  }
  if (!existsSync(file)) throw new Error(`could not create the gateway's PLC client certificate in ${pkiDir}`);
  return file;
}
