/**
 * Untrusted garbage: verifyTao never throws and answers bad_envelope for
 * anything that is not a well-formed envelope (random bytes, huge strings,
 * wrong types, prototype-pollution keys, hostile objects).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { verifyTao, verifyTaoSync } from '../../src/tao/verify.js';
import { issueTao } from '../../src/tao/payload.js';
import { basePayload, signers } from '../vectors/fixtures.js';
import { contextFor, IMPLS } from './helpers.js';

const env = () => issueTao(basePayload(), signers.governance);

function garbage(): [string, unknown][] {
  const e = env();
  const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
  const getter = Object.defineProperty({ ...e }, 'payload', { enumerable: true, get: () => { throw new Error('boom'); } });
  const list: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['NaN', NaN],
    ['a boolean', true],
    ['a bigint', 10n],
    ['a symbol', Symbol('x')],
    ['a function', () => e],
    ['an empty string', ''],
    ['JSON null text', 'null'],
    ['JSON array text', '[1,2,3]'],
    ['a Buffer', Buffer.from(JSON.stringify(e))],
    ['a huge string', 'x'.repeat(10_000_000)],
    ['a huge JSON string', JSON.stringify({ ...e, payload: 'A'.repeat(200_000) })],
    ['deeply nested JSON', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['__proto__ at the top', JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(e).slice(1)}`)],
    ['a constructor.prototype key', { ...e, constructor: { prototype: { polluted: true } } }],
    ['signatures as an object', { ...e, signatures: { 0: e.signatures[0], length: 1 } }],
    ['a signature of the wrong type', { ...e, signatures: [42] }],
    ['a null prototype signature with extras', { ...e, signatures: [Object.assign(Object.create(null), e.signatures[0], { x: 1 })] }],
    ['payload as bytes', { ...e, payload: Buffer.from(e.payload, 'base64') }],
    ['a proxy that throws', hostile],
    ['a getter that throws', getter],
  ];
  for (let i = 0; i < 50; i++) list.push([`random bytes #${i}`, randomBytes(1 + (i * 37) % 2000).toString('latin1')]);
  for (let i = 0; i < 20; i++) list.push([`random base64 payload #${i}`, { ...e, payload: randomBytes(8 + i * 13).toString('base64') }]);
  return list;
}

describe('tao: untrusted input', () => {
  for (const impl of IMPLS) {
    it(`when verifyTao (${impl}) gets garbage it answers bad_envelope or bad_signature and never throws`, async () => {
      for (const [what, input] of garbage()) {
        const expected = what.startsWith('random base64 payload') ? 'bad_signature' : 'bad_envelope';
        const r = await verifyTao(input, contextFor(impl));
        expect(r.ok ? 'ok' : r.code, what).to.equal(expected);
        const s = verifyTaoSync(input, contextFor(impl));
        expect(s.ok ? 'ok' : s.code, `${what} (sync)`).to.equal(expected);
      }
    });
  }

  it('when __proto__ appears in the input nothing is polluted', async () => {
    await verifyTao(`{"__proto__":{"polluted":true},"payloadType":"x","payload":"eA==","signatures":[]}`, contextFor('node'));
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('when a refusal reason quotes untrusted text it is short and printable', async () => {
    const r = await verifyTao({ ...env(), payloadType: `\u0000\u001b[31m${'x'.repeat(200)}` }, contextFor('node'));
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(r.code).to.equal('wrong_type');
    expect(r.reason.length).to.be.below(200);
    expect(r.reason).to.match(/^[\x20-\x7e]*$/);
  });
});
