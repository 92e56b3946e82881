/** Approvals: the signed statement, its digest binding, and offline verification inside a TAO. */
import { expect } from 'chai';
import { canonicalize } from '../../src/crypto/canonical.js';
import { approvalMessage, proposalDigest, signApproval, statementOf, verifyApproval, type ApprovalStatement } from '../../src/tao/approval.js';
import { issueTao } from '../../src/tao/payload.js';
import { Refusal } from '../../src/refusal/codes.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { verifyTao } from '../../src/tao/verify.js';
import { approvalFor, approvalPayload, AUDIENCE, NOW, REQUEST, signers, trustStore } from '../vectors/fixtures.js';
import { contextFor, IMPLS, readVector } from './helpers.js';

const proposal = { aud: AUDIENCE, sub: 'hmi-1', op: 'write', target: 'skid.pressure_max', value: '650' };
const statement = (over: Partial<ApprovalStatement> = {}): ApprovalStatement => ({
  typ: 'taogate.approval.v1',
  approver: 'bob',
  role: 'supervisor',
  request: REQUEST,
  digest: proposalDigest(proposal),
  decision: 'approve',
  meaning: 'approved as supervisor',
  reason: 'checked',
  ts: NOW - 30,
  ...over,
});

describe('tao: approvals', () => {
  it('when the digest is computed it hashes the domain-tagged canonical proposal, omitting empty args', () => {
    expect(proposalDigest({ ...proposal, args: [] })).to.equal(proposalDigest(proposal));
    expect(proposalDigest({ ...proposal, args: ['a'] })).to.not.equal(proposalDigest(proposal));
    expect(proposalDigest({ ...proposal, value: '651' })).to.not.equal(proposalDigest(proposal));
    expect(proposalDigest(proposal)).to.match(/^[0-9a-f]{64}$/);
  });

  it('when a statement is signed the message is the canonical statement with its typ', () => {
    const s = statement();
    expect(new TextDecoder().decode(approvalMessage(s))).to.equal(canonicalize(s));
    const a = signApproval(s, signers.bob);
    expect(a.keyid).to.equal(signers.bob.keyId);
    expect(statementOf(a)).to.deep.equal(s);
  });

  for (const impl of IMPLS) {
    it(`when a well-formed approval by a trusted approver is checked (${impl}) it is ok`, () => {
      expect(verifyApproval(signApproval(statement(), signers.bob), trustStore(), NOW, impl)).to.deep.equal({ ok: true });
    });
  }

  it('when the reason is longer than 256 characters or the meaning is empty it refuses to sign, and refuses to accept', () => {
    expect(() => signApproval(statement({ reason: 'x'.repeat(257) }), signers.bob)).to.throw(Refusal, 'reason');
    expect(() => signApproval(statement({ meaning: '' }), signers.bob)).to.throw(Refusal, 'meaning');
    const ok = signApproval(statement({ reason: 'x'.repeat(256) }), signers.bob);
    expect(verifyApproval(ok, trustStore(), NOW).ok).to.equal(true);
    const long = { ...ok, reason: 'x'.repeat(257) };
    expect(verifyApproval(long, trustStore(), NOW)).to.include({ ok: false, code: 'bad_approval' });
  });

  it('when the key is not an approver key, or belongs to someone else, or is bound to another role it is refused', () => {
    const trust = trustStore();
    const byGov = signApproval(statement(), signers.governance);
    expect(verifyApproval(byGov, trust, NOW)).to.include({ ok: false, code: 'unknown_key' });
    const asCarol = signApproval(statement({ approver: 'carol' }), signers.bob);
    expect(verifyApproval(asCarol, trust, NOW)).to.include({ ok: false, code: 'bad_approval' });
    const asQa = signApproval(statement({ role: 'qa' }), signers.bob);
    expect(verifyApproval(asQa, trust, NOW)).to.include({ ok: false, code: 'bad_approval' });
  });

  it('when the approval is untrusted garbage it answers bad_approval without throwing', () => {
    for (const junk of [null, 42, 'x', [], { approver: 'bob' }, { ...signApproval(statement(), signers.bob), sig: 'A'.repeat(87) + '=' }]) {
      const r = verifyApproval(junk as never, trustStore(), NOW);
      expect(r.ok, JSON.stringify(junk)).to.equal(false);
    }
  });

  it('when the approver key is outside its validity window it refuses unknown_key', () => {
    const trust = new TrustStore();
    trust.add({ kid: signers.bob.keyId, name: 'bob', role: 'approver', publicKey: signers.bob.publicKey, notAfter: NOW - 1 });
    expect(verifyApproval(signApproval(statement(), signers.bob), trust, NOW)).to.include({ ok: false, code: 'unknown_key' });
  });

  it('when a TAO with two approvals is verified offline from the trust store file alone (noble) it verifies', async () => {
    const p = approvalPayload();
    const env = issueTao({ ...p, approvals: [approvalFor(p), approvalFor(p, { by: 'carol' })] }, signers.governance);
    const trust = TrustStore.fromJson(readVector('tao.json').trustStore);
    const offline = await verifyTao(JSON.stringify(env), { ...contextFor('noble', {}, trust), approvalRule: { count: 2, roles: ['supervisor'] } });
    expect(offline.ok, offline.ok ? '' : offline.reason).to.equal(true);
    const online = await verifyTao(env, { ...contextFor('node', {}, trust), approvalRule: { count: 2, roles: ['supervisor'] } });
    expect(online).to.deep.equal(offline);
  });
});
