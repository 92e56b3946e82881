/**
 * Why a connection to an OPC UA PLC failed, in words an operator can act
 * on. For a PLC whose server certificate the gateway does not trust: which
 * file node-opcua put under rejected/, where to move it, and the command
 * that does it.
 */
import { join } from 'node:path';
import type { OpcuaDevice } from '../../policy/types.js';
import { STORE_FOLDERS, newestRejected } from './pki-folder.js';

export function untrustedPlcMessage(device: OpcuaDevice, pkiDir: string): string {
  const trusted = join(pkiDir, STORE_FOLDERS.trusted);
  const cert = newestRejected(pkiDir);
  if (!cert) {
    return `PLC ${device.id} (${device.endpoint}) presented a certificate the gateway does not trust: refused. Put the PLC's certificate into ${trusted}`;
  }
  return (
    `PLC ${device.id} (${device.endpoint}) presented a certificate the gateway does not trust (${cert.subject}, SHA-1 ${cert.thumbprint}): refused. ` +
    `Check the thumbprint with the PLC, then move ${cert.file} to ${trusted}/ or run: taogate pki trust ${cert.thumbprint} --pki ${pkiDir}`
  );
}

export interface ConnectFailure {
  /** Short, stable text (health detail; log only when it changes). */
  readonly short: string;
  /** The full line for the log or the CLI. */
  readonly message: string;
  readonly untrusted: boolean;
}

export function describeConnectFailure(err: Error, device: OpcuaDevice, pkiDir: string): ConnectFailure {
  const text = err.message ?? String(err);
  // node-opcua's own check of the PLC's certificate against PKI/trusted ("server Certificate verification failed ...")
  if (/server certificate verification failed/i.test(text)) {
    return { short: 'PLC certificate not trusted', message: untrustedPlcMessage(device, pkiDir), untrusted: true };
  }
  // the PLC closed the secure channel: usually it does not (yet) trust the gateway's client certificate
  if (/rejected by server: BadSecurityChecksFailed|BadCertificateUntrusted/i.test(text)) {
    const own = join(pkiDir, 'own', 'certs', 'client_certificate.pem');
    return { short: 'PLC refused the gateway certificate (BadSecurityChecksFailed)', message: `PLC ${device.id} (${device.endpoint}) refused the secure channel (BadSecurityChecksFailed): put the gateway's client certificate ${own} into the PLC's trust list`, untrusted: true };
  }
  if (/BadUserAccessDenied|BadIdentityToken|BadUserSignatureInvalid/i.test(text)) {
    const who = device.identity.kind === 'certificate' ? 'its user certificate' : device.identity.kind === 'user' ? `user ${device.identity.user}` : 'an anonymous session';
    return { short: `PLC refused the login (${firstLine(text)})`, message: `PLC ${device.id} (${device.endpoint}) refused the gateway's login (${who}): ${firstLine(text)}`, untrusted: false };
  }
  if (/cannot find endpoint/i.test(text)) {
    const what = `${device.securityPolicy} / ${device.securityMode}`;
    return { short: `PLC offers no ${what} endpoint`, message: `PLC ${device.id} (${device.endpoint}) offers no endpoint with ${what}: use a security_policy and security_mode it offers`, untrusted: false };
  }
  return { short: firstLine(text), message: `PLC ${device.id} (${device.endpoint}): connection failed: ${firstLine(text)}`, untrusted: false };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim().slice(0, 200);
}
