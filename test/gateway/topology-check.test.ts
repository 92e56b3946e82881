/**
 * `taogate profile check` on the Modbus topology (issue 10 §1): unit ids
 * unique at the front, one default device, serial settings complete and
 * shared by the devices of one line, a tag's device exists. Every error
 * names FILE:LINE:COL of the offending node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { checkProfileFile, formatIssue } from '../../src/policy/index.js';
import { runCli } from '../helpers/cli.js';

const HEAD = `version: 1
gateway: { id: gw-topo, site: test/topo }
actors:
  hmi-1: { kind: human, role: operator, modbus: { sources: [127.0.0.1] } }
`;

describe('profile check: the Modbus topology', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-topo-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const check = (name: string, body: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, HEAD + body);
    return { file, ...checkProfileFile(file) };
  };

  it('when two devices claim one unit id, the second is reported at its unit with FILE:LINE:COL, by the real CLI too (exit 1)', async () => {
    const r = check(
      'clash',
      `devices:
  skid: { protocol: modbus, host: 10.0.0.5, unit: 2 }
  dosing:
    protocol: modbus
    host: 10.0.0.6
    unit: 2
tags: {}
`,
    );
    expect(r.ok).to.equal(false);
    expect(r.errors.map(formatIssue)).to.deep.equal([`${r.file}:10:11: device dosing: unit 2 is already device skid's; unit ids are unique at the gateway's Modbus front`]);
    const cli = await runCli(['profile', 'check', r.file]);
    expect(cli.code).to.equal(1);
    expect(cli.stdout + cli.stderr).to.include(`${r.file}:10:11: device dosing: unit 2 is already device skid's`);
  });

  it('when two devices are marked default, or a device takes unit 0, it is refused', () => {
    const r = check(
      'defaults',
      `devices:
  a: { protocol: modbus, host: 10.0.0.5, unit: 1, default: true }
  b: { protocol: modbus, host: 10.0.0.6, unit: 2, default: true }
  c: { protocol: modbus, host: 10.0.0.7, unit: 0 }
tags: {}
`,
    );
    // unit 0 (and 255) address the default device: the schema stops it first
    expect(r.errors.map((e) => [e.line, e.message])).to.deep.equal([[8, 'devices.c.unit: must be >= 1']]);
    const r2 = check(
      'defaults2',
      `devices:
  a: { protocol: modbus, host: 10.0.0.5, unit: 1, default: true }
  b: { protocol: modbus, host: 10.0.0.6, unit: 2, default: true }
tags: {}
`,
    );
    expect(r2.errors.map((e) => [e.line, e.message])).to.deep.equal([[7, 'device b: device a is already the default (unit ids 0 and 255 go to one device)']]);
  });

  it('when an RTU device lacks serial settings, or gives a TCP host, each missing or foreign key is named', () => {
    const r = check(
      'serial',
      `devices:
  drive:
    protocol: modbus
    transport: rtu
    host: 10.0.0.9
    serial: { path: /dev/ttyUSB0, baud: 19200, parity: even }
    unit: 3
tags: {}
`,
    );
    const messages = r.errors.map(formatIssue);
    expect(messages.some((m) => m.includes("missing required key 'data_bits'"))).to.equal(true);
    expect(messages.some((m) => m.includes("missing required key 'stop_bits'"))).to.equal(true);
    expect(messages.some((m) => m.includes("key 'host' is not allowed"))).to.equal(true);
  });

  it('when two devices share a serial line with other settings or the same unit on the line, both are reported; a tag on a missing device too', () => {
    const r = check(
      'line',
      `devices:
  d1:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/ttyUSB0, baud: 19200, parity: even, data_bits: 8, stop_bits: 1 }
    unit: 3
  d2:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/ttyUSB0, baud: 9600, parity: even, data_bits: 8, stop_bits: 1 }
    unit: 4
    plc_unit: 3
tags:
  d9.x: { device: d9, type: uint16, modbus: { table: holding, address: 1 } }
`,
    );
    const messages = r.errors.map((e) => `${e.line}: ${e.message}`);
    expect(messages).to.deep.equal([
      '14: device d2: serial line /dev/ttyUSB0 is also used by device d1 with other settings (19200 baud, parity even, 8 data bits, 1 stop bit); devices on one line share its settings',
      "16: device d2: unit 3 on serial line /dev/ttyUSB0 is already device d1's; set plc_unit to the unit the PLC answers",
      "18: tag d9.x: device 'd9' is not defined under devices (did you mean 'd1'?)",
    ]);
  });
});
