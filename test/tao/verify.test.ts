/**
 * verifyTao: every refusal code of the pipeline, produced by a TAO built for
 * that purpose, on both Ed25519 implementations; and the pipeline's edges
 * (boundaries of the time window, conditional scopes, consumed checks).
 */
import { expect } from 'chai';
import { canonicalize } from '../../src/crypto/canonical.js';
import { signEnvelope, signEnvelopeBytes, TAO_PAYLOAD_TYPE, type Envelope } from '../../src/tao/envelope.js';
import { issueTao, type TaoPayload } from '../../src/tao/payload.js';
import type { RefusalCode } from '../../src/refusal/codes.js';
import { verifyTao, verifyTaoSync, type VerifyContext, type VerifyResult } from '../../src/tao/verify.js';
import { approvalFor, approvalPayload, basePayload, JTI, NOW, POLICY, SKEW, signers } from '../vectors/fixtures.js';
import { contextFor, IMPLS } from './helpers.js';

const utf8 = new TextEncoder();
const SCOPE = { sub: 'hmi-1', op: 'write', target: 'skid.flow_sp', value: '42.5' } as const;
const tao = (over: Partial<TaoPayload> = {}) => issueTao(basePayload(over), signers.governance);
const withApproval = (over: Partial<TaoPayload> = {}) => {
  const p = approvalPayload(over);
  return issueTao({ ...p, approvals: [approvalFor(p)] }, signers.governance);
};

function codeOf(r: VerifyResult): 'ok' | RefusalCode {
  return r.ok ? 'ok' : r.code;
}

