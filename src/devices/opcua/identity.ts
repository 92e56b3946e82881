/**
 * The identity the gateway presents to an OPC UA PLC (a device's `user` +
 * `password_file`, `user_cert` + `user_key`, or anonymous), read from disk
 * once at start. Relative paths are resolved against the gateway's keys dir.
 * The password is never logged.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { UserIdentityInfo } from 'node-opcua';
import { nodeOpcua } from './node-opcua.js';
import type { OpcuaDevice } from '../../policy/types.js';
import { readCertificateDer } from './pki-folder.js';

const { UserTokenType } = nodeOpcua;

export function resolveDeviceFile(keysDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(keysDir, file);
}

/** Reads the device's credentials; throws one clear line naming the device and the file. */
export function loadPlcIdentity(device: OpcuaDevice, keysDir: string): UserIdentityInfo {
  const id = device.identity;
  if (id.kind === 'anonymous') return { type: UserTokenType.Anonymous };
  if (id.kind === 'user') {
    const file = resolveDeviceFile(keysDir, id.passwordFile);
    const password = readSecretLine(file, `device ${device.id}: password_file`);
    return { type: UserTokenType.UserName, userName: id.user, password };
  }
  const certFile = resolveDeviceFile(keysDir, id.certFile);
  const keyFile = resolveDeviceFile(keysDir, id.keyFile);
  let certificateData: Buffer;
  let privateKey: string;
  try {
    certificateData = readCertificateDer(certFile);
  } catch (err) {
    throw new Error(`device ${device.id}: user_cert ${certFile}: ${reason(err)}`);
  }
  try {
    privateKey = readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new Error(`device ${device.id}: user_key ${keyFile}: ${reason(err)}`);
  }
  return { type: UserTokenType.Certificate, certificateData, privateKey };
}

function readSecretLine(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${what} ${file}: ${reason(err)}`);
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new Error(`${what} ${file} is empty`);
  return line;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
}
