/**
 * A Modbus front whose profile names a serial port that does not exist:
 * it starts anyway (the other devices keep being served), says so in one
 * error line naming the port, the device and the exception its unit gets,
 * and reports the device down for /readyz. Decision documented in
 * docs/own-cell.md ("When a device is missing").
 */
import { expect } from 'chai';
import { ModbusFront } from '../../src/gateway/modbus/front.js';
import type { Gate } from '../../src/gateway/gate/gate.js';
import { parseProfile } from '../../src/policy/index.js';

const PROFILE = `version: 1
gateway: { id: gw-start, site: test/start }
devices:
  skid: { protocol: modbus, host: 127.0.0.1, port: 1, unit: 1 }
  ghost:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/taogate-no-such-port, baud: 9600, parity: none, data_bits: 8, stop_bits: 2 }
    unit: 7
tags: {}
actors:
  hmi-1: { kind: human, role: operator, modbus: { sources: [127.0.0.1] } }
`;

describe('modbus front: start with a serial port that does not exist', () => {
  it('when started it listens, logs one error naming the port, the device and 0x0a, and reports the device down', async () => {
    const lines: { level: string; msg: string }[] = [];
    const log = {
      info: (_: object, msg?: string) => lines.push({ level: 'info', msg: msg ?? '' }),
      warn: (_: object, msg?: string) => lines.push({ level: 'warn', msg: msg ?? '' }),
      error: (_: object, msg?: string) => lines.push({ level: 'error', msg: msg ?? '' }),
      debug: () => undefined,
    };
    const front = new ModbusFront({ host: '127.0.0.1', port: 0, profile: parseProfile(PROFILE, 'start.yaml'), log });
    try {
      // The gate is not asked at start (no request arrives in this test).
      const address = await front.start({} as Gate);
      expect(address).to.match(/^127\.0\.0\.1:\d+$/);
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).to.have.length(1);
      expect(errors[0]!.msg).to.match(/^cannot open serial \/dev\/taogate-no-such-port: .*No such file or directory.*; ghost \(unit 7\) answer exception 0x0a until it opens/);
      const health = front.devices();
      expect(health.find((d) => d.device === 'ghost')).to.deep.include({ up: false });
      expect(health.find((d) => d.device === 'ghost')!.detail).to.match(/serial \/dev\/taogate-no-such-port: /);
      expect(health.find((d) => d.device === 'skid')).to.deep.include({ up: true });
    } finally {
      await front.close();
    }
  });
});
