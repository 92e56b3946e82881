/**
 * The proposer's judgements (type and word order from values, margins) and
 * the property that matters most: a profile learned with no margin at all
 * still lets every recorded write through on replay, and tightening any
 * learned limit makes replay refuse with the matching code.
 */
import { expect } from 'chai';
import { propose, readTraffic, replay, candidateYaml } from '../../src/learn/index.js';
import { judge } from '../../src/learn/propose/judge.js';
import { narrowInterval, widenRange, widenStep } from '../../src/learn/propose/margins.js';
import { parseProfile } from '../../src/policy/index.js';
import type { ModbusDevice, Profile, TagPolicy } from '../../src/policy/types.js';

const FIX = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

function words32(kind: 'f32' | 'i32', v: number, order: 'ABCD' | 'CDAB' = 'ABCD'): number[] {
  const b = Buffer.alloc(4);
  if (kind === 'f32') b.writeFloatBE(v, 0);
  else b.writeInt32BE(v, 0);
  const w = [b.readUInt16BE(0), b.readUInt16BE(2)];
  return order === 'ABCD' ? w : [w[1]!, w[0]!];
}

function learned(files: string[], margin: number, names = new Map<string, string>()): { profile: Profile; yaml: string } {
  const t = readTraffic(files);
  const c = propose(t.transactions, t.summary, { margin, gatewayId: 'gw-test', site: 'test', deviceNames: names });
  const yaml = candidateYaml(c);
  return { profile: parseProfile(yaml, 'candidate.yaml'), yaml };
}

function withTag(p: Profile, name: string, edit: (t: TagPolicy) => TagPolicy): Profile {
  const tags = new Map(p.tags);
  tags.set(name, edit(p.tags.get(name)!));
  return { ...p, tags };
}

describe('learn: judging types from values', () => {
  it('when two registers hold floats a person typed, it says float32 and finds the word order', () => {
    expect(judge(2, [words32('f32', 42.5), words32('f32', 17.25)])).to.include({ type: 'float32', wordOrder: 'ABCD', undetermined: false });
    expect(judge(2, [words32('f32', 42.5, 'CDAB'), words32('f32', 0.1, 'CDAB')])).to.include({ type: 'float32', wordOrder: 'CDAB' });
  });

  it('when two registers hold whole numbers, it says int32 (negative ones too) and the word order', () => {
    expect(judge(2, [words32('i32', 1500), words32('i32', 90000)])).to.include({ type: 'int32', wordOrder: 'ABCD' });
    expect(judge(2, [words32('i32', -20, 'CDAB'), words32('i32', 70000, 'CDAB')])).to.include({ type: 'int32', wordOrder: 'CDAB' });
  });

  it('when one register holds small negative numbers it says int16, else uint16; all zeros is a stated default', () => {
    expect(judge(1, [[0xfffb], [3]])).to.include({ type: 'int16' });
    expect(judge(1, [[600], [650]])).to.include({ type: 'uint16' });
    expect(judge(2, [[0, 0]])).to.include({ type: 'float32', undetermined: true });
  });
});

describe('learn: margins', () => {
  it('when it widens a range, it rounds outward by the margin, clamps to the type and keeps the observed values inside', () => {
    expect(widenRange('float32', 30, 55.5, 0.1)).to.deep.equal({ min: 27, max: 59 });
    expect(widenRange('uint16', 0, 10, 0.1)).to.deep.equal({ min: 0, max: 11 });
    expect(widenRange('int16', 600, 600, 0.1)).to.deep.equal({ min: 540, max: 660 });
    expect(widenRange('float32', 42.1, 42.1, 0)).to.deep.equal({ min: 42.1, max: 42.1 });
    const r = widenRange('float64', 0.123, 0.127, 0.1);
    expect(r.min).to.be.at.most(0.123 - 0.0004);
    expect(r.max).to.be.at.least(0.127 + 0.0004);
  });

  it('when it learns a step or an interval, the margin widens the step and narrows the interval', () => {
    expect(widenStep('float32', 20.5, 0.1)).to.equal(23);
    expect(widenStep('uint16', 50, 0.1)).to.equal(55);
    expect(widenStep('uint16', 0, 0.1)).to.equal(undefined);
    expect(narrowInterval(41.8, 0.1)).to.equal(37);
    expect(narrowInterval(0.8, 0.1)).to.equal(undefined);
  });
});

