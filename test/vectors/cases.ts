/**
 * The TAO verification cases shared by tao.json and the tests: each builds
 * an input (envelope object or raw text), an optional context override and
 * the expected result ('ok' or a refusal code).
 */
import { canonicalize } from '../../src/crypto/canonical.js';
import { toB64 } from '../../src/crypto/encoding.js';
import { signEnvelope, signEnvelopeBytes, TAO_PAYLOAD_TYPE, type Envelope } from '../../src/tao/envelope.js';
import type { TaoPayload } from '../../src/tao/payload.js';
import type { RefusalCode } from '../../src/refusal/codes.js';
import { approvalFor, approvalPayload, AUDIENCE, basePayload, JTI, NOW, POLICY, signers } from './fixtures.js';

export interface VectorContext {
  now: number;
  audience: string;
  skew: number;
  expect?: { sub: string; op: 'write' | 'call'; target: string; value: string; args?: string[] };
  policyHash?: string;
  approvalRule?: { count: number; roles: string[] };
  consumed?: string[];
}

export interface TaoCase {
  name: string;
  description: string;
  input: Envelope | string | unknown;
  ctx?: Partial<VectorContext>;
  expect: 'ok' | RefusalCode;
}

const utf8 = new TextEncoder();
const sign = (p: unknown, by: keyof typeof signers = 'governance'): Envelope => signEnvelope(TAO_PAYLOAD_TYPE, p, signers[by]);
const signText = (text: string): Envelope => signEnvelopeBytes(TAO_PAYLOAD_TYPE, utf8.encode(text), signers.governance);
const SCOPE = { sub: 'hmi-1', op: 'write', target: 'skid.flow_sp', value: '42.5' } as const;
const ONE_SUPERVISOR = { count: 1, roles: ['supervisor'] };

function withApprovals(build: (p: TaoPayload) => TaoPayload['approvals'], over: Partial<TaoPayload> = {}): Envelope {
  const p = approvalPayload(over);
  return sign({ ...p, approvals: build(p) });
}

