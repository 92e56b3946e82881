/**
 * The Merkle tree math (src/ledger/merkle*.ts) against (1) the published
 * RFC 6962 / RFC 9162 known answers of transparency-dev/merkle
 * (test/vectors/merkle-rfc6962.json, source named in the file) and (2) a
 * deliberately simple reference implementation below that follows the RFC's
 * recursive definitions word for word over leaf data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CompactRange } from '../../src/ledger/merkle-range.js';
import { consistencyProof, inclusionProof } from '../../src/ledger/merkle-proof.js';
import { checkConsistency, checkInclusion, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle-verify.js';
import { EMPTY_ROOT, hashChildren, hashLeaf, MemoryTree, rootOfLeafHashes, type Hash } from '../../src/ledger/merkle.js';

const V = JSON.parse(readFileSync(new URL('../vectors/merkle-rfc6962.json', import.meta.url), 'utf8')) as {
  hashes: { emptyRoot: string; emptyLeaf: string; leafL123456: { data: string; hash: string }; childrenN123N456: { left: string; right: string; hash: string } };
  leaves: string[];
  roots: string[];
  inclusionProofs: { leaf: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
};
const hx = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// ---- the reference: RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 as written, on leaf data ----
const H = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1); // largest power of 2 < n
function refMTH(D: Uint8Array[]): Uint8Array {
  if (D.length === 0) return H();
  if (D.length === 1) return H(Uint8Array.of(0), D[0]!);
  const s = k(D.length);
  return H(Uint8Array.of(1), refMTH(D.slice(0, s)), refMTH(D.slice(s)));
}
function refPATH(m: number, D: Uint8Array[]): Uint8Array[] {
  if (D.length === 1) return [];
  const s = k(D.length);
  return m < s ? [...refPATH(m, D.slice(0, s)), refMTH(D.slice(s))] : [...refPATH(m - s, D.slice(s)), refMTH(D.slice(0, s))];
}
function refSUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === D.length) return b ? [] : [refMTH(D)];
  const s = k(D.length);
  return m <= s ? [...refSUBPROOF(m, D.slice(0, s), b), refMTH(D.slice(s))] : [...refSUBPROOF(m - s, D.slice(s), false), refMTH(D.slice(0, s))];
}
const refPROOF = (m: number, D: Uint8Array[]) => (m === 0 ? [] : refSUBPROOF(m, D, true));

function flipOne(proof: Hash[], i: number, bit = 0): Hash[] {
  const out = proof.map((p) => new Uint8Array(p));
  out[i]![bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('merkle: RFC 9162 tree hashes and proofs', function () {
  describe('published vectors (transparency-dev/merkle)', () => {
    const data = V.leaves.map(hx);
    const leafHashes = data.map(hashLeaf);

    it('when hashing leaves and nodes it matches the RFC 6962 known answers', () => {
      expect(toHex(EMPTY_ROOT)).to.equal(V.hashes.emptyRoot);
      expect(toHex(hashLeaf(new Uint8Array()))).to.equal(V.hashes.emptyLeaf);
      expect(toHex(hashLeaf(hx(V.hashes.leafL123456.data)))).to.equal(V.hashes.leafL123456.hash);
      const c = V.hashes.childrenN123N456;
      expect(toHex(hashChildren(hx(c.left), hx(c.right)))).to.equal(c.hash);
    });

    it('when computing the root of the first 1..8 leaves it matches every published root', () => {
      V.roots.forEach((root, i) => {
        expect(toHex(rootOfLeafHashes(leafHashes.slice(0, i + 1))), `size ${i + 1}`).to.equal(root);
        expect(toHex(refMTH(data.slice(0, i + 1)))).to.equal(root);
      });
    });

    it('when proving inclusion it produces the published proofs, and they verify', () => {
      for (const v of V.inclusionProofs) {
        const tree = new MemoryTree(leafHashes.slice(0, v.size));
        const proof = inclusionProof(v.leaf - 1, v.size, tree.nodeAt);
        expect(proof.map(toHex), `leaf ${v.leaf} size ${v.size}`).to.deep.equal(v.proof);
        expect(checkInclusion(v.leaf - 1, v.size, leafHashes[v.leaf - 1]!, v.proof.map(hx), hx(V.roots[v.size - 1]!))).to.equal(null);
      }
    });

    it('when proving consistency it produces the published proofs, and they verify', () => {
      for (const v of V.consistencyProofs) {
        const tree = new MemoryTree(leafHashes.slice(0, v.size2));
        expect(consistencyProof(v.size1, v.size2, tree.nodeAt).map(toHex), `${v.size1} -> ${v.size2}`).to.deep.equal(v.proof);
        expect(checkConsistency(v.size1, v.size2, hx(V.roots[v.size1 - 1]!), hx(V.roots[v.size2 - 1]!), v.proof.map(hx))).to.equal(null);
      }
    });

    it('when a published proof is corrupted (one bit, wrong index or size, extra or missing element, swapped roots) it fails', () => {
      for (const v of V.inclusionProofs.filter((p) => p.proof.length > 0)) {
        const [i, n, leaf, proof, root] = [v.leaf - 1, v.size, leafHashes[v.leaf - 1]!, v.proof.map(hx), hx(V.roots[v.size - 1]!)];
        for (let e = 0; e < proof.length; e++) expect(verifyInclusion(i, n, leaf, flipOne(proof, e, 3), root)).to.equal(false);
        expect(verifyInclusion(i + 1, n, leaf, proof, root)).to.equal(false);
        if (i > 0) expect(verifyInclusion(i - 1, n, leaf, proof, root)).to.equal(false);
        expect(verifyInclusion(i, n * 2, leaf, proof, root)).to.equal(false);
        expect(verifyInclusion(i, Math.floor(n / 2), leaf, proof, root)).to.equal(false);
        expect(verifyInclusion(i, n, leaf, [...proof, root], root)).to.equal(false);
        expect(verifyInclusion(i, n, leaf, [root, ...proof], root)).to.equal(false);
        expect(verifyInclusion(i, n, leaf, proof.slice(0, -1), root)).to.equal(false);
        expect(verifyInclusion(i, n, leaf, proof, EMPTY_ROOT)).to.equal(false);
      }
      for (const v of V.consistencyProofs.filter((p) => p.proof.length > 0)) {
        const [m, n, proof, r1, r2] = [v.size1, v.size2, v.proof.map(hx), hx(V.roots[v.size1 - 1]!), hx(V.roots[v.size2 - 1]!)];
        for (let e = 0; e < proof.length; e++) expect(verifyConsistency(m, n, r1, r2, flipOne(proof, e, 4))).to.equal(false);
        expect(verifyConsistency(m, n, r2, r1, proof)).to.equal(false);
        expect(verifyConsistency(m + 1, n, r1, r2, proof)).to.equal(false);
        expect(verifyConsistency(m, n * 2, r1, r2, proof)).to.equal(false);
        expect(verifyConsistency(m, n, r1, r2, [])).to.equal(false);
        expect(verifyConsistency(m, n, r1, r2, [...proof, r1])).to.equal(false);
        expect(verifyConsistency(m, n, r1, r2, [proof[0]!, ...proof])).to.equal(false);
        expect(verifyConsistency(m, n, r1, r2, proof.slice(0, -1))).to.equal(false);
      }
    });

    it('when sizes are degenerate it follows the RFC edge rules', () => {
      const r = hashLeaf(Uint8Array.of(1));
      expect(checkInclusion(0, 0, r, [], r)).to.match(/not below tree size/);
      expect(checkInclusion(0, 1, r, [], r)).to.equal(null);
      expect(checkConsistency(0, 5, EMPTY_ROOT, r, [])).to.equal(null);
      expect(checkConsistency(3, 3, r, r, [])).to.equal(null);
      expect(checkConsistency(3, 3, r, EMPTY_ROOT, [])).to.match(/different roots/);
      expect(checkConsistency(4, 3, r, r, [])).to.match(/larger/);
      expect(checkConsistency(1, 2, r, r, [])).to.equal('empty proof');
    });
  });

  describe('against the simple reference implementation', () => {
    it('when trees have 1..64 leaves every inclusion and consistency proof equals the reference and verifies', () => {
      const data = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i, i * 7));
      const tree = new MemoryTree(data.map(hashLeaf));
      for (let n = 1; n <= 64; n++) {
        const D = data.slice(0, n);
        const root = refMTH(D);
        expect(toHex(tree.root(n))).to.equal(toHex(root));
        for (let i = 0; i < n; i++) {
          const p = inclusionProof(i, n, tree.nodeAt);
          expect(p.map(toHex)).to.deep.equal(refPATH(i, D).map(toHex));
          expect(checkInclusion(i, n, hashLeaf(D[i]!), p, root)).to.equal(null);
        }
        for (let m = 0; m <= n; m++) {
          const p = consistencyProof(m, n, tree.nodeAt);
          expect(p.map(toHex), `${m} -> ${n}`).to.deep.equal(refPROOF(m, D).map(toHex));
          expect(checkConsistency(m, n, m === 0 ? EMPTY_ROOT : refMTH(data.slice(0, m)), root, p), `${m} -> ${n}`).to.equal(null);
        }
      }
    });
  });

  describe('random trees up to 10,000 leaves', () => {
    it('when every inclusion and consistency proof is checked they verify, and with any one hash changed they fail', function () {
      this.timeout(120_000);
      for (const n of [1, 2, 3, 7, 100, 255, 256, 257, 1000, 4097, 10_000]) {
        const leaves = Array.from({ length: n }, () => hashLeaf(randomBytes(32)));
        const tree = new MemoryTree(leaves);
        const range = new CompactRange();
        const roots: Hash[] = [EMPTY_ROOT];
        for (const l of leaves) {
          range.append(l);
          roots.push(range.root());
        }
        expect(toHex(roots[n]!)).to.equal(toHex(tree.root()));
        // every inclusion proof at size n
        for (let i = 0; i < n; i++) {
          const p = inclusionProof(i, n, tree.nodeAt);
          expect(verifyInclusion(i, n, leaves[i]!, p, roots[n]!), `inclusion ${i}/${n}`).to.equal(true);
          if (p.length > 0) expect(verifyInclusion(i, n, leaves[i]!, flipOne(p, i % p.length, i % 256), roots[n]!), `tampered ${i}/${n}`).to.equal(false);
        }
        // every consistency proof into size n, and from every m to a random later size
        for (let m = 1; m <= n; m++) {
          const p = consistencyProof(m, n, tree.nodeAt);
          expect(verifyConsistency(m, n, roots[m]!, roots[n]!, p), `consistency ${m} -> ${n}`).to.equal(true);
          if (p.length > 0) expect(verifyConsistency(m, n, roots[m]!, roots[n]!, flipOne(p, m % p.length, m % 256))).to.equal(false);
          const n2 = m + Math.floor(Math.random() * (n - m + 1));
          const q = consistencyProof(m, n2, tree.nodeAt);
          expect(verifyConsistency(m, n2, roots[m]!, roots[n2]!, q), `consistency ${m} -> ${n2}`).to.equal(true);
        }
        // a proof for a different leaf never verifies
        if (n > 1) expect(verifyInclusion(0, n, leaves[1]!, inclusionProof(0, n, tree.nodeAt), roots[n]!)).to.equal(false);
      }
    });

    it('when every hash of a proof is changed in turn, each change fails (10,000 leaves, sampled leaves)', function () {
      const n = 10_000;
      const leaves = Array.from({ length: n }, () => hashLeaf(randomBytes(32)));
      const tree = new MemoryTree(leaves);
      const root = tree.root();
      for (const i of [0, 1, 4095, 4096, 8191, 8192, 9998, 9999]) {
        const p = inclusionProof(i, n, tree.nodeAt);
        for (let e = 0; e < p.length; e++) expect(verifyInclusion(i, n, leaves[i]!, flipOne(p, e, 255), root)).to.equal(false);
      }
      for (const m of [1, 2, 3, 1024, 4097, 9999]) {
        const p = consistencyProof(m, n, tree.nodeAt);
        for (let e = 0; e < p.length; e++) expect(verifyConsistency(m, n, tree.root(m), root, flipOne(p, e, 0))).to.equal(false);
      }
    });
  });
});
