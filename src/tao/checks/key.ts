import type { Envelope } from '../envelope.js';
import { Refusal } from '../../refusal/codes.js';
import { validAt, type TrustedKey, type TrustStore } from '../truststore.js';

/** unknown_key: the signing key must be in the trust store, a 'governance' key, and valid now. */
export function findKey(envelope: Envelope, trust: TrustStore, nowSeconds: number): TrustedKey {
  const kid = envelope.signatures[0]?.keyid ?? '';
  const key = trust.get(kid);
  if (!key) throw new Refusal('unknown_key', `signing key ${kid} is not in the trust store`);
  if (key.role !== 'governance') throw new Refusal('unknown_key', `signing key ${kid} (${key.name}) is a ${key.role} key, not a governance key`);
  if (!validAt(key, nowSeconds)) {
    throw new Refusal('unknown_key', `signing key ${kid} (${key.name}) is valid ${window(key)}, not at ${nowSeconds}`);
  }
  return key;
}

function window(key: TrustedKey): string {
  return `from ${key.notBefore ?? '-'} to ${key.notAfter ?? '-'}`;
}
