/** `--device NAME=/dev/...` moves a Modbus RTU device to another serial port without touching the policy. */
import { expect } from 'chai';
import { applyDeviceOptions } from '../../src/cli/device-option.js';
import { parseProfile, type ModbusDevice } from '../../src/policy/index.js';

const PROFILE = parseProfile(
  `version: 1
gateway: { id: gw-ovr, site: test/ovr }
devices:
  drive:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/ttyUSB0, baud: 19200, parity: even, data_bits: 8, stop_bits: 1 }
    unit: 5
  valve: { protocol: modbus, transport: rtu_over_tcp, host: 10.0.0.40, port: 4001, unit: 6 }
tags: {}
actors:
  hmi-1: { kind: human, role: operator, modbus: { sources: [127.0.0.1] } }
`,
  'ovr.yaml',
);

describe('device overrides: serial paths', () => {
  it('when an RTU device is given a device path it moves there, keeping its line settings and the policy hash', () => {
    const p = applyDeviceOptions(PROFILE, ['drive=/dev/ttyUSB3', 'valve=10.0.0.41:4002']);
    expect((p.devices.get('drive') as ModbusDevice).serial).to.deep.equal({ path: '/dev/ttyUSB3', baud: 19200, parity: 'even', dataBits: 8, stopBits: 1 });
    expect(p.devices.get('valve')).to.deep.include({ host: '10.0.0.41', port: 4002 });
    expect(p.policyHash).to.equal(PROFILE.policyHash);
  });

  it('when a serial device is given host:port, or a TCP device a path, it is a usage error naming the device', () => {
    expect(() => applyDeviceOptions(PROFILE, ['drive=10.0.0.9:502'])).to.throw(/drive is a Modbus RTU device on a serial line; give its device path/);
    expect(() => applyDeviceOptions(PROFILE, ['valve=/dev/ttyUSB1'])).to.throw(/valve is reached over TCP; give host:port/);
  });
});
