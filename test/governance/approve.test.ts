/**
 * Governance.approve and the approval queue, with real keys, the fixture
 * profile (./approvals-cell.yaml) and the checks exactly as the CLI and the
 * console reach them: who may approve, how often, until when, and what a
 * complete set of approvals issues.
 */
import { expect } from 'chai';
import type { Governance } from '../../src/governance/governance.js';
import { verifyTao } from '../../src/tao/verify.js';
import { makeWorld, pendingId, proposal, statement, type World } from './world.js';

describe('governance: approve and the approval queue', () => {
  let w: World;
  let gov: Governance;
  const aud = () => w.profile.gateway.id;
  beforeEach(() => {
    w = makeWorld();
    gov = w.governance({ statePath: null });
  });
  afterEach(() => w.cleanup());

  /** olaf (operator) asks to set line.speed_sp, which needs two supervisors. */
  const askSpeed = (value = '700', actor = 'olaf') => pendingId(gov.decide(proposal(actor, 'line.speed_sp', value), aud()));

  it('when the requester approves their own request it refuses self_approval and the request stays pending with no approval', () => {
    const id = askSpeed('700', 'sam');
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.include({ ok: false, code: 'self_approval' });
    const r = gov.queue.get(id);
    expect(r?.status).to.equal('pending');
    expect(r?.approvals).to.have.length(0);
    // Nothing to issue: asking again answers pending for the same request.
    expect(gov.decide(proposal('sam', 'line.speed_sp', '700'), aud())).to.include({ decision: 'pending', request: id });
  });

  it('when the same approver answers twice it refuses duplicate_approver and counts them once', () => {
    const id = askSpeed();
    expect(gov.approve(statement(w, gov, id, 'sue'))).to.deep.equal({ ok: true, request: id, status: 'pending', have: 1, need: 2 });
    expect(gov.approve(statement(w, gov, id, 'sue'))).to.include({ ok: false, code: 'duplicate_approver' });
    expect(gov.approve(statement(w, gov, id, 'sue', { decision: 'reject' }))).to.include({ ok: false, code: 'duplicate_approver' });
    const r = gov.queue.get(id);
    expect(r?.status).to.equal('pending');
    expect(r?.approvals.map((a) => a.approver)).to.deep.equal(['sue']);
  });

  it('when an approver whose role may not approve the tag answers it refuses role_not_allowed', () => {
    const id = askSpeed();
    // quinn is a QA approver; line.speed_sp needs supervisors.
    expect(gov.approve(statement(w, gov, id, 'quinn'))).to.include({ ok: false, code: 'role_not_allowed' });
    expect(gov.queue.get(id)?.approvals).to.have.length(0);
    // olaf has a valid approver key in the trust store but is no approver in the profile (here on sam's request).
    const bySam = askSpeed('800', 'sam');
    expect(gov.approve(statement(w, gov, bySam, 'olaf'))).to.include({ ok: false, code: 'role_not_allowed' });
    expect(gov.queue.get(bySam)?.approvals).to.have.length(0);
    // The QA approver is accepted where the rule names QA.
    const recipe = pendingId(gov.decide(proposal('olaf', 'line.recipe', '12'), aud()));
    expect(gov.approve(statement(w, gov, recipe, 'quinn'))).to.include({ ok: true, status: 'approved' });
  });

  it('when the statement claims another role, another signer or another proposal it refuses and nothing is counted', () => {
    const id = askSpeed();
    // quinn claims supervisor, but her key approves as qa only.
    expect(gov.approve(statement(w, gov, id, 'quinn', { role: 'supervisor' }))).to.include({ ok: false, code: 'bad_approval' });
    // sam's statement signed with sue's key.
    expect(gov.approve(statement(w, gov, id, 'sam', { key: 'sue' }))).to.include({ ok: false, code: 'bad_approval' });
    // sue signs a different value than the request's.
    expect(gov.approve(statement(w, gov, id, 'sue', { digestOf: proposal('olaf', 'line.speed_sp', '999') }))).to.include({ ok: false, code: 'bad_approval' });
    // an unknown request id
    expect(gov.approve({ ...statement(w, gov, id, 'sue'), request: 'R-000000000000' })).to.include({ ok: false, code: 'unknown_request' });
    expect(gov.queue.get(id)?.approvals).to.have.length(0);
  });

  it('when two approvals are needed the first keeps it pending and the second issues a TAO carrying both', async () => {
    const id = askSpeed('700');
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.deep.equal({ ok: true, request: id, status: 'pending', have: 1, need: 2 });
    expect(gov.decide(proposal('olaf', 'line.speed_sp', '700'), aud())).to.deep.include({ decision: 'pending', request: id, approvals: { have: 1, need: 2 } });
    expect(gov.approve(statement(w, gov, id, 'sue'))).to.deep.equal({ ok: true, request: id, status: 'approved', have: 2, need: 2 });

    const d = gov.decide(proposal('olaf', 'line.speed_sp', '700'), aud());
    if (d.decision !== 'issue') throw new Error(`expected issue, got ${JSON.stringify(d)}`);
    expect(gov.queue.get(id)?.status).to.equal('fulfilled');
    // The gateway's check of that TAO, offline, against the same trust store and rule.
    const checked = await verifyTao(d.tao, {
      trust: w.trust,
      nowSeconds: Math.floor(w.now / 1000),
      audience: aud(),
      skewSeconds: 5,
      policyHash: w.profile.policyHash,
      approvalRule: { count: 2, roles: ['supervisor'] },
    });
    if (!checked.ok) throw new Error(`TAO refused: ${checked.code} ${checked.reason}`);
    expect(checked.tao.request).to.equal(id);
    expect(checked.tao.approvals.map((a) => a.approver)).to.deep.equal(['sam', 'sue']);
    expect(checked.tao.scope).to.deep.equal({ op: 'write', target: 'line.speed_sp', value: '700' });
    // The approvals were used once: the same proposal again opens a new request.
    const again = askSpeed('700');
    expect(again).to.not.equal(id);
  });

  it('when an approval request is not complete before approval_ttl_s it expires: approvals are refused and asking again opens a new request', () => {
    const id = askSpeed();
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.include({ ok: true, have: 1 });
    w.now += w.profile.defaults.approvalTtlS * 1000 - 1;
    expect(gov.queue.get(id)?.status).to.equal('pending');
    w.now += 1;
    expect(gov.approve(statement(w, gov, id, 'sue'))).to.include({ ok: false, code: 'expired' });
    expect(gov.queue.get(id)?.status).to.equal('expired');
    const fresh = askSpeed();
    expect(fresh).to.not.equal(id);
    expect(gov.queue.get(fresh)?.approvals).to.have.length(0);
  });

  it('when an approver rejects, the next ask is denied approval_rejected with the reason, and the request takes no more answers', () => {
    const id = askSpeed();
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.include({ ok: true, have: 1 });
    expect(gov.approve(statement(w, gov, id, 'sue', { decision: 'reject' }))).to.deep.equal({ ok: true, request: id, status: 'rejected', have: 1, need: 2 });
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.include({ ok: false, code: 'unknown_request' });
    const d = gov.decide(proposal('olaf', 'line.speed_sp', '700'), aud());
    expect(d).to.include({ decision: 'deny', code: 'approval_rejected' });
    if (d.decision === 'deny') expect(d.reason).to.contain('sue').and.contain('sue checked it');
    expect(gov.queue.get(id)?.status).to.equal('fulfilled');
  });

  it('when a tag needs no approval it issues at once and queues nothing', () => {
    expect(gov.decide(proposal('olaf', 'line.flow_sp', '250'), aud()).decision).to.equal('issue');
    expect(gov.queue.list(() => true)).to.have.length(0);
  });
});
