import { expect } from 'chai';
import { formatIssue, hashPassword, parseProfile, ProfileError } from '../../src/policy/index.js';
import { inserting, withLines } from './fixtures.js';

function lines(text: string): string[] {
  try {
    parseProfile(text, 'p.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ProfileError);
    return (err as ProfileError).errors.map(formatIssue);
  }
  return [];
}

const HASH = hashPassword('secret', { N: 1024, r: 8, p: 1 }, new Uint8Array(16).fill(7));

describe('policy: semantic checks after the schema', () => {
  it('when a tag names a device that does not exist it points at the device value', () => {
    expect(lines(withLines({ 8: '    device: plx' }))).to.deep.equal([
      "p.yaml:8:13: tag plc.sp: device 'plx' is not defined under devices (did you mean 'plc'?)",
    ]);
  });

  it('when a modbus binding sits on an OPC UA device it refuses the binding and asks for the right one', () => {
    expect(lines(withLines({ 8: '    device: ua' }))).to.deep.equal([
      'p.yaml:7:3: tag plc.sp: device ua is opcua, so the tag needs opcua: {node_id}',
      'p.yaml:10:5: tag plc.sp: device ua is opcua, so it takes no modbus binding',
    ]);
  });

  it('when two modbus tags overlap (float32 spans 2 registers) it names both ranges', () => {
    const text = inserting(13, '  plc.b:', '    device: plc', '    type: uint16', '    modbus: { table: holding, address: 101 }');
    expect(lines(text)).to.deep.equal(['p.yaml:17:40: tag plc.b: holding 101 overlaps tag plc.sp (holding 100-101)']);
  });

  it('when tags share an address in different tables there is no overlap', () => {
    const text = inserting(13, '  plc.b:', '    device: plc', '    type: bool', '    modbus: { table: coil, address: 100 }');
    expect(lines(text)).to.deep.equal([]);
  });

  it('when a coil holds a non-bool it refuses; when an input register has write roles it refuses', () => {
    expect(lines(withLines({ 10: '    modbus: { table: coil, address: 100 }' }))).to.deep.equal([
      'p.yaml:10:22: tag plc.sp: a coil holds one bit, so the type must be bool, not float32',
    ]);
    expect(lines(withLines({ 10: '    modbus: { table: input, address: 100 }' }))).to.deep.equal([
      'p.yaml:13:5: tag plc.sp: input registers are read-only; remove write_roles',
    ]);
  });

  it('when a value spans past address 65535 it refuses', () => {
    expect(lines(withLines({ 10: '    modbus: { table: holding, address: 65535 }' }))).to.deep.equal([
      'p.yaml:10:40: tag plc.sp: float32 at 65535 spans 2 registers, past the last address 65535',
    ]);
  });

  it('when min > max, or limits do not fit the type, it refuses', () => {
    expect(lines(withLines({ 11: '    min: 121' }))).to.deep.equal(['p.yaml:11:10: tag plc.sp: min 121 is greater than max 120']);
    expect(lines(withLines({ 9: '    type: int16', 11: '    min: -40000', 12: '    max: 1.5' }))).to.deep.equal([
      'p.yaml:11:10: tag plc.sp: min -40000 is outside the int16 range -32768..32767',
      'p.yaml:12:10: tag plc.sp: max 1.5 must be a whole number for int16',
    ]);
    expect(lines(withLines({ 9: '    type: bool', 10: '    modbus: { table: coil, address: 1 }' }))).to.deep.equal([
      'p.yaml:11:5: tag plc.sp: bool tags have no min',
      'p.yaml:12:5: tag plc.sp: bool tags have no max',
    ]);
  });

  it('when an approval role is held by no approver it suggests the closest', () => {
    expect(lines(withLines({ 19: '    approvals: { count: 1, roles: [supervsor] }' }))).to.deep.equal([
      'p.yaml:19:25: ua.sp: needs 1 approvals but only 0 approver(s) hold role supervsor',
      "p.yaml:19:36: ua.sp: approval role 'supervsor' is held by no approver (did you mean 'supervisor'?)",
    ]);
  });

  it('when approvals.count exceeds the eligible approvers, or roles are missing, it refuses', () => {
    expect(lines(withLines({ 19: '    approvals: { count: 2, roles: [supervisor] }' }))).to.deep.equal([
      'p.yaml:19:25: ua.sp: needs 2 approvals but only 1 approver(s) hold role supervisor (sup-1)',
    ]);
    expect(lines(withLines({ 19: '    approvals: { count: 1 }' }))).to.deep.equal([
      'p.yaml:19:25: ua.sp: approvals.count is 1 but approvals.roles is empty',
    ]);
  });

  it('when a write role is held by no actor it suggests the closest (a typo would lock the tag)', () => {
    expect(lines(withLines({ 13: '    write_roles: [operater]' }))).to.deep.equal([
      "p.yaml:13:19: role 'operater' is held by no actor (did you mean 'operator'?)",
    ]);
  });

  it('when two actors claim one source address it points at the second claim', () => {
    expect(lines(inserting(21, '  op-2: { kind: ai, role: operator, modbus: { sources: [10.0.0.2, 10.0.0.1] } }'))).to.deep.equal([
      'p.yaml:22:67: actor op-2: source 10.0.0.1 is already claimed by actor op-1',
    ]);
    expect(lines(withLines({ 21: '  op-1: { kind: human, role: operator, modbus: { sources: [10.0.0.300] } }' }))).to.deep.equal([
      "p.yaml:21:60: actor op-1: '10.0.0.300' is not an IPv4 or IPv6 address",
    ]);
  });

  it('when a plain password appears without allow_plain_passwords it refuses at the key', () => {
    expect(lines(inserting(21, '  ua-1: { kind: human, role: operator, opcua: { username: u, password: pw } }'))).to.deep.equal([
      'p.yaml:22:62: actor ua-1: plain passwords are refused; use password_hash (or set defaults.allow_plain_passwords: true in a demo profile)',
    ]);
    const allowed = inserting(1, 'defaults: { allow_plain_passwords: true }').replace(
      '  op-1: {',
      '  ua-1: { kind: human, role: operator, opcua: { username: u, password: pw } }\n  op-1: {',
    );
    expect(lines(allowed)).to.deep.equal([]);
  });

  it('when a password_hash is well formed it loads; when malformed it says what is wrong', () => {
    expect(lines(inserting(21, `  ua-1: { kind: human, role: operator, opcua: { username: u, password_hash: "${HASH}" } }`))).to.deep.equal([]);
    const bad = HASH.replace('$1024$', '$1000$');
    expect(lines(inserting(21, `  ua-1: { kind: human, role: operator, opcua: { username: u, password_hash: "${bad}" } }`))).to.deep.equal([
      'p.yaml:22:77: actor ua-1: password_hash has N = 1000; N must be a power of two from 1024 to 1048576; expected scrypt$N$r$p$<salt base64>$<hash base64>',
    ]);
    expect(lines(inserting(21, '  ua-1: { kind: human, role: operator, opcua: { username: u, password_hash: "scrypt$1024$8$1$!!$??" } }'))).to.deep.equal([
      'p.yaml:22:77: actor ua-1: password_hash has a salt that is not base64; expected scrypt$N$r$p$<salt base64>$<hash base64>',
    ]);
  });

  it('when two actors share an OPC UA user name, or a user has no password, it refuses', () => {
    const text = inserting(
      21,
      `  ua-1: { kind: human, role: operator, opcua: { username: u, password_hash: "${HASH}" } }`,
      `  ua-2: { kind: human, role: operator, opcua: { username: u, password_hash: "${HASH}" } }`,
      '  ua-3: { kind: human, role: operator, opcua: { username: w } }',
    );
    expect(lines(text)).to.deep.equal([
      "p.yaml:23:59: actor ua-2: OPC UA user 'u' is already actor ua-1",
      "p.yaml:24:49: actor ua-3: user 'w' needs a password_hash",
    ]);
  });

  it('when a method sits on a modbus device it refuses', () => {
    const text = inserting(
      19,
      'methods:',
      '  plc.Go: { device: plc, opcua: { object_id: "ns=1;s=o", method_id: "ns=1;s=m" }, call_roles: [operator] }',
    );
    expect(lines(text)).to.deep.equal(['p.yaml:21:21: method plc.Go: device plc is modbus; methods exist on OPC UA devices only']);
  });
});
