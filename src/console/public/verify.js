// Receipt verification in the browser, independent of the server's check:
// the page recomputes each receipt's hash from its fields and verifies the
// gateway's signature over the 32 hash bytes with the key the receipt names
// by kid (src/tao/receipt-keys.ts receiptKeyLookup: a gateway key of the
// receipt's gateway name; a receipt without a kid uses the gateway's first key
// of that name), valid at the receipt's time (src/ledger/verify-key.ts). The
// verifier is chosen by the key entry's algorithm (src/crypto/alg.ts):
//   EdDSA  @noble/ed25519, strict RFC 8032 (zip215: false)
//   ES256  @noble/curves P-256 over SHA-256(hash), compact r || s, low-S only
// exactly as src/crypto/noble.ts and src/crypto/noble-p256.ts on the server.
import * as ed from '/vendor/noble-ed25519/index.js';
import { p256 } from '/vendor/noble-curves/nist.js';
import { sha256, sha512 } from '/vendor/noble-hashes/sha2.js';
import { canonicalize, toHex } from './signing.js';

ed.hashes.sha512 = sha512;

const utf8 = new TextEncoder();
const RECEIPT_DOMAIN = 'taogate-receipt-v1\0';

export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new Error('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Standard padded base64 (the receipt's sig) to bytes; throws on anything else. */
export function fromB64(text) {
  if (typeof text !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw new Error('not base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** SHA-256("taogate-receipt-v1\0" || JCS({seq, prev, ts, kind, gateway, kid?, body})) (src/ledger/receipt.ts receiptHash). */
export function receiptHash(r) {
  const { seq, prev, ts, kind, gateway, kid, body } = r;
  const fields = kid === undefined ? { seq, prev, ts, kind, gateway, body } : { seq, prev, ts, kind, gateway, kid, body };
  const bytes = utf8.encode(RECEIPT_DOMAIN + canonicalize(fields));
  return sha256(bytes);
}

/** Verifies a signature under a raw public key with the given algorithm. Never throws. */
export function verifySignature(alg, publicKey, message, signature) {
  try {
    if (signature.length !== 64) return false;
    if (alg === 'EdDSA') return publicKey.length === 32 && ed.verify(signature, message, publicKey, { zip215: false });
    if (alg === 'ES256') return publicKey.length === 65 && p256.verify(signature, message, publicKey, { prehash: true, lowS: true, format: 'compact' });
    return false;
  } catch {
    return false;
  }
}

/** Why the key may not verify a receipt at ts (ms), or '' (src/ledger/verify-key.ts keyWindowProblem). */
function windowProblem(key, ts) {
  const at = ts / 1000;
  if (key.notBefore !== undefined && at < key.notBefore) return `key not valid: key ${key.kid} not yet valid at the receipt's time`;
  if (key.notAfter !== undefined && at > key.notAfter) return `key not valid: key ${key.kid} expired before the receipt's time`;
  if (key.revokedAt !== undefined && at >= key.revokedAt) return `revoked key: ${key.kid}`;
  return '';
}

/** The gateway keys of /api/keys, looked up as the server's receiptKeyLookup does. */
export class KeyRing {
  constructor(keys) {
    this.keys = keys.map((k) => ({ ...k, raw: fromHex(k.publicKey) }));
    this.byKid = new Map(this.keys.map((k) => [k.kid, k]));
  }

  has(kid) {
    return this.byKid.has(kid);
  }

  keyFor(gateway, kid) {
    if (kid === undefined) return this.keys.find((k) => k.role === 'gateway' && k.name === gateway);
    const key = this.byKid.get(kid);
    return key && key.role === 'gateway' && key.name === gateway ? key : undefined;
  }

  /**
   * Checks one stored receipt: its key (by kid), the key's window, the hash
   * over its fields, the signature by the key's algorithm. Returns
   * {ok, key, reason}: reason '' when it verifies.
   */
  check(r) {
    const key = this.keyFor(r.gateway, r.kid);
    if (!key) return { ok: false, key: undefined, reason: `unknown key: no gateway key ${r.kid ?? 'by name'} for ${r.gateway} in the trust store` };
    let hash;
    try {
      hash = receiptHash(r);
    } catch (err) {
      return { ok: false, key, reason: `malformed: ${err.message}` };
    }
    if (toHex(hash) !== r.hash) return { ok: false, key, reason: 'hash mismatch: the stored fields are not what was signed' };
    let sig;
    try {
      sig = fromB64(r.sig);
    } catch {
      return { ok: false, key, reason: 'bad signature: not base64' };
    }
    if (!verifySignature(key.alg, key.raw, hash, sig)) return { ok: false, key, reason: `bad signature (${key.alg}) under key ${key.kid}` };
    const expired = windowProblem(key, r.ts);
    if (expired) return { ok: false, key, reason: expired };
    return { ok: true, key, reason: '' };
  }
}

/** Fetches the gateway keys the server trusts (public keys only). */
export async function loadKeyRing() {
  const res = await fetch('/api/keys');
  if (!res.ok) throw new Error(`GET /api/keys: ${res.status}`);
  const { keys } = await res.json();
  return new KeyRing(keys);
}
