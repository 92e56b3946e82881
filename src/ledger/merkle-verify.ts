/**
 * Proof verification, literally RFC 9162 2.1.3.2 (inclusion) and 2.1.4.2
 * (consistency). Pure; returns null when the proof holds, else a reason.
 * Arithmetic is on safe integers: LSB(x) is x % 2, ">> 1" is floor(x / 2).
 */
import { hashChildren, HASH_BYTES, type Hash } from './merkle.js';

export type ProofFailure = string;

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

function badElement(proof: readonly Uint8Array[]): number {
  return proof.findIndex((p) => !(p instanceof Uint8Array) || p.length !== HASH_BYTES);
}

function sizesOk(...v: number[]): boolean {
  return v.every((x) => Number.isSafeInteger(x) && x >= 0);
}

/** RFC 9162 2.1.3.2: does `proof` show `leafHash` at `index` in the tree of `size` with `root`? */
export function checkInclusion(index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): ProofFailure | null {
  if (!sizesOk(index, size)) return 'index and size must be non-negative integers';
  if (leafHash.length !== HASH_BYTES || root.length !== HASH_BYTES) return 'leaf hash and root must be 32 bytes';
  const bad = badElement(proof);
  if (bad >= 0) return `proof element ${bad} is not 32 bytes`;
  // 1. leaf_index >= tree_size fails.
  if (index >= size) return `leaf index ${index} is not below tree size ${size}`;
  // 2. fn = leaf_index, sn = tree_size - 1;  3. r = hash.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  // 4. for each p in inclusion_path:
  for (const p of proof) {
    // a. sn == 0: fail.
    if (sn === 0) return 'proof is longer than the path to the root';
    // b. LSB(fn) set, or fn == sn:
    if (lsb(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    // c. right-shift both once.
    fn = half(fn);
    sn = half(sn);
  }
  // 5. sn must be 0 and r the root.
  if (sn !== 0) return 'proof is shorter than the path to the root';
  if (!equal(r, root)) return 'the proof does not lead to the root';
  return null;
}

/**
 * RFC 9162 2.1.4.2: is the tree (size1, root1) a prefix of (size2, root2)?
 * Edge cases the RFC's algorithm leaves to the caller: size1 = size2 needs an
 * empty proof and equal roots; size1 = 0 needs an empty proof (every tree
 * extends the empty tree); size1 > size2 fails.
 */
export function checkConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): ProofFailure | null {
  if (!sizesOk(size1, size2)) return 'sizes must be non-negative integers';
  if (root1.length !== HASH_BYTES || root2.length !== HASH_BYTES) return 'roots must be 32 bytes';
  const bad = badElement(proof);
  if (bad >= 0) return `proof element ${bad} is not 32 bytes`;
  if (size1 > size2) return `the older tree (size ${size1}) is larger than the newer one (size ${size2})`;
  if (size1 === size2) {
    if (proof.length !== 0) return 'equal sizes need an empty proof';
    return equal(root1, root2) ? null : `two different roots for the same size ${size1}`;
  }
  if (size1 === 0) return proof.length === 0 ? null : 'a proof from the empty tree must be empty';
  // 1. empty consistency_path fails.
  if (proof.length === 0) return 'empty proof';
  // 2. first an exact power of 2: prepend first_hash.
  const path = isPow2(size1) ? [root1, ...proof] : [...proof];
  // 3. fn = first - 1, sn = second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. while LSB(fn): shift both.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. fr = sr = path[0].
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  // 6. for each subsequent c:
  for (const c of path.slice(1)) {
    if (sn === 0) return 'proof is longer than needed';
    if (lsb(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7. fr == first_hash, sr == second_hash, sn == 0.
  if (sn !== 0) return 'proof is shorter than needed';
  if (!equal(fr, root1)) return 'the proof does not lead to the older root';
  if (!equal(sr, root2)) return 'the proof does not lead to the newer root';
  return null;
}

export const verifyInclusion = (index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): boolean =>
  checkInclusion(index, size, leafHash, proof, root) === null;

export const verifyConsistency = (size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): boolean =>
  checkConsistency(size1, size2, root1, root2, proof) === null;

function isPow2(x: number): boolean {
  if (x < 1) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
