import { canonicalBytes } from '../../crypto/canonical.js';
import { Refusal } from '../../refusal/codes.js';

/**
 * not_canonical: the bytes must re-canonicalize to themselves (RFC 8785 with
 * integers only): no whitespace, sorted keys, no duplicate keys, no floats.
 */
export function checkCanonical(body: Uint8Array, parsed: unknown): void {
  let canonical: Uint8Array;
  try {
    canonical = canonicalBytes(parsed);
  } catch (err) {
    throw new Refusal('not_canonical', `payload cannot be canonical JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!sameBytes(canonical, body)) {
    const at = firstDifference(canonical, body);
    throw new Refusal('not_canonical', `payload bytes differ from their canonical form at byte ${at}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && firstDifference(a, b) === a.length;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
