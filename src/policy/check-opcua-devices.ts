/**
 * Semantic checks of OPC UA devices, after the schema passed: security
 * policy and mode agree (None with None only), one identity at most.
 */
import type { CheckContext } from './check-context.js';

export function checkOpcuaDevices(ctx: CheckContext): void {
  for (const [id, d] of Object.entries(ctx.raw.devices)) {
    if (d.protocol !== 'opcua') continue;
    const at = ['devices', id] as const;
    const policy = d.security_policy ?? 'Basic256Sha256';
    if (policy === 'None' && d.security_mode !== undefined && d.security_mode !== 'None') {
      ctx.error([...at, 'security_mode'], `device ${id}: security_policy None signs and encrypts nothing, so security_mode must be None (or left out)`);
    }
    if (policy !== 'None' && d.security_mode === 'None') {
      ctx.error([...at, 'security_mode'], `device ${id}: security_mode None needs security_policy None; with ${policy} use Sign or SignAndEncrypt`);
    }
    if (d.user !== undefined && d.user_cert !== undefined) {
      ctx.error([...at, 'user_cert'], `device ${id}: give one identity: user + password_file, or user_cert + user_key, not both`, 'key');
    }
  }
}