for (const impl of IMPLS) {
  const ctx = (over: Partial<VerifyContext> = {}): VerifyContext => ({ ...contextFor(impl), ...over });
  const verify = async (input: unknown, over: Partial<VerifyContext> = {}) => verifyTao(input, ctx(over));

  describe(`tao: verifyTao (${impl})`, () => {
    it('when a TAO is valid it returns the payload and the parsed envelope', async () => {
      const env = tao();
      const r = await verify(env, { expect: SCOPE, policyHash: POLICY });
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.tao).to.deep.equal(basePayload());
      expect(r.envelope).to.deep.equal(env);
    });

    it('when the signature is forged (signed by another key under the trusted kid) it refuses bad_signature', async () => {
      const env = signEnvelope(TAO_PAYLOAD_TYPE, basePayload(), signers.mallory);
      env.signatures[0]!.keyid = signers.governance.keyId;
      const r = await verify(env);
      expect(codeOf(r)).to.equal('bad_signature');
    });

    it('when the TAO has expired (beyond skew) it refuses expired; within skew it still accepts', async () => {
      const env = tao({ iat: NOW - 100, nbf: NOW - 100, exp: NOW - SKEW });
      expect(codeOf(await verify(env))).to.equal('expired');
      expect(codeOf(await verify(env, { nowSeconds: NOW - 1 }))).to.equal('ok');
    });

    it('when nbf is in the future beyond skew it refuses not_yet_valid; within skew it accepts', async () => {
      const env = tao({ nbf: NOW + SKEW + 1, exp: NOW + 60 });
      expect(codeOf(await verify(env))).to.equal('not_yet_valid');
      expect(codeOf(await verify(env, { nowSeconds: NOW + 1 }))).to.equal('ok');
    });

    it('when iat is in the future beyond skew it refuses not_yet_valid', async () => {
      const env = tao({ iat: NOW + 30, nbf: NOW - 5, exp: NOW + 60 });
      expect(codeOf(await verify(env))).to.equal('not_yet_valid');
    });

    it('when the TAO was issued for another gateway it refuses wrong_audience', async () => {
      const r = await verify(tao({ aud: 'gw-other' }));
      expect(codeOf(r)).to.equal('wrong_audience');
      expect(r.ok ? '' : r.reason).to.contain('gw-other');
    });

    for (const [field, change] of [
      ['actor', { sub: 'optimizer-1' }],
      ['tag', { target: 'skid.pressure_max' }],
      ['value', { value: '42.6' }],
      ['operation', { op: 'call' }],
      ['arguments', { args: ['x'] }],
    ] as const) {
      it(`when the write differs from the TAO in its ${field} it refuses scope_mismatch`, async () => {
        expect(codeOf(await verify(tao(), { expect: { ...SCOPE, ...change } }))).to.equal('scope_mismatch');
      });
    }

    it('when a type-aware valueEquals is given it accepts an equal value in another spelling', async () => {
      const valueEquals = (a: string, b: string) => Number(a) === Number(b);
      expect(codeOf(await verify(tao(), { expect: { ...SCOPE, value: '42.50', valueEquals } }))).to.equal('ok');
      expect(codeOf(await verify(tao(), { expect: { ...SCOPE, value: '42.51', valueEquals } }))).to.equal('scope_mismatch');
    });

    it('when the TAO is conditional on the current value it accepts only that current value, and refuses when it is unknown', async () => {
      const env = tao({ scope: { op: 'write', target: 'skid.flow_sp', value: '42.5', expect: '40' } });
      expect(codeOf(await verify(env, { expect: { ...SCOPE, current: '40' } }))).to.equal('ok');
      expect(codeOf(await verify(env, { expect: { ...SCOPE, current: '41' } }))).to.equal('scope_mismatch');
      expect(codeOf(await verify(env, { expect: SCOPE }))).to.equal('scope_mismatch');
    });

    it('when the TAO was issued under another policy it refuses policy_mismatch', async () => {
      expect(codeOf(await verify(tao({ policy: '0'.repeat(64) }), { policyHash: POLICY }))).to.equal('policy_mismatch');
    });

    it('when the rule needs an approval and the TAO has none it refuses approvals_missing', async () => {
      const env = issueTao(approvalPayload(), signers.governance);
      expect(codeOf(await verify(env, { approvalRule: { count: 1, roles: ['supervisor'] } }))).to.equal('approvals_missing');
    });

    it('when the approval holds a role the rule does not accept it refuses approvals_missing', async () => {
      expect(codeOf(await verify(withApproval(), { approvalRule: { count: 1, roles: ['qa'] } }))).to.equal('approvals_missing');
    });

    it('when approvalRuleFor gives the rule of the TAO target it enforces it', async () => {
      const seen: string[] = [];
      const approvalRuleFor = (target: string, op: string) => (seen.push(`${op} ${target}`), { count: 2, roles: ['supervisor'] });
      expect(codeOf(await verify(withApproval(), { approvalRuleFor }))).to.equal('approvals_missing');
      expect(seen).to.deep.equal(['write skid.pressure_max']);
    });

    it('when the approver is the subject of the TAO it refuses self_approval', async () => {
      const r = await verify(withApproval({ sub: 'bob' }), { approvalRule: { count: 1, roles: ['supervisor'] } });
      expect(codeOf(r)).to.equal('self_approval');
    });

    it('when the same approver appears twice it refuses duplicate_approver', async () => {
      const p = approvalPayload();
      const env = issueTao({ ...p, approvals: [approvalFor(p), approvalFor(p, { ts: p.iat - 1 })] }, signers.governance);
      expect(codeOf(await verify(env, { approvalRule: { count: 2, roles: ['supervisor'] } }))).to.equal('duplicate_approver');
    });

    it('when an approval signature does not verify it refuses bad_approval, even when no approval is required', async () => {
      const p = approvalPayload();
      const forged = { ...approvalFor(p), reason: 'edited after signing' };
      const env = issueTao({ ...p, approvals: [forged] }, signers.governance);
      expect(codeOf(await verify(env))).to.equal('bad_approval');
    });

    it('when an approval names another request or was signed after the TAO was issued it refuses bad_approval', async () => {
      const p = approvalPayload();
      const other = issueTao({ ...p, approvals: [approvalFor(p, { request: 'R-other' })] }, signers.governance);
      expect(codeOf(await verify(other))).to.equal('bad_approval');
      const late = issueTao({ ...p, approvals: [approvalFor(p, { ts: p.iat + SKEW + 1 })] }, signers.governance);
      expect(codeOf(await verify(late))).to.equal('bad_approval');
    });

    it("when an approval claims another approver's name it refuses bad_approval", async () => {
      const p = approvalPayload();
      const env = issueTao({ ...p, approvals: [approvalFor(p, { by: 'carol', approver: 'bob' })] }, signers.governance);
      expect(codeOf(await verify(env))).to.equal('bad_approval');
    });

    it('when an approval key is not in the trust store it refuses unknown_key', async () => {
      const p = approvalPayload();
      const env = issueTao({ ...p, approvals: [approvalFor(p, { by: 'mallory' })] }, signers.governance);
      expect(codeOf(await verify(env))).to.equal('unknown_key');
    });

    it('when the signing key is unknown, outside its validity window, or of the wrong role it refuses unknown_key and says which', async () => {
      const cases: [keyof typeof signers, string][] = [
        ['mallory', 'not in the trust store'],
        ['retired', 'is valid from'],
        ['gateway', 'is a gateway key, not a governance key'],
      ];
      for (const [who, says] of cases) {
        const env = signEnvelope(TAO_PAYLOAD_TYPE, basePayload({ kid: signers[who].keyId }), signers[who]);
        const r = await verify(env);
        expect(codeOf(r), who).to.equal('unknown_key');
        expect(r.ok ? '' : r.reason, who).to.contain(says);
      }
    });

    it('when the envelope text is malformed JSON it refuses bad_envelope', async () => {
      expect(codeOf(await verify('{"payloadType":'))).to.equal('bad_envelope');
    });

    it('when the payload type is not a TAO it refuses wrong_type', async () => {
      expect(codeOf(await verify(signEnvelope('application/json', basePayload(), signers.governance)))).to.equal('wrong_type');
    });

    it('when the payload is validly signed but not canonical (whitespace, key order) it refuses not_canonical', async () => {
      const text = canonicalize(basePayload());
      for (const body of [` ${text}`, JSON.stringify(basePayload()), text.replace(':', ' : ')]) {
        const env = signEnvelopeBytes(TAO_PAYLOAD_TYPE, utf8.encode(body), signers.governance);
        expect(codeOf(await verify(env)), body.slice(0, 30)).to.equal('not_canonical');
      }
    });

    it('when the payload bytes are not UTF-8 it refuses bad_envelope after the signature check', async () => {
      const env = signEnvelopeBytes(TAO_PAYLOAD_TYPE, new Uint8Array([0x22, 0xff, 0x22]), signers.governance);
      expect(codeOf(await verify(env))).to.equal('bad_envelope');
    });

    it('when the jti was already used (async or sync check) it refuses consumed', async () => {
      const env = tao();
      expect(codeOf(await verify(env, { isConsumed: async (jti) => jti === JTI }))).to.equal('consumed');
      expect(codeOf(verifyTaoSync(env, { ...contextFor(impl), isConsumed: (jti) => jti === JTI }))).to.equal('consumed');
      expect(codeOf(await verify(env, { isConsumed: async () => false }))).to.equal('ok');
    });

    it('when the consumed check fails it refuses internal_error and does not throw', async () => {
      const r = await verify(tao(), {
        isConsumed: async () => {
          throw new Error('ledger closed');
        },
      });
      expect(codeOf(r)).to.equal('internal_error');
      expect(r.ok ? '' : r.reason).to.contain('ledger closed');
    });

    it('when verifyTaoSync is given an async consumed check it refuses internal_error instead of skipping it', () => {
      const r = verifyTaoSync(tao(), { ...contextFor(impl), isConsumed: (async () => false) as unknown as (j: string) => boolean });
      expect(codeOf(r)).to.equal('internal_error');
    });

    it('when several checks would fail it reports the first in pipeline order', async () => {
      const env: Envelope = tao({ aud: 'gw-other', exp: NOW - 100, iat: NOW - 200, nbf: NOW - 200 });
      expect(codeOf(await verify(env))).to.equal('expired');
    });
  });
}
