/**
 * Signatures that verified before, so the same bytes are not verified twice
 * (a staged TAO is checked when it is presented and again when a write takes
 * it: ~0.17 ms of Ed25519 each time on the gateway's hardware). An entry is
 * SHA-256 over (public key, message, signature), length-prefixed: a hit is
 * exactly a triple that verified, and an Ed25519 or ECDSA verification of the
 * same triple gives the same answer every time. Only successes are kept,
 * so a forged or tampered signature is always verified (and refused) in
 * full. Bounded: the oldest entry goes first.
 */
import { createHash } from 'node:crypto';

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export class VerifiedSignatures {
  private readonly seen = new Set<string>();
  readonly stats = { hits: 0, verified: 0, refused: 0 };

  constructor(private readonly max = 4096) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`VerifiedSignatures: max must be a positive integer, got ${max}`);
  }

  /** `verify`, answered from memory when this exact triple verified before. */
  verify(verify: VerifyFn, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = entryOf(publicKey, message, signature);
    if (this.seen.has(key)) {
      this.stats.hits++;
      return true;
    }
    if (!verify(publicKey, message, signature)) {
      this.stats.refused++;
      return false;
    }
    this.stats.verified++;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(key);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

function entryOf(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
  const h = createHash('sha256');
  for (const part of [publicKey, message, signature]) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(part.length);
    h.update(len).update(part);
  }
  return h.digest('base64');
}
