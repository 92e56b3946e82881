/**
 * Traffic for the learn tests: the bundled Modbus simulator, written and
 * read by modbus-serial clients (a client the project did not write) from
 * 127.0.0.1 and 127.0.0.2, and by hand-built MBAP frames where a test needs
 * an exact shape.
 */
import { existsSync } from 'node:fs';
import { runProcess } from '../../helpers/cli.js';
import { closeClient, modbusClient } from '../../simulators/modbus-helpers.js';

/** float32 big-endian, high word first (ABCD) */
export function f32Words(v: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v, 0);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

export interface Script {
  /** Values of the float32 setpoint at holding 100-101 written by 127.0.0.1. */
  readonly hmiFlow: readonly number[];
  /** Values written by 127.0.0.2 to the same setpoint. */
  readonly optimizerFlow: readonly number[];
  /** uint16 at holding 110, written by 127.0.0.1 with FC 6. */
  readonly hmiPressure: readonly number[];
}

export const NORMAL: Script = { hmiFlow: [30, 35, 42.5, 50, 45], optimizerFlow: [48, 55.5, 52], hmiPressure: [600, 650, 620] };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the script against a PLC at 127.0.0.1:port, unit 1: reads of the process values, writes of the setpoints and the pump coil. */
export async function runScript(port: number, s: Script = NORMAL): Promise<{ requests: number }> {
  const hmi = await modbusClient(port, 1, '127.0.0.1');
  const opt = await modbusClient(port, 1, '127.0.0.2');
  let requests = 0;
  try {
    for (let i = 0; i < Math.max(s.hmiFlow.length, s.optimizerFlow.length); i++) {
      await hmi.readInputRegisters(0, 2); // flow_pv, read-only
      await hmi.readHoldingRegisters(100, 2);
      requests += 2;
      if (i < s.hmiFlow.length) {
        await hmi.writeRegisters(100, f32Words(s.hmiFlow[i]!));
        requests++;
      }
      await pause(15);
      if (i < s.optimizerFlow.length) {
        await opt.readHoldingRegisters(100, 2);
        await opt.writeRegisters(100, f32Words(s.optimizerFlow[i]!));
        requests += 2;
      }
      if (i < s.hmiPressure.length) {
        await hmi.writeRegister(110, s.hmiPressure[i]!);
        requests++;
      }
      await pause(15);
    }
    await hmi.writeCoil(0, false);
    await hmi.writeCoil(0, true);
    await hmi.readDiscreteInputs(0, 2);
    requests += 3;
  } finally {
    await closeClient(hmi);
    await closeClient(opt);
  }
  return { requests };
}

/**
 * Writes a candidate learned from NORMAL must refuse: a setpoint far above
 * anything seen (127.0.0.1), a write from a source that never wrote
 * (127.0.0.3, by pymodbus when Debian's python3-pymodbus is there: a second
 * client stack with its own framing), a write to a register nobody wrote
 * (holding 120).
 */
export async function runOutOfLimits(port: number): Promise<{ requests: number }> {
  const hmi = await modbusClient(port, 1, '127.0.0.1');
  const stranger = await modbusClient(port, 1, '127.0.0.3');
  try {
    await hmi.readHoldingRegisters(100, 2);
    await hmi.writeRegisters(100, f32Words(40));
    await pause(30);
    await hmi.writeRegisters(100, f32Words(500));
    await pause(30);
    if (!(await pymodbusWrite(port, '127.0.0.3', 100, f32Words(41)))) await stranger.writeRegisters(100, f32Words(41));
    await hmi.writeRegister(120, 7);
  } finally {
    await closeClient(hmi);
    await closeClient(stranger);
  }
  return { requests: 5 };
}

const PYMODBUS = `
import sys
from pymodbus.client import ModbusTcpClient
port, source, address = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = ModbusTcpClient('127.0.0.1', port=port, source_address=(source, 0), timeout=5)
if not c.connect(): sys.exit(3)
r = c.write_registers(address, [int(w) for w in sys.argv[4:]], slave=1)
c.close()
sys.exit(1 if r.isError() else 0)
`;

/** One FC 16 write by pymodbus from `source`; false when pymodbus is not installed (the caller uses modbus-serial instead). */
async function pymodbusWrite(port: number, source: string, address: number, words: readonly number[]): Promise<boolean> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const probe = await runProcess(python, ['-c', 'import pymodbus.client']).catch(() => ({ code: 1 }));
  if (probe.code !== 0) return false;
  const r = await runProcess(python, ['-c', PYMODBUS, String(port), source, String(address), ...words.map(String)], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`pymodbus write from ${source} failed (${r.code}): ${r.stderr}`);
  return true;
}
