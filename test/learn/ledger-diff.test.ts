/**
 * Proposals from denied receipts (what would allow each refusal, written
 * into a copy of the profile that still passes the check) and the profile
 * diff (what a change opens or closes), on the demo profile.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { applyProposals, proposeFromDenied, type DeniedReceipt } from '../../src/learn/index.js';
import { diffProfiles } from '../../src/policy/diff.js';
import { loadProfile, parseProfile } from '../../src/policy/index.js';
import type { Profile, TagPolicy } from '../../src/policy/types.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';

const TS = Date.UTC(2026, 11, 2, 9, 0, 0);

function denied(seq: number, body: DeniedReceipt['body']): DeniedReceipt {
  return { seq, ts: TS + seq * 1000, body: { protocol: 'modbus', op: 'write', ...body } };
}

describe('learn --ledger: proposals from denied receipts', () => {
  const profile = loadProfile(DEMO_PROFILE);
  const receipts = [
    denied(1, { source: '127.0.0.1:40000', actor: 'hmi-1', target: 'skid.flow_sp', value: '130', code: 'out_of_range' }),
    denied(2, { source: '127.0.0.1:40000', actor: 'hmi-1', target: 'skid.flow_sp', value: '150.5', code: 'out_of_range' }),
    denied(3, { source: '127.0.0.1:40000', actor: 'hmi-1', target: 'skid.pressure_max', value: '50', code: 'out_of_range' }),
    denied(4, { source: '10.9.9.9:5555', actor: null, target: 'skid.flow_sp', value: '40', code: 'unknown_actor' }),
    denied(5, { source: '127.0.0.2:1234', actor: 'optimizer-1', target: 'skid holding 130', value: '17076,0', code: 'unknown_tag' }),
    denied(6, { source: '127.0.0.2:1234', actor: 'optimizer-1', target: 'skid.pump_run', value: 'true', code: 'role_not_allowed' }),
    denied(7, { source: '127.0.0.1:40000', actor: 'hmi-1', target: 'skid.flow_sp', value: '90', code: 'step_too_large' }),
  ];

  it('when writes were refused, it proposes exactly what would allow each and counts the rest', () => {
    const l = proposeFromDenied(receipts, profile);
    expect(l.denied).to.equal(7);
    const shown = l.proposals.map((p) => {
      if (p.kind === 'widen_min' || p.kind === 'widen_max') return `${p.kind} ${p.tag} ${p.from} -> ${p.to} x${p.seen.count}`;
      if (p.kind === 'add_actor') return `add_actor ${p.actor} ${p.source} ${p.targets.join(',')}`;
      if (p.kind === 'add_tag') return `add_tag ${p.device} ${p.table} ${p.address} ${p.type} ${p.wordOrder} by ${p.writers.join(',')}`;
      return p.kind === 'add_role' ? `add_role ${p.tag} ${p.role}` : '';
    });
    expect(shown).to.deep.equal([
      'widen_max skid.flow_sp 120 -> 150.5 x2',
      'widen_min skid.pressure_max 100 -> 50 x1',
      'add_actor src_10_9_9_9 10.9.9.9 skid.flow_sp',
      'add_tag skid holding 130 float32 ABCD by optimizer',
      'add_role skid.pump_run optimizer',
    ]);
    expect(l.notLearned).to.deep.equal({ step_too_large: 1 });
  });

  it('when the proposals are applied, the profile keeps its comments, passes the check and the diff shows only openings', () => {
    const text = applyProposals(readFileSync(DEMO_PROFILE, 'utf8'), proposeFromDenied(receipts, profile));
    expect(text).to.include('# The demo cell'); // the original comments survive
    expect(text).to.match(/max: 150\.5 # proposed by taogate learn --ledger: out_of_range: was 120; 2 denied receipts \(seq 1, 2\)/);
    const proposed = parseProfile(text, 'proposed.yaml');
    expect(proposed.tags.get('skid.hr130')).to.include({ type: 'float32', min: 90, max: 90 });
    expect(proposed.actors.get('src_10_9_9_9')).to.include({ role: 'src_10_9_9_9' });
    expect(proposed.tags.get('skid.flow_sp')!.writeRoles).to.include('src_10_9_9_9');
    const d = diffProfiles(profile, proposed);
    expect(d.changes.filter((c) => c.impact !== 'opens')).to.deep.equal([]);
    expect(d.changes.map((c) => `${c.subject}: ${c.what}`)).to.include.members([
      'tag skid.flow_sp: max 120 -> 150.5 (widened)',
      'tag skid.pressure_max: min 100 -> 50 (widened)',
      'tag skid.pump_run: write_roles added: optimizer',
      'actor src_10_9_9_9: added (service, role src_10_9_9_9, Modbus sources 10.9.9.9)',
    ]);
  });
});

describe('profile diff', () => {
  const a = loadProfile(DEMO_PROFILE);
  const edit = (name: string, f: (t: TagPolicy) => TagPolicy | undefined): Profile => {
    const tags = new Map(a.tags);
    const t = f(a.tags.get(name)!);
    if (t) tags.set(name, t);
    else tags.delete(name);
    return { ...a, tags, policyHash: 'changed' };
  };

  it('when nothing changes, it lists nothing and both hashes are equal', () => {
    const d = diffProfiles(a, loadProfile(DEMO_PROFILE));
    expect(d.changes).to.deep.equal([]);
    expect(d.old.policyHash).to.equal(d.new.policyHash);
  });

  it('when limits narrow, roles go, approvals rise or a tag is removed, it marks each as closing', () => {
    const impacts = (p: Profile) => diffProfiles(a, p).changes.map((c) => `${c.impact} ${c.what}`);
    expect(impacts(edit('skid.flow_sp', (t) => ({ ...t, max: 100, maxStep: 10 })))).to.deep.equal(['closes max 120 -> 100 (narrowed)', 'closes max_step 30 -> 10 (narrowed)']);
    expect(impacts(edit('skid.flow_sp', (t) => ({ ...t, writeRoles: ['operator'] })))).to.deep.equal(['closes write_roles removed: optimizer']);
    expect(impacts(edit('skid.flow_sp', (t) => ({ ...t, approvals: { count: 1, roles: ['supervisor'] } })))).to.deep.equal(['closes approvals 0 -> 1', 'opens approver roles added: supervisor']);
    expect(impacts(edit('skid.pump_run', () => undefined))).to.deep.equal(['closes removed (writes to it are refused)']);
    expect(impacts(edit('skid.flow_sp', (t) => ({ ...t, maxStep: undefined })))).to.deep.equal(['opens max_step 30 -> none (widened)']);
  });
});
