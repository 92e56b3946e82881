/**
 * The simulator's two security settings. Open: SecurityPolicy None and
 * anonymous sessions. Hardened (like a PLC with its security on): only
 * Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss with Sign or
 * SignAndEncrypt, no anonymous session, users checked in constant time,
 * client certificates trusted only from PKI/server/trusted/certs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { OPCUAServerOptions } from 'node-opcua';
import { nodeOpcua } from '../../src/devices/opcua/node-opcua.js';
import type { OpcuaSimSecurity } from './types.js';

const { MessageSecurityMode, SecurityPolicy } = nodeOpcua;

export function serverSecurity(security: OpcuaSimSecurity | undefined): Pick<OPCUAServerOptions, 'securityPolicies' | 'securityModes' | 'allowAnonymous' | 'userManager'> {
  if (!security) return { securityPolicies: [SecurityPolicy.None], securityModes: [MessageSecurityMode.None], allowAnonymous: true };
  const users = new Map(Object.entries(security.users));
  return {
    securityPolicies: [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss],
    securityModes: [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: false,
    userManager: {
      isValidUser: (user: string, password: string) => {
        const expected = users.get(user);
        if (expected === undefined) return false;
        const a = Buffer.from(expected, 'utf8');
        const b = Buffer.from(password, 'utf8');
        return a.length === b.length && timingSafeEqual(a, b);
      },
    },
  };
}

/** Puts client certificates into the server's trust list before it starts. */
export function trustClientCertificates(serverPki: string, files: readonly string[]): void {
  const dir = join(serverPki, 'trusted', 'certs');
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const bytes = readFileSync(file);
    const ext = extname(file) || '.pem';
    writeFileSync(join(dir, `client-${createHash('sha1').update(bytes).digest('hex')}${ext}`), bytes);
  }
}
