/** The envelope: PAE, signing, strict parsing, and issueTao's own checks. */
import { expect } from 'chai';
import { canonicalize } from '../../src/crypto/canonical.js';
import { parseEnvelope, pae, signEnvelope, TAO_PAYLOAD_TYPE } from '../../src/tao/envelope.js';
import { issueTao, newJti, validatePayloadShape } from '../../src/tao/payload.js';
import { Refusal } from '../../src/refusal/codes.js';
import { basePayload, signers } from '../vectors/fixtures.js';

const utf8 = new TextEncoder();
const valid = () => issueTao(basePayload(), signers.governance);

function refusal(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(Refusal);
    return err as Refusal;
  }
  throw new Error('expected a Refusal');
}

describe('tao: envelope', () => {
  it('when encoding PAE it follows DSSE v1 with byte lengths', () => {
    expect(Buffer.from(pae('t', utf8.encode('ab'))).toString()).to.equal('DSSEv1 1 t 2 ab');
  });

  it('when signing it carries the canonical bytes in standard base64 and one signature by the signer', () => {
    const env = signEnvelope(TAO_PAYLOAD_TYPE, { b: 1, a: 2 }, signers.governance);
    expect(Buffer.from(env.payload, 'base64').toString()).to.equal('{"a":2,"b":1}');
    expect(env.signatures).to.have.length(1);
    expect(env.signatures[0]!.keyid).to.equal(signers.governance.keyId);
    expect(Buffer.from(env.signatures[0]!.sig, 'base64')).to.have.length(64);
  });

  it('when parsing it accepts the envelope as text or as an object and returns a copy', () => {
    const env = valid();
    expect(parseEnvelope(JSON.stringify(env))).to.deep.equal(env);
    const parsed = parseEnvelope(env);
    expect(parsed).to.deep.equal(env);
    expect(parsed).to.not.equal(env);
  });

  const bad: [string, (e: any) => unknown, RegExp][] = [
    ['a missing payload', (e) => ({ payloadType: e.payloadType, signatures: e.signatures }), /envelope\.payload is missing/],
    ['no signature', (e) => ({ ...e, signatures: [] }), /exactly one signature/],
    ['a url-safe base64 payload', (e) => ({ ...e, payload: e.payload.replace(/\+/g, '-').replace(/\//g, '_') + '-' }), /envelope\.payload must be standard base64/],
    ['an unpadded signature', (e) => ({ ...e, signatures: [{ ...e.signatures[0], sig: e.signatures[0].sig.replace(/=+$/, '') }] }), /sig is not canonical standard base64/],
    ['a short signature', (e) => ({ ...e, signatures: [{ ...e.signatures[0], sig: 'AAAA' }] }), /must decode to 64 bytes/],
    ['an uppercase keyid', (e) => ({ ...e, signatures: [{ ...e.signatures[0], keyid: e.signatures[0].keyid.toUpperCase() }] }), /keyid must be 32 lowercase hex/],
    ['an array', () => [], /envelope must be an object, got an array/],
    ['a class instance', (e) => Object.assign(new (class X {})(), e), /must be a plain object/],
  ];
  for (const [what, make, message] of bad) {
    it(`when the envelope has ${what} it refuses bad_envelope naming the problem`, () => {
      const r = refusal(() => parseEnvelope(make(JSON.parse(JSON.stringify(valid())))));
      expect(r.code).to.equal('bad_envelope');
      expect(r.message).to.match(message);
    });
  }

  it('when issuing it refuses a malformed payload or one whose kid is not the signer', () => {
    expect(refusal(() => issueTao({ ...basePayload(), jti: 'short' }, signers.governance)).message).to.match(/payload\.jti must be 32 lowercase hex/);
    expect(refusal(() => issueTao(basePayload(), signers.retired)).message).to.match(/not the signing key/);
    expect(refusal(() => issueTao({ ...basePayload(), reason: 'x'.repeat(257) }, signers.governance)).message).to.match(/payload\.reason must be at most 256/);
  });

  it('when validating a payload it refuses floats, wrong literals, reversed windows and unknown kinds, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ iat: 1.5 }, /payload\.iat must be an integer/],
      [{ v: 2 }, /payload\.v must be 1/],
      [{ exp: basePayload().nbf }, /payload\.exp must be after nbf/],
      [{ kind: 'robot' }, /payload\.kind must be one of human, ai, pipeline, service/],
      [{ scope: { op: 'write', target: 'x' } }, /payload\.scope\.value is missing/],
      [{ approvals: [{}] }, /payload\.approvals\[0\] has|payload\.approvals\[0\]\.approver is missing/],
      [{ policy: 'ABC' }, /payload\.policy must be 64 lowercase hex/],
    ];
    for (const [over, message] of cases) expect(refusal(() => validatePayloadShape({ ...basePayload(), ...over })).message).to.match(message);
  });

  it('when a jti is made it is 128 random bits in lowercase hex', () => {
    const a = newJti();
    expect(a).to.match(/^[0-9a-f]{32}$/);
    expect(newJti()).to.not.equal(a);
  });

  it('when the payload round-trips through the envelope it is byte-identical canonical JSON', () => {
    const env = valid();
    expect(Buffer.from(env.payload, 'base64').toString()).to.equal(canonicalize(basePayload()));
  });
});
