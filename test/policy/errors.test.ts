import { expect } from 'chai';
import { formatIssue, parseProfile, ProfileError, type ProfileIssue } from '../../src/policy/index.js';
import { base, inserting, withLines } from './fixtures.js';

function issues(text: string): ProfileIssue[] {
  try {
    parseProfile(text, 'p.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ProfileError);
    return [...(err as ProfileError).errors];
  }
  expect.fail('expected a ProfileError');
}

function lines(text: string): string[] {
  return issues(text).map(formatIssue);
}

describe('policy: profile errors with line and column', () => {
  it('when the fixture is untouched it loads', () => {
    expect(parseProfile(base(), 'p.yaml').tags.size).to.equal(2);
  });

  it('when a key has a typo it points at the key and suggests the valid one', () => {
    expect(lines(withLines({ 13: '    wirte_roles: [operator]' }))).to.deep.equal([
      "p.yaml:13:5: unknown key 'wirte_roles' in tags['plc.sp'] (did you mean 'write_roles'?)",
    ]);
  });

  it('when a key in a flow mapping has a typo it points at that key (and a missing key at its owner)', () => {
    expect(lines(withLines({ 10: '    modbus: { table: holding, adress: 100 }' }))).to.deep.equal([
      "p.yaml:10:5: tags['plc.sp'].modbus: missing required key 'address'",
      "p.yaml:10:31: unknown key 'adress' in tags['plc.sp'].modbus (did you mean 'address'?)",
    ]);
  });

  it('when a value has the wrong type it says expected vs got at the value', () => {
    expect(lines(withLines({ 12: '    max: lots' }))).to.deep.equal([
      "p.yaml:12:10: tags['plc.sp'].max: expected a number, got string 'lots'",
    ]);
    expect(lines(withLines({ 4: '  plc: { protocol: modbus, host: 127.0.0.1, port: "502x", unit: 1 }' }))).to.deep.equal([
      "p.yaml:4:51: devices.plc.port: expected an integer, got string '502x'",
    ]);
  });

  it('when a line is indented too deep it points at that line, first non-space column', () => {
    expect(lines(withLines({ 9: '     type: float32' }))).to.deep.equal([
      'p.yaml:9:6: YAML: bad indentation: this line is indented deeper than the key above it',
    ]);
  });

  it('when a line is indented too shallow it points at that line', () => {
    expect(lines(withLines({ 9: '   type: float32' }))).to.deep.equal([
      'p.yaml:9:4: YAML: bad indentation: all mapping items must start at the same column',
    ]);
  });

  it('when a tab indents a line it points at the tab', () => {
    expect(lines(withLines({ 9: '\ttype: float32' }))).to.deep.equal(['p.yaml:9:1: YAML: tab used for indentation (use spaces)']);
  });

  it('when a key is duplicated it points at the second one, every time', () => {
    expect(lines(inserting(11, '    min: 5').replace('    type: float64', '    type: float64\n    type: int32'))).to.deep.equal([
      "p.yaml:12:5: YAML: duplicate key 'min' (map keys must be unique)",
      "p.yaml:18:5: YAML: duplicate key 'type' (map keys must be unique)",
    ]);
  });

  it('when an enum value is misspelt it lists the choices and suggests one', () => {
    expect(lines(withLines({ 9: '    type: flaot32' }))).to.deep.equal([
      "p.yaml:9:11: tags['plc.sp'].type: string 'flaot32' is not one of bool, int16, uint16, int32, uint32, float32, float64, string (did you mean 'float32'?)",
    ]);
  });

  it('when a required key is missing it points at the owning key', () => {
    expect(lines(withLines({ 8: '    # no device' }))).to.deep.equal(["p.yaml:7:3: tags['plc.sp']: missing required key 'device'"]);
  });

  it('when a key does not belong to the device protocol it says so', () => {
    expect(lines(withLines({ 5: '  ua: { protocol: opcua, endpoint: "opc.tcp://127.0.0.1:4840", port: 4840 }' }))).to.deep.equal([
      "p.yaml:5:64: key 'port' is not allowed for an opcua device",
    ]);
  });

  it('when a name breaks the naming rule it points at the name', () => {
    const [issue] = issues(withLines({ 21: '  "op 1": { kind: human, role: operator, modbus: { sources: [10.0.0.1] } }' }));
    expect(issue).to.include({ line: 21, col: 3 });
    expect(issue!.message).to.match(/^actor id 'op 1' is not valid/);
  });

  it('when there are several schema errors it reports all of them, in file order', () => {
    const text = withLines({ 2: 'gateway: { id: gw-test, sit: test/site }', 12: '    max: lots', 21: '  op-1: { kind: robot, role: operator }' });
    expect(lines(text)).to.deep.equal([
      "p.yaml:2:1: gateway: missing required key 'site'",
      "p.yaml:2:25: unknown key 'sit' in gateway (did you mean 'site'?)",
      "p.yaml:12:10: tags['plc.sp'].max: expected a number, got string 'lots'",
      "p.yaml:21:17: actors['op-1'].kind: string 'robot' is not one of human, ai, pipeline, service",
    ]);
  });

  it('when there are several semantic errors it reports all of them', () => {
    const text = withLines({
      8: '    device: plx',
      11: '    min: 130',
      15: '    device: ua',
      19: '    approvals: { count: 2, roles: [supervisor] }',
    });
    expect(lines(text)).to.deep.equal([
      "p.yaml:8:13: tag plc.sp: device 'plx' is not defined under devices (did you mean 'plc'?)",
      'p.yaml:11:10: tag plc.sp: min 130 is greater than max 120',
      'p.yaml:19:25: ua.sp: needs 2 approvals but only 1 approver(s) hold role supervisor (sup-1)',
    ]);
  });

  it('when the document is empty or not a mapping it says so at 1:1', () => {
    expect(lines('')).to.deep.equal(['p.yaml:1:1: profile: expected an object, got an empty value']);
    expect(lines('- a\n')).to.deep.equal(['p.yaml:1:1: profile: expected an object, got a list']);
  });

  it('when it throws, the message lists every issue as FILE:LINE:COL: message', () => {
    try {
      parseProfile(withLines({ 12: '    max: lots', 9: '    type: flaot32' }), 'p.yaml');
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).to.match(/^2 problems in profile:\np\.yaml:9:11: .*\np\.yaml:12:10: /);
    }
  });
});
