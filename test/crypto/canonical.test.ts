/**
 * canonicalize() takes a fast path without per-member path strings; these
 * tests hold it to a deliberately simple reference (sorted keys, JSON string
 * escaping, safe integers only) over generated values, and check that refused
 * values still get an error that names the place.
 */
import { expect } from 'chai';
import { CanonicalJsonError, canonicalize } from '../../src/crypto/canonical.js';

/** The reference: RFC 8785 style for taogate's domain, written for clarity, not speed. */
function reference(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'B', '10', '9', 'é', '\u{1F600}', 'ä', '', 'z\n', '"q"', 'Z', 'aa', '__proto_'];
function value(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 2 ** 40);
    case 3:
    case 4:
      return KEYS[Math.floor(r() * KEYS.length)]! + String.fromCharCode(Math.floor(r() * 0x2fff));
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]!] = r() < 0.1 ? undefined : value(r, depth + 1);
      return o;
    }
  }
}

describe('canonical JSON', () => {
  it('when given 2,000 generated values, it writes the same bytes as the reference', () => {
    const r = rng(20261202);
    for (let i = 0; i < 2000; i++) {
      const v = value(r, 0);
      expect(canonicalize(v), JSON.stringify(v)).to.equal(reference(v));
    }
  });

  it('when a value is refused deep inside, the error names its path', () => {
    expect(() => canonicalize({ a: [1, { b: 1.5 }] })).to.throw(CanonicalJsonError, 'number 1.5 is not a safe integer at $.a[1].b');
    expect(() => canonicalize({ x: { y: -0 } })).to.throw(CanonicalJsonError, '-0 is not allowed at $.x.y');
    expect(() => canonicalize({ d: new Date(0) })).to.throw(CanonicalJsonError, 'only plain objects are allowed at $.d');
    expect(() => canonicalize([1, undefined])).to.throw(CanonicalJsonError, 'type undefined is not allowed at $[1]');
    expect(() => canonicalize({ n: 2n })).to.throw(CanonicalJsonError, 'type bigint is not allowed at $.n');
  });

  it('when an object has no prototype or undefined members, it treats them as write() always did', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 'x', c: undefined });
    expect(canonicalize(bare)).to.equal('{"a":"x","b":1}');
  });
});
