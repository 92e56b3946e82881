/**
 * The trust store as the key lookup of receipt and checkpoint verification
 * (ledger verify, verify-bundle, the upstream, the console; docs/ledger.md
 * "Key ids"). A receipt that names its key (`kid`) is checked with exactly
 * that key, which must be a gateway key of that gateway's name; its validity
 * window (notBefore, notAfter, revokedAt) is checked at the receipt's time by
 * the verifier. A receipt without a kid (written before key ids existed) is
 * checked with the gateway's FIRST key of that name in the trust store, the
 * key such receipts were signed with.
 */
import type { TrustedKey, TrustStore } from './truststore.js';

export function receiptKeyLookup(trust: TrustStore | undefined): (gateway: string, kid?: string) => TrustedKey | undefined {
  return (gateway, kid) => {
    if (!trust) return undefined;
    if (kid === undefined) return trust.byName(gateway, 'gateway');
    const key = trust.get(kid);
    return key && key.role === 'gateway' && key.name === gateway ? key : undefined;
  };
}
