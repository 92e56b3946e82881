/**
 * The replay guard of signed requests (src/tao/signed.ts NonceCache): a nonce
 * is refused again until it expires, expired ones are dropped from the
 * oldest on use, and a rate above `max` per window does not scan the whole
 * map on every request.
 */
import { expect } from 'chai';
import { NonceCache } from '../../src/tao/signed.js';

describe('tao: nonce cache (replay guard of signed requests)', () => {
  it('when a nonce is used again before it expires, it is refused; expired nonces are dropped as new ones arrive', () => {
    const c = new NonceCache();
    expect(c.firstUse('a', 1060, 1000)).to.equal(true);
    expect(c.firstUse('b', 1061, 1001)).to.equal(true);
    expect(c.firstUse('a', 1061, 1001)).to.equal(false);
    expect(c.firstUse('c', 1090, 1030)).to.equal(true);
    expect(c.size).to.equal(3);
    // at 1061 'a' (exp 1060) is gone, 'b' (exp 1061) still held
    expect(c.firstUse('d', 1121, 1061)).to.equal(true);
    expect(c.size).to.equal(3);
    expect(c.firstUse('b', 1121, 1061)).to.equal(false);
  });

  it('when more than max unexpired nonces are held, none is forgotten and the full scan does not run on every use', () => {
    const c = new NonceCache(1000);
    for (let i = 0; i < 5000; i++) expect(c.firstUse(`n${i}`, 2000, 1000)).to.equal(true);
    expect(c.size).to.equal(5000);
    for (let i = 0; i < 5000; i += 97) expect(c.firstUse(`n${i}`, 2000, 1000)).to.equal(false);
    const t0 = performance.now();
    for (let i = 5000; i < 25_000; i++) c.firstUse(`n${i}`, 2000, 1000);
    // a full scan per use would visit ~3e8 entries here
    expect(performance.now() - t0).to.be.below(5000);
    expect(c.size).to.equal(25_000);
  });

  it('when the clock stepped back, a nonce seen earlier with a later expiry is kept until it expires', () => {
    const c = new NonceCache(2);
    expect(c.firstUse('late', 1200, 1140)).to.equal(true);
    expect(c.firstUse('early', 1100, 1040)).to.equal(true);
    expect(c.firstUse('x', 1160, 1101)).to.equal(true);
    expect(c.firstUse('late', 1160, 1101)).to.equal(false);
    expect(c.firstUse('y', 1260, 1201)).to.equal(true);
    expect(c.firstUse('late', 1260, 1201)).to.equal(true);
  });
});