describe('learn: replay of what was learned', () => {
  const captures = [[FIX('tcpdump-sim.pcap')], [FIX('reorder-retransmit.pcapng')]];

  it('when the margin is 0, every recorded write still passes on replay (the tightest candidate)', () => {
    for (const files of captures) {
      const { profile } = learned(files, 0);
      const r = replay(readTraffic(files).transactions, profile);
      expect(r.counts.refused, JSON.stringify(r.writes.filter((w) => w.outcome === 'refused'))).to.equal(0);
      expect(r.counts.pass).to.equal(r.counts.total);
    }
  });

  it('when a learned limit is tightened, replay refuses with out_of_range, step_too_large or rate_limited', () => {
    const files = [FIX('tcpdump-sim.pcap')];
    const t = readTraffic(files).transactions;
    const { profile } = learned(files, 0.1);
    const tag = [...profile.tags.values()].find((x) => x.type === 'float32' && x.writeRoles.length > 0)!;
    const refusedBy = (p: Profile) => replay(t, p).refusedByCode;
    expect(refusedBy(withTag(profile, tag.name, (x) => ({ ...x, max: 50 })))).to.have.property('out_of_range').that.is.greaterThan(0);
    expect(refusedBy(withTag(profile, tag.name, (x) => ({ ...x, maxStep: 1 })))).to.have.property('step_too_large').that.is.greaterThan(0);
    expect(refusedBy(withTag(profile, tag.name, (x) => ({ ...x, minIntervalMs: 60_000 })))).to.have.property('rate_limited').that.is.greaterThan(0);
    const approval = replay(t, withTag(profile, tag.name, (x) => ({ ...x, approvals: { count: 1, roles: ['supervisor'] } })));
    expect(approval.counts.refused).to.equal(0);
    expect(approval.counts.approval).to.be.greaterThan(0);
  });

  it('when the profile names the PLC elsewhere, --device maps it; a wrong unit id is no device', () => {
    const files = [FIX('reorder-retransmit.pcapng')];
    const t = readTraffic(files).transactions;
    const { profile } = learned(files, 0.1, new Map([['10.0.0.5:502', 'skid']]));
    const device = (edit: Partial<ModbusDevice>): Profile => ({ ...profile, devices: new Map([['skid', { ...(profile.devices.get('skid') as ModbusDevice), ...edit }]]) });
    const moved = device({ host: '192.168.7.7' });
    expect(replay(t, moved).refusedByCode).to.deep.equal({ unknown_tag: 5 });
    expect(replay(t, moved, new Map([['skid', '10.0.0.5:502']])).counts.refused).to.equal(0);
    expect(replay(t, device({ plcUnit: 9 })).refusedByCode).to.deep.equal({ unknown_tag: 5 });
  });

  it('when several captures are given, it learns from all of them in time order (two PLCs, four writers)', () => {
    const { profile } = learned([FIX('tcpdump-sim.pcap'), FIX('reorder-retransmit.pcapng')], 0.1);
    expect([...profile.devices.keys()].sort()).to.deep.equal(['plc_10_0_0_5_502_u1', 'plc_127_0_0_1_43939_u1']);
    expect([...profile.actors.keys()].sort()).to.deep.equal(['src_10_0_0_10', 'src_10_0_0_11', 'src_127_0_0_1', 'src_127_0_0_2']);
    // both PLCs answer unit 1: the front needs distinct unit ids, the PLC keeps its own (plc_unit)
    const units = [...profile.devices.values()].map((d) => d.protocol === 'modbus' && `${d.id} ${d.unit}/${d.plcUnit}`);
    expect(units).to.deep.equal(['plc_10_0_0_5_502_u1 1/1', 'plc_127_0_0_1_43939_u1 2/1']);
    const t = readTraffic([FIX('tcpdump-sim.pcap'), FIX('reorder-retransmit.pcapng')]).transactions;
    expect(replay(t, profile).counts.refused).to.equal(0);
  });

  it('when it writes the candidate, the YAML carries evidence comments and no field the schema lacks', () => {
    const { yaml } = learned([FIX('reorder-retransmit.pcapng')], 0.1, new Map([['10.0.0.5:502', 'plc']]));
    expect(yaml).to.match(/^# Candidate taogate profile/);
    expect(yaml).to.match(/max_step: 5\.3 # learned: largest of 2 steps 4\.75, \+ 10 %; first 2026-12-01T08:00:00\.013Z, last 2026-12-01T08:00:00\.036Z/);
    expect(yaml).to.match(/unit: 1 # learned: 8 requests to 10\.0\.0\.5:502 unit 1; first /);
    expect(yaml).to.match(/# learned: written 3 times by src_10_0_0_10 \(2\), src_10_0_0_11 \(1\); first 2026-12-01T08:00:00\.0\d\dZ/);
    expect(yaml).to.match(/role: src_10_0_0_10 # placeholder/);
  });
});
