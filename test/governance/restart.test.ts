/**
 * The approval queue across a governance restart: a new Governance on the
 * same state file (a real JSON file in a temp dir) takes up the requests of
 * the last one, with their approvals; a changed policy, an expired request
 * or a corrupt file never carry approvals over.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Governance } from '../../src/governance/governance.js';
import { changedProfile, makeWorld, pendingId, proposal, statement, type World } from './world.js';

describe('governance: the approval queue across a restart', () => {
  let w: World;
  beforeEach(() => (w = makeWorld()));
  afterEach(() => {
    expect(w.stateErrors.map((e) => e.message)).to.deep.equal([]);
    w.cleanup();
  });

  const speed = () => proposal('olaf', 'line.speed_sp', '650');

  /** A first run: olaf asks, sam approves (1 of 2); returns the request id and that run's governance. */
  function firstRun(): { id: string; first: Governance } {
    const first = w.governance();
    const id = pendingId(first.decide(speed(), w.profile.gateway.id));
    expect(first.approve(statement(w, first, id, 'sam'))).to.include({ ok: true, status: 'pending', have: 1 });
    return { id, first };
  }

  it('when governance restarts on the same state file a pending request survives with its approval, and the second approval issues', () => {
    const { id } = firstRun();
    expect(existsSync(w.statePath)).to.equal(true);
    if (process.platform !== 'win32') expect(statSync(w.statePath).mode & 0o077).to.equal(0);
    const saved = JSON.parse(readFileSync(w.statePath, 'utf8')) as { policy: string; requests: { id: string; approvals: unknown[] }[] };
    expect(saved.policy).to.equal(w.profile.policyHash);
    expect(saved.requests.map((r) => [r.id, r.approvals.length])).to.deep.equal([[id, 1]]);

    w.now += 60_000;
    const gov = w.governance();
    const r = gov.queue.get(id);
    expect(r?.status).to.equal('pending');
    expect(r?.actor.id).to.equal('olaf');
    expect(r?.approvals.map((a) => a.approver)).to.deep.equal(['sam']);
    // The same proposal finds the restored request, and sam still counts only once.
    expect(gov.decide(speed(), w.profile.gateway.id)).to.deep.include({ decision: 'pending', request: id, approvals: { have: 1, need: 2 } });
    expect(gov.approve(statement(w, gov, id, 'sam'))).to.include({ ok: false, code: 'duplicate_approver' });
    expect(gov.approve(statement(w, gov, id, 'sue'))).to.include({ ok: true, status: 'approved', have: 2 });
    const d = gov.decide(speed(), w.profile.gateway.id);
    expect(d.decision).to.equal('issue');
    // Fulfilled requests leave the file.
    expect((JSON.parse(readFileSync(w.statePath, 'utf8')) as { requests: unknown[] }).requests).to.deep.equal([]);
  });

  it('when the policy changed between runs the pending request and its approval are dropped', () => {
    const { id, first } = firstRun();
    const sueSigned = statement(w, first, id, 'sue');
    const changed = changedProfile();
    expect(changed.policyHash).to.not.equal(w.profile.policyHash);
    const gov = w.governance({ profile: changed });
    expect(gov.queue.get(id)).to.equal(undefined);
    expect(gov.queue.list(() => true)).to.deep.equal([]);
    expect(gov.approve(sueSigned)).to.include({ ok: false, code: 'unknown_request' });
    const again = pendingId(gov.decide(speed(), changed.gateway.id));
    expect(again).to.not.equal(id);
    expect(gov.queue.get(again)?.approvals).to.have.length(0);
  });

  it('when the request expired while governance was down it is not restored', () => {
    const { id, first } = firstRun();
    w.now += w.profile.defaults.approvalTtlS * 1000;
    const sueSigned = statement(w, first, id, 'sue');
    const gov = w.governance();
    expect(gov.queue.get(id)).to.equal(undefined);
    expect(gov.approve(sueSigned)).to.include({ ok: false, code: 'unknown_request' });
    expect(pendingId(gov.decide(speed(), w.profile.gateway.id))).to.not.equal(id);
  });

  it('when the state file is not JSON governance refuses to start, naming the file', () => {
    firstRun();
    writeFileSync(w.statePath, '{"version":1,"requests":[', { mode: 0o600 });
    expect(() => w.governance()).to.throw(w.statePath);
  });
});
