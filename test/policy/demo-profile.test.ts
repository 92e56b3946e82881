/**
 * profiles/demo-cell.yaml against "The demo profile" section of
 * docs/interface.md (the outside contract): every tag's address,
 * type, limits, roles and approvals, and every actor.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkProfileFile, loadProfile, type Profile, type TagPolicy } from '../../src/policy/index.js';

const DEMO = 'profiles/demo-cell.yaml';
const PHARMA = 'profiles/pharma-batch.yaml';

function tag(p: Profile, name: string): TagPolicy {
  const t = p.tags.get(name);
  expect(t, name).to.not.equal(undefined);
  return t!;
}

describe('policy: the bundled profiles', () => {
  let demo: Profile;
  before(() => {
    demo = loadProfile(DEMO);
  });

  it('when checked, both example profiles are ok', () => {
    expect(checkProfileFile(DEMO)).to.deep.equal({ ok: true, errors: [] });
    expect(checkProfileFile(PHARMA)).to.deep.equal({ ok: true, errors: [] });
  });

  it('when a file is missing, checkProfileFile reports it instead of throwing', () => {
    const r = checkProfileFile('profiles/no-such.yaml');
    expect(r.ok).to.equal(false);
    expect(r.errors[0]).to.deep.include({ file: 'profiles/no-such.yaml', line: 1, col: 1 });
  });

  it('when opened in an editor, both files point at the published schema', () => {
    for (const f of [DEMO, PHARMA]) expect(readFileSync(f, 'utf8').split('\n')[0]).to.equal('# yaml-language-server: $schema=./profile.schema.json');
  });

  it('when loaded, the demo has the gateway, defaults and devices of the contract', () => {
    expect(demo.gateway.id).to.equal('gw-cell-1');
    expect(demo.defaults).to.deep.equal({
      unlistedWrites: 'deny',
      taoTtlS: 60,
      approvalTtlS: 900,
      clockSkewS: 5,
      governanceDeadlineMs: 500,
      allowPlainPasswords: true,
    });
    expect(demo.devices.get('skid')).to.deep.equal({
      id: 'skid',
      protocol: 'modbus',
      transport: 'tcp',
      host: '127.0.0.1',
      port: 5023,
      unit: 1,
      plcUnit: 1,
      default: true,
      timeoutMs: 1000,
      maxConnections: 4,
      interFrameGapMs: 0,
    });
    expect(demo.devices.get('dosing')).to.deep.include({ protocol: 'modbus', transport: 'rtu_over_tcp', host: '127.0.0.1', port: 5026, unit: 2, plcUnit: 2, default: false, timeoutMs: 500 });
    expect(demo.devices.get('reactor')).to.deep.equal({
      id: 'reactor',
      protocol: 'opcua',
      endpoint: 'opc.tcp://127.0.0.1:4844',
      securityPolicy: 'Basic256Sha256',
      securityMode: 'SignAndEncrypt',
      identity: { kind: 'user', user: 'gateway', passwordFile: 'plc/reactor.secret' },
    });
    expect(demo.policyHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('when loaded, skid.flow_sp is holding 100-101 float32 ABCD, 0..120 step 30, operator+optimizer, no approval', () => {
    const t = tag(demo, 'skid.flow_sp');
    expect(t.modbus).to.deep.equal({ table: 'holding', address: 100, registers: 2, wordOrder: 'ABCD' });
    expect(t).to.include({ type: 'float32', min: 0, max: 120, maxStep: 30, units: 'm3/h', readback: true, device: 'skid' });
    expect(t.writeRoles).to.deep.equal(['operator', 'optimizer']);
    expect(t.approvals).to.deep.equal({ count: 0, roles: [] });
  });

  it('when loaded, skid.pressure_max is holding 110 uint16 100..900, operator, 1 supervisor', () => {
    const t = tag(demo, 'skid.pressure_max');
    expect(t.modbus).to.deep.include({ table: 'holding', address: 110, registers: 1 });
    expect(t).to.include({ type: 'uint16', min: 100, max: 900, units: 'kPa' });
    expect(t.maxStep).to.equal(undefined);
    expect(t.writeRoles).to.deep.equal(['operator']);
    expect(t.approvals).to.deep.equal({ count: 1, roles: ['supervisor'] });
  });

  it('when loaded, skid.pump_run is coil 0 bool, operator, no approval', () => {
    const t = tag(demo, 'skid.pump_run');
    expect(t.modbus).to.deep.include({ table: 'coil', address: 0, registers: 1 });
    expect(t.type).to.equal('bool');
    expect([t.min, t.max, t.maxStep]).to.deep.equal([undefined, undefined, undefined]);
    expect(t.writeRoles).to.deep.equal(['operator']);
    expect(t.approvals.count).to.equal(0);
  });

  it('when loaded, dosing.rate_sp is holding 200 uint16 0..500 step 100, operator+optimizer, no approval; dosing.rate_pv is input 0, read-only', () => {
    const t = tag(demo, 'dosing.rate_sp');
    expect(t.modbus).to.deep.equal({ table: 'holding', address: 200, registers: 1, wordOrder: 'ABCD' });
    expect(t).to.include({ type: 'uint16', min: 0, max: 500, maxStep: 100, device: 'dosing' });
    expect(t.writeRoles).to.deep.equal(['operator', 'optimizer']);
    expect(t.approvals).to.deep.equal({ count: 0, roles: [] });
    const pv = tag(demo, 'dosing.rate_pv');
    expect(pv.modbus).to.deep.include({ table: 'input', address: 0 });
    expect(pv).to.include({ type: 'uint16', device: 'dosing' });
    expect(pv.writeRoles).to.deep.equal([]);
  });

  it('when loaded, the only writable Modbus tags are the four of the contract', () => {
    const writable = [...demo.tags.values()].filter((t) => t.modbus && t.writeRoles.length > 0).map((t) => t.name);
    expect(writable).to.deep.equal(['skid.flow_sp', 'skid.pressure_max', 'skid.pump_run', 'dosing.rate_sp']);
    expect(tag(demo, 'skid.flow_pv').modbus?.table).to.equal('input');
  });

  it('when loaded, the reactor tags have the contract limits, roles and approvals', () => {
    const temp = tag(demo, 'reactor.temp_sp');
    expect(temp).to.include({ type: 'float64', min: 20, max: 180, maxStep: 25, units: 'degC' });
    expect(temp.opcua).to.deep.equal({ nodeId: 'ns=1;s=reactor.temp_sp' });
    expect(temp.writeRoles).to.deep.equal(['operator', 'optimizer']);
    expect(temp.approvals.count).to.equal(0);

    const rpm = tag(demo, 'reactor.agitator_rpm');
    expect(rpm).to.include({ type: 'int32', min: 0, max: 600 });
    expect(rpm.maxStep).to.equal(undefined);
    expect(rpm.writeRoles).to.deep.equal(['operator']);
    expect(rpm.approvals.count).to.equal(0);

    const jacket = tag(demo, 'reactor.jacket_limit');
    expect(jacket).to.include({ type: 'float64', min: 50, max: 200 });
    expect(jacket.writeRoles).to.deep.equal(['operator']);
    expect(jacket.approvals).to.deep.equal({ count: 1, roles: ['supervisor'] });
  });

  it('when loaded, the reactor methods are StartBatch(recipeId) for operators and Stop for operators and supervisors', () => {
    const start = demo.methods.get('reactor.StartBatch')!;
    expect(start.args).to.deep.equal([{ name: 'recipeId', type: 'string' }]);
    expect(start.callRoles).to.deep.equal(['operator']);
    expect(start.approvals.count).to.equal(0);
    expect(demo.methods.get('reactor.Stop')!.callRoles).to.deep.equal(['operator', 'supervisor']);
  });

  it('when loaded, the actors and approvers are those of the contract', () => {
    const summary = [...demo.actors.values()].map((a) => [a.id, a.kind, a.role, a.modbusSources.join(','), a.opcua?.username ?? '', a.opcua?.password ?? '']);
    expect(summary).to.deep.equal([
      ['hmi-1', 'human', 'operator', '127.0.0.1', '', ''],
      ['optimizer-1', 'ai', 'optimizer', '127.0.0.2', '', ''],
      ['alice', 'human', 'operator', '', 'alice', 'alice-demo'],
      ['bob', 'human', 'supervisor', '', 'bob', 'bob-demo'],
      ['carol', 'human', 'supervisor', '', 'carol', 'carol-demo'],
      ['opti', 'ai', 'optimizer', '', 'opti', 'opti-demo'],
    ]);
    expect([...demo.approvers.values()]).to.deep.equal([
      { id: 'bob', role: 'supervisor' },
      { id: 'carol', role: 'supervisor' },
    ]);
  });

  it('when loaded, the pharma profile needs 2 of 3 QA approvals on the sterilization setpoint and has no plain passwords', () => {
    const p = loadProfile(PHARMA);
    expect(p.defaults.allowPlainPasswords).to.equal(false);
    expect(p.tags.get('fr101.sterilize_temp_sp')!.approvals).to.deep.equal({ count: 2, roles: ['qa'] });
    expect([...p.approvers.values()].filter((a) => a.role === 'qa')).to.have.length(3);
    for (const a of p.actors.values()) expect(a.opcua?.password).to.equal(undefined);
    expect(p.tags.get('cip.supply_temp_sp')!.modbus?.wordOrder).to.equal('CDAB');
  });
});
