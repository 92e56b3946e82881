/**
 * The log line for a PLC whose server certificate the gateway does not
 * trust: which file node-opcua put under rejected/, where to move it, and
 * the command that does it.
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
