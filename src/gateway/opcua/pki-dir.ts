/**
 * The OPC UA front's certificate folders (node-opcua layout in each):
 *   PKI/server       the front's own server certificate; client applications it trusts
 *   PKI/user         user certificates
 *   PKI/plc-client   the gateway's client certificate towards the PLCs; PLC server certificates it trusts
 * No node-opcua import: the CLI and the demo use these paths without loading it.
 */
import { join } from 'node:path';

export function serverPkiDir(pkiDir: string): string {
  return join(pkiDir, 'server');
}

export function plcPkiDir(pkiDir: string): string {
  return join(pkiDir, 'plc-client');
}
