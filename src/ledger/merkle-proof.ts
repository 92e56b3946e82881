/**
 * Proof generation (RFC 9162 2.1.3.1 PATH and 2.1.4.1 PROOF/SUBPROOF),
 * pure. Each proof element is MTH of a leaf range; `*ProofRanges` returns
 * those ranges, so storage can fetch exactly the perfect nodes they need
 * (`proofNodes`) before `assemble` hashes them.
 */
import { rangeHash, rangeNodes, splitPoint, type Hash, type LeafRange, type NodeId, type NodeReader } from './merkle.js';

function checkSize(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`merkle: ${what} must be a non-negative safe integer, got ${v}`);
}

/** RFC 9162 2.1.3.1: the ranges of PATH(index, D[0:size]), leaf side first. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new RangeError(`merkle: leaf index ${index} is not below tree size ${size}`);
  const out: LeafRange[] = [];
  const path = (m: number, lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const k = splitPoint(hi - lo);
    if (m < k) {
      path(m, lo, lo + k);
      out.push([lo + k, hi]);
    } else {
      path(m - k, lo + k, hi);
      out.push([lo, lo + k]);
    }
  };
  path(index, 0, size);
  return out;
}

/** RFC 9162 2.1.4.1: the ranges of PROOF(m, D[0:n]); empty for m = 0 or m = n. */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  checkSize('older size', m);
  checkSize('newer size', n);
  if (m > n) throw new RangeError(`merkle: older size ${m} is beyond newer size ${n}`);
  const out: LeafRange[] = [];
  if (m === 0) return out;
  const sub = (mm: number, lo: number, hi: number, complete: boolean): void => {
    if (mm === hi - lo) {
      if (!complete) out.push([lo, hi]);
      return;
    }
    const k = splitPoint(hi - lo);
    if (mm <= k) {
      sub(mm, lo, lo + k, complete);
      out.push([lo + k, hi]);
    } else {
      sub(mm - k, lo + k, hi, false);
      out.push([lo, lo + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/** The perfect nodes a list of proof ranges is made of (to prefetch from storage). */
export function proofNodes(ranges: readonly LeafRange[]): NodeId[] {
  return ranges.flatMap(([b, e]) => rangeNodes(b, e));
}

export function assemble(ranges: readonly LeafRange[], nodeAt: NodeReader): Hash[] {
  return ranges.map((r) => rangeHash(r, nodeAt));
}

export function inclusionProof(index: number, size: number, nodeAt: NodeReader): Hash[] {
  return assemble(inclusionProofRanges(index, size), nodeAt);
}

export function consistencyProof(m: number, n: number, nodeAt: NodeReader): Hash[] {
  return assemble(consistencyProofRanges(m, n), nodeAt);
}
