/**
 * Signature algorithms. The algorithm is a property of a key: a trust-store
 * entry names it (`alg`) and its public key encoding matches it exactly:
 *
 *   EdDSA  Ed25519 (RFC 8032), 32-byte public key, 64-byte signature (the default)
 *   ES256  ECDSA P-256 with SHA-256 (RFC 7518 section 3.4), 65-byte uncompressed
 *          SEC1 public key (04 || X || Y), 64-byte signature r || s, low-S only
 *
 * Both signatures are 64 bytes, so every wire format keeps its shape; the key
 * id (keyIdOf) hashes the raw public key bytes of either.
 */
export type SigAlg = 'EdDSA' | 'ES256';

export const SIG_ALGS: readonly SigAlg[] = ['EdDSA', 'ES256'];

export const PUBLIC_KEY_LENGTH: Readonly<Record<SigAlg, number>> = { EdDSA: 32, ES256: 65 };

export const SIGNATURE_LENGTH = 64;

/** The algorithm a raw public key encoding belongs to, or undefined. */
export function algOfPublicKey(publicKey: Uint8Array): SigAlg | undefined {
  if (publicKey.length === 32) return 'EdDSA';
  if (publicKey.length === 65 && publicKey[0] === 0x04) return 'ES256';
  return undefined;
}

/** A signing key wherever it lives (a key file, a PKCS#11 token, a TPM): ledger, governance and upstream only see this. */
export interface Signer {
  readonly keyId: string;
  readonly alg: SigAlg;
  /** Raw public key (see the table above). */
  readonly publicKey: Uint8Array;
  /** A 64-byte signature over message (ES256 hashes it with SHA-256 first). Synchronous. */
  sign(message: Uint8Array): Uint8Array;
}
