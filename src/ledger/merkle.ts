/**
 * The receipt Merkle tree (RFC 9162 section 2.1): pure hashing and tree
 * math, no storage.
 *
 *   leaf hash = SHA-256(0x00 || leaf)        (RFC 9162 2.1.1, domain 0x00)
 *   node hash = SHA-256(0x01 || left || right) (domain 0x01)
 *   MTH({})   = SHA-256()                    (the empty tree)
 *
 * A taogate leaf is the 32 bytes of a receipt's `hash` (itself a
 * domain-separated hash of the receipt's canonical bytes), so a proof can be
 * checked from the receipt alone.
 *
 * Trees are addressed by perfect subtrees ("nodes"): node (level, index)
 * covers leaves [index * 2^level, (index + 1) * 2^level). Proof generation
 * reads such nodes through a `NodeReader`, so the same code runs over an
 * in-memory tree, LevelDB, or an upstream copy. Sizes and indexes are plain
 * numbers (safe integers); no 32-bit bit operations are used on them.
 */
import { fromHex } from '../crypto/encoding.js';
import { sha256 } from '../crypto/hash.js';

export type Hash = Uint8Array;
export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 2.1.1: MTH of the empty tree. */
export const EMPTY_ROOT: Hash = sha256();

export function hashLeaf(leaf: Uint8Array): Hash {
  return sha256(LEAF_PREFIX, leaf);
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Hash {
  return sha256(NODE_PREFIX, left, right);
}

/** The leaf hash of a receipt, from its hex `hash`. */
export function receiptLeafHash(receiptHashHex: string): Hash {
  return hashLeaf(fromHex(receiptHashHex));
}

/** A perfect subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Reads the hash of a perfect subtree (level 0: the leaf hash). */
export type NodeReader = (level: number, index: number) => Hash;

/** Half-open leaf range [begin, end). */
export type LeafRange = readonly [begin: number, end: number];

export const pow2 = (level: number): number => 2 ** level;

/** Largest power of two strictly less than n (n >= 2). RFC 9162 2.1.1 "k". */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Trailing zero bits of a positive safe integer (Infinity for 0). */
function trailingZeros(x: number): number {
  if (x === 0) return Number.POSITIVE_INFINITY;
  let z = 0;
  while (x % 2 === 0) {
    x /= 2;
    z++;
  }
  return z;
}

/** Floor of log2 for x >= 1. */
function log2Floor(x: number): number {
  let l = 0;
  while (pow2(l + 1) <= x) l++;
  return l;
}

/**
 * The perfect subtrees that exactly cover [begin, end), left to right, each
 * as large as alignment allows (a "compact range").
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  while (begin < end) {
    const level = Math.min(trailingZeros(begin), log2Floor(end - begin));
    out.push({ level, index: begin / pow2(level) });
    begin += pow2(level);
  }
  return out;
}

/** Hash of nodes that form an RFC 9162 subtree, largest first: H(n0, H(n1, ... nk)). */
export function foldRight(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let h = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i--) h = hashChildren(hashes[i] as Hash, h);
  return h;
}

/**
 * MTH(D[begin:end]) for a range that is a subtree of an RFC 9162 tree (its
 * begin aligned to the largest power of two not above its size), read
 * through perfect nodes.
 */
export function rangeHash(range: LeafRange, nodeAt: NodeReader): Hash {
  return foldRight(rangeNodes(range[0], range[1]).map((n) => nodeAt(n.level, n.index)));
}

/** MTH of the first `size` leaves, read through perfect nodes. */
export function rootAt(size: number, nodeAt: NodeReader): Hash {
  return size === 0 ? EMPTY_ROOT : rangeHash([0, size], nodeAt);
}

/** MTH of a list of leaf hashes (RFC 9162 2.1.1). */
export function rootOfLeafHashes(leafHashes: readonly Hash[]): Hash {
  return new MemoryTree(leafHashes).root();
}

/**
 * Every perfect node of a list of leaf hashes, in memory: n leaf hashes
 * cost n - 1 node hashes to build. Serves proofs for any size <= n.
 */
export class MemoryTree {
  private readonly levels: Hash[][];

  constructor(leafHashes: readonly Hash[] = []) {
    this.levels = [[]];
    for (const h of leafHashes) this.append(h);
  }

  get size(): number {
    return (this.levels[0] as Hash[]).length;
  }

  append(leafHash: Hash): void {
    let level = 0;
    let hash = leafHash;
    for (;;) {
      const row = (this.levels[level] ??= []);
      row.push(hash);
      const i = row.length - 1;
      if (i % 2 === 0) return;
      hash = hashChildren(row[i - 1] as Hash, hash);
      level++;
    }
  }

  readonly nodeAt: NodeReader = (level, index) => {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`merkle: no node (level ${level}, index ${index}) in a tree of ${this.size} leaves`);
    return h;
  };

  root(size = this.size): Hash {
    if (size > this.size) throw new RangeError(`merkle: size ${size} is beyond the tree (${this.size} leaves)`);
    return rootAt(size, this.nodeAt);
  }
}
