import { expect } from 'chai';
import {
  AGITATOR_RAMP_RPM_S,
  initialReactorState,
  startBatch,
  stepReactor,
  stopBatch,
} from '../../simulators/opcua/model.js';
import { describeOpcuaSim } from '../../simulators/opcua/describe.js';
import { METHODS, TAGS, tagNodeId } from '../../simulators/opcua/tags.js';

function run(seconds: number, dt = 0.05) {
  const s = initialReactorState();
  return {
    s,
    advance(sec = seconds) {
      for (let t = 0; t < sec; t += dt) stepReactor(s, dt);
    },
  };
}

describe('opcua sim: reactor model', () => {
  it('when nothing changes it stays at the initial steady state', () => {
    const m = run(10);
    m.advance();
    expect(m.s.tempPv).to.be.closeTo(80, 1e-9);
    expect(m.s.agitatorPv).to.equal(120);
  });

  it('when temp_sp rises, temp_pv lags behind (~5 s) and settles at the setpoint', () => {
    const m = run(0);
    m.s.tempSp = 95;
    m.advance(1);
    expect(m.s.tempPv).to.be.above(80).and.below(85);
    m.advance(60);
    expect(m.s.tempPv).to.be.closeTo(95, 0.01);
  });

  it('when jacket_limit is below temp_sp, temp_pv settles at jacket_limit', () => {
    const m = run(0);
    m.s.tempSp = 150;
    m.s.jacketLimit = 100;
    m.advance(80);
    expect(m.s.jacketTemp).to.be.at.most(100);
    expect(m.s.tempPv).to.be.closeTo(100, 0.01);
  });

  it('when agitator_rpm changes, agitator_pv ramps at 60 rpm/s and stops exactly on the setpoint', () => {
    const s = initialReactorState();
    s.agitatorRpm = 300;
    stepReactor(s, 1);
    expect(s.agitatorPv).to.equal(120 + AGITATOR_RAMP_RPM_S);
    stepReactor(s, 10);
    expect(s.agitatorPv).to.equal(300);
    s.agitatorRpm = 0;
    stepReactor(s, 2);
    expect(s.agitatorPv).to.equal(180);
  });

  it('when a batch starts it refuses an empty recipe and a second start while Running', () => {
    const s = initialReactorState();
    expect(startBatch(s, '')).to.deep.equal({ ok: false, reason: 'empty_recipe' });
    const first = startBatch(s, 'R-001');
    expect(first).to.deep.equal({ ok: true, batchId: 'R-001-B0001' });
    expect(s.batchState).to.equal('Running');
    expect(startBatch(s, 'R-002')).to.deep.equal({ ok: false, reason: 'already_running' });
    stopBatch(s);
    expect(s.batchState).to.equal('Stopped');
    expect(startBatch(s, 'R-002')).to.deep.equal({ ok: true, batchId: 'R-002-B0002' });
  });

  it('describeOpcuaSim lists every node and method', () => {
    const text = describeOpcuaSim();
    for (const t of TAGS) expect(text).to.include(tagNodeId(t.tag));
    for (const m of METHODS) expect(text).to.include(m.nodeId);
  });
});
