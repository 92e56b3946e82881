import { expect } from 'chai';
import { checkHardLimits, evaluate, loadProfile, type PolicyDecision, type PolicyHistory, type Profile, type Proposal } from '../../src/policy/index.js';

const NOW = 1_700_000_000_000;
const NONE: PolicyHistory = { lastIssuedAt: () => undefined };

describe('policy: evaluate(proposal, profile, now, history)', () => {
  let demo: Profile;
  let pharma: Profile;
  before(() => {
    demo = loadProfile('profiles/demo-cell.yaml');
    pharma = loadProfile('profiles/pharma-batch.yaml');
  });

  function write(actor: string, target: string, value: string, extra: Partial<Proposal> = {}): PolicyDecision {
    return evaluate({ actor, op: 'write', target, value, ...extra }, demo, NOW, NONE);
  }

  function denied(d: PolicyDecision): { code: string; reason: string } {
    expect(d.decision).to.equal('deny');
    const { code, reason } = d as Extract<PolicyDecision, { decision: 'deny' }>;
    return { code, reason };
  }

  it('when the optimizer writes a flow setpoint in range it issues', () => {
    expect(write('optimizer-1', 'skid.flow_sp', '42.5', { current: '30' })).to.deep.equal({ decision: 'issue' });
  });

  it('when a write needs approvals it is pending with the rule', () => {
    expect(write('hmi-1', 'skid.pressure_max', '500')).to.deep.equal({ decision: 'pending', approvals: { count: 1, roles: ['supervisor'] } });
    expect(write('alice', 'reactor.jacket_limit', '120')).to.deep.equal({ decision: 'pending', approvals: { count: 1, roles: ['supervisor'] } });
  });

  it('when the actor is unknown it denies unknown_actor (before anything else)', () => {
    expect(denied(write('mallory', 'no.such', 'x')).code).to.equal('unknown_actor');
  });

  it('when the tag or method is unknown it denies unknown_tag', () => {
    expect(denied(write('hmi-1', 'skid.nope', '1'))).to.deep.equal({ code: 'unknown_tag', reason: "tag 'skid.nope' is not in profile gw-cell-1" });
    // a method name is not a tag, and a tag name is not a method
    expect(denied(write('alice', 'reactor.Stop', '')).code).to.equal('unknown_tag');
    expect(denied(evaluate({ actor: 'alice', op: 'call', target: 'reactor.temp_sp', value: '' }, demo, NOW, NONE)).code).to.equal('unknown_tag');
  });

  it('when the tag is read-only it denies not_writable', () => {
    expect(denied(write('hmi-1', 'skid.flow_pv', '1'))).to.deep.equal({ code: 'not_writable', reason: 'skid.flow_pv is read-only' });
  });

  it("when the actor's role may not write the tag it denies role_not_allowed, naming role and allowed roles", () => {
    expect(denied(write('optimizer-1', 'skid.pressure_max', '500'))).to.deep.equal({
      code: 'role_not_allowed',
      reason: 'optimizer-1 (role optimizer) may not write skid.pressure_max; allowed roles: operator',
    });
    // role comes before type: a bad value from a disallowed role is a role refusal
    expect(denied(write('bob', 'reactor.temp_sp', 'hot')).code).to.equal('role_not_allowed');
  });

  it('when the value does not fit the type it denies type_mismatch', () => {
    expect(denied(write('hmi-1', 'skid.flow_sp', 'abc'))).to.deep.equal({
      code: 'type_mismatch',
      reason: "skid.flow_sp = 'abc' is not a valid float32: not a plain decimal number",
    });
    expect(denied(write('hmi-1', 'skid.pump_run', '1')).code).to.equal('type_mismatch');
    expect(denied(write('alice', 'reactor.agitator_rpm', '12.5')).code).to.equal('type_mismatch');
  });

  it('when the value is outside the limits it denies out_of_range with value, limit and units', () => {
    expect(denied(write('hmi-1', 'skid.flow_sp', '500'))).to.deep.equal({ code: 'out_of_range', reason: 'skid.flow_sp = 500 is above max 120 m3/h' });
    expect(denied(write('hmi-1', 'skid.pressure_max', '99'))).to.deep.equal({ code: 'out_of_range', reason: 'skid.pressure_max = 99 is below min 100 kPa' });
    expect(denied(write('alice', 'reactor.temp_sp', '-0.5')).reason).to.equal('reactor.temp_sp = -0.5 is below min 20 degC');
  });

  it('when the limits are exactly met it allows them (float32 limits compare in float32)', () => {
    expect(write('hmi-1', 'skid.flow_sp', '120').decision).to.equal('issue');
    expect(write('hmi-1', 'skid.flow_sp', '0').decision).to.equal('issue');
    expect(write('alice', 'reactor.temp_sp', '180', { current: '160' }).decision).to.equal('issue');
  });

  it('when the change from the current value exceeds max_step it denies step_too_large', () => {
    expect(denied(write('hmi-1', 'skid.flow_sp', '50', { current: '10' }))).to.deep.equal({
      code: 'step_too_large',
      reason: 'skid.flow_sp = 50 is a step of 40 from the current 10; max step is 30 m3/h',
    });
    expect(write('hmi-1', 'skid.flow_sp', '40', { current: '10' }).decision).to.equal('issue');
    // rounding noise is not a step: 30.1 - 0.1 is 30.000000000000004 in binary
    expect(write('hmi-1', 'skid.flow_sp', '30.1', { current: '0.1' }).decision).to.equal('issue');
    expect(write('alice', 'reactor.temp_sp', '45.1', { current: '20.1' }).decision).to.equal('issue');
  });

  it('when max_step is set but the current value is unknown, evaluate leaves the step to the gateway', () => {
    expect(write('hmi-1', 'skid.flow_sp', '100').decision).to.equal('issue');
  });

  it('when the current value is not a valid value of the type it denies malformed', () => {
    expect(denied(write('hmi-1', 'skid.flow_sp', '50', { current: 'NaN' })).code).to.equal('malformed');
  });

  it('when the tag was authorized within min_interval_ms it denies rate_limited, and issues after', () => {
    const history: PolicyHistory = { lastIssuedAt: (t) => (t === 'fr101.temp_sp' ? NOW - 1000 : undefined) };
    const p: Proposal = { actor: 'apc-1', op: 'write', target: 'fr101.temp_sp', value: '37', current: '37.2' };
    expect(denied(evaluate(p, pharma, NOW, history))).to.deep.equal({
      code: 'rate_limited',
      reason: 'fr101.temp_sp was authorized 1000 ms ago; the minimum interval is 60000 ms',
    });
    expect(evaluate(p, pharma, NOW + 59_000, history)).to.deep.equal({ decision: 'issue' });
  });

  it('when a method is called with the right arguments it issues; wrong count or type denies type_mismatch', () => {
    const call = (actor: string, target: string, args: string[]) => evaluate({ actor, op: 'call', target, value: '', args }, demo, NOW, NONE);
    expect(call('alice', 'reactor.StartBatch', ['R-17'])).to.deep.equal({ decision: 'issue' });
    expect(call('bob', 'reactor.Stop', [])).to.deep.equal({ decision: 'issue' });
    expect(denied(call('alice', 'reactor.StartBatch', []))).to.deep.equal({
      code: 'type_mismatch',
      reason: 'reactor.StartBatch takes 1 argument(s) (recipeId), got 0',
    });
    expect(denied(call('opti', 'reactor.StartBatch', ['R-17'])).code).to.equal('role_not_allowed');
    const pcall = evaluate({ actor: 'olga', op: 'call', target: 'fr101.StartPhase', value: '', args: ['B-1', 'x'] }, pharma, NOW, NONE);
    expect(denied(pcall).reason).to.equal("fr101.StartPhase argument phase = 'x' is not a valid uint16: not a decimal integer");
  });

  it('when it decides, it is pure: same inputs, same answer, profile untouched', () => {
    const before = JSON.stringify([...demo.tags]);
    const a = write('hmi-1', 'skid.flow_sp', '50', { current: '10' });
    const b = write('hmi-1', 'skid.flow_sp', '50', { current: '10' });
    expect(a).to.deep.equal(b);
    expect(JSON.stringify([...demo.tags])).to.equal(before);
  });
});

describe('policy: checkHardLimits(tag, value, current)', () => {
  let demo: Profile;
  before(() => {
    demo = loadProfile('profiles/demo-cell.yaml');
  });

  it('when type, range and step are fine it issues; otherwise it names the failed check', () => {
    const flow = demo.tags.get('skid.flow_sp')!;
    expect(checkHardLimits(flow, '42.5', '30')).to.deep.equal({ decision: 'issue' });
    expect(checkHardLimits(flow, '1e3', undefined)).to.include({ decision: 'deny', code: 'type_mismatch' });
    expect(checkHardLimits(flow, '121', undefined)).to.include({ decision: 'deny', code: 'out_of_range' });
    expect(checkHardLimits(flow, '100', '0')).to.include({ decision: 'deny', code: 'step_too_large' });
    expect(checkHardLimits(demo.tags.get('skid.pump_run')!, 'true', 'false')).to.deep.equal({ decision: 'issue' });
  });

  it('when the tag needs approvals it still only checks limits (approvals are not its business)', () => {
    expect(checkHardLimits(demo.tags.get('skid.pressure_max')!, '500', undefined)).to.deep.equal({ decision: 'issue' });
  });
});