export function taoCases(): TaoCase[] {
  const valid = sign(basePayload());
  const flipped = Buffer.from(valid.signatures[0]!.sig, 'base64');
  flipped[10] = flipped[10]! ^ 0x01;
  const canonicalText = canonicalize(basePayload());
  return [
    { name: 'valid', description: 'a plain TAO, no approvals needed', input: valid, expect: 'ok' },
    { name: 'valid-as-text', description: 'the same envelope as JSON text', input: JSON.stringify(valid), expect: 'ok' },
    { name: 'valid-scope-policy', description: 'scope and policy checked', input: valid, ctx: { expect: { ...SCOPE }, policyHash: POLICY }, expect: 'ok' },
    { name: 'valid-with-approval', description: 'one supervisor (bob) approved', input: withApprovals((p) => [approvalFor(p)]), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'ok' },
    { name: 'malformed-json', description: 'envelope text is not JSON', input: '{"payloadType": "application/vnd.taogate.tao+json;version=1", ', expect: 'bad_envelope' },
    { name: 'envelope-extra-field', description: 'an unknown envelope member', input: { ...valid, extra: 1 }, expect: 'bad_envelope' },
    { name: 'envelope-two-signatures', description: 'TAOs carry exactly one signature', input: { ...valid, signatures: [valid.signatures[0], valid.signatures[0]] }, expect: 'bad_envelope' },
    { name: 'envelope-proto-key', description: 'a "__proto__" member in the envelope', input: JSON.stringify(valid).replace('{', '{"__proto__":{"admin":true},'), expect: 'bad_envelope' },
    { name: 'wrong-type', description: 'signed by governance, but not a TAO', input: signEnvelope('application/vnd.in-toto+json', basePayload(), signers.governance), expect: 'wrong_type' },
    { name: 'unknown-key', description: 'signed by a key not in the trust store', input: sign(basePayload({ kid: signers.mallory.keyId }), 'mallory'), expect: 'unknown_key' },
    { name: 'wrong-role-key', description: 'signed by the gateway key (role gateway, not governance)', input: sign(basePayload({ kid: signers.gateway.keyId }), 'gateway'), expect: 'unknown_key' },
    { name: 'retired-key', description: 'governance key outside its validity window', input: sign(basePayload({ kid: signers.retired.keyId }), 'retired'), expect: 'unknown_key' },
    { name: 'forged-signature', description: 'one bit of the signature flipped', input: { ...valid, signatures: [{ keyid: valid.signatures[0]!.keyid, sig: flipped.toString('base64') }] }, expect: 'bad_signature' },
    { name: 'tampered-payload', description: 'value changed after signing', input: { ...valid, payload: toB64(utf8.encode(canonicalText.replace('"42.5"', '"99.5"'))) }, expect: 'bad_signature' },
    { name: 'not-canonical-whitespace', description: 'pretty-printed payload, validly signed', input: signText(JSON.stringify(JSON.parse(canonicalText), null, 1)), expect: 'not_canonical' },
    { name: 'not-canonical-key-order', description: 'keys not sorted, validly signed', input: signText(JSON.stringify(basePayload())), expect: 'not_canonical' },
    { name: 'not-canonical-float', description: '"v":1.0, validly signed', input: signText(canonicalText.replace('"v":1', '"v":1.0')), expect: 'not_canonical' },
    { name: 'not-canonical-duplicate-key', description: 'a duplicated member, validly signed', input: signText(canonicalText.replace('"v":1', '"v":1,"v":1')), expect: 'not_canonical' },
    { name: 'payload-not-json', description: 'signed bytes are not JSON', input: signText('not json'), expect: 'bad_envelope' },
    { name: 'payload-extra-field', description: 'canonical, signed, with an unknown member', input: sign({ ...basePayload(), admin: true }), expect: 'bad_envelope' },
    { name: 'payload-proto-key', description: 'canonical, signed, with a "__proto__" member', input: signText(canonicalText.replace('{', '{"__proto__":{"admin":true},')), expect: 'bad_envelope' },
    { name: 'payload-kid-mismatch', description: 'payload.kid names another key than the signer', input: sign(basePayload({ kid: signers.retired.keyId })), expect: 'bad_envelope' },
    { name: 'expired', description: 'exp + skew has passed', input: sign(basePayload({ iat: NOW - 120, nbf: NOW - 120, exp: NOW - 60 })), expect: 'expired' },
    { name: 'not-yet-valid', description: 'nbf - skew is in the future', input: sign(basePayload({ nbf: NOW + 60, exp: NOW + 120 })), expect: 'not_yet_valid' },
    { name: 'wrong-audience', description: 'issued for another gateway', input: sign(basePayload({ aud: 'gw-cell-2' })), expect: 'wrong_audience' },
    { name: 'scope-actor', description: 'another actor writes', input: valid, ctx: { expect: { ...SCOPE, sub: 'optimizer-1' } }, expect: 'scope_mismatch' },
    { name: 'scope-target', description: 'another tag is written', input: valid, ctx: { expect: { ...SCOPE, target: 'skid.pressure_max' } }, expect: 'scope_mismatch' },
    { name: 'scope-value', description: 'another value is written', input: valid, ctx: { expect: { ...SCOPE, value: '99.5' } }, expect: 'scope_mismatch' },
    { name: 'policy-mismatch', description: 'issued under another policy', input: valid, ctx: { policyHash: 'f'.repeat(64) }, expect: 'policy_mismatch' },
    { name: 'approvals-missing', description: 'rule needs a supervisor, none approved', input: sign(approvalPayload()), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'approvals_missing' },
    { name: 'approvals-missing-two', description: 'rule needs two supervisors, one approved', input: withApprovals((p) => [approvalFor(p)]), ctx: { approvalRule: { count: 2, roles: ['supervisor'] } }, expect: 'approvals_missing' },
    { name: 'self-approval', description: 'bob approves his own write', input: withApprovals((p) => [approvalFor(p)], { sub: 'bob', role: 'supervisor' }), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'self_approval' },
    { name: 'duplicate-approver', description: 'bob counted twice for a 2-of-n rule', input: withApprovals((p) => [approvalFor(p), approvalFor(p, { ts: p.iat - 20 })]), ctx: { approvalRule: { count: 2, roles: ['supervisor'] } }, expect: 'duplicate_approver' },
    { name: 'bad-approval-signature', description: "carol's signature presented as bob's", input: withApprovals((p) => [{ ...approvalFor(p), sig: approvalFor(p, { by: 'carol' }).sig }]), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'bad_approval' },
    { name: 'approval-other-proposal', description: 'bob approved 600, the TAO says 650', input: withApprovals((p) => [approvalFor(p, { digestOf: { ...p, scope: { ...p.scope, value: '600' } } })]), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'bad_approval' },
    { name: 'approval-rejected', description: 'a signed rejection inside a TAO', input: withApprovals((p) => [approvalFor(p, { decision: 'reject' })]), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'bad_approval' },
    { name: 'approval-unknown-key', description: 'approval signed by a key not in the trust store', input: withApprovals((p) => [approvalFor(p, { by: 'mallory' })]), ctx: { approvalRule: ONE_SUPERVISOR }, expect: 'unknown_key' },
    { name: 'consumed', description: 'the jti was already used', input: valid, ctx: { consumed: [JTI] }, expect: 'consumed' },
  ];
}

export const DEFAULT_CONTEXT: VectorContext = { now: NOW, audience: AUDIENCE, skew: 5 };
