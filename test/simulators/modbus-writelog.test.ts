/**
 * The simulator's append-only write log: applied writes only, in memory and
 * as JSON lines in a file another process can read.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startModbusSim, type ModbusSim, type WriteRecord } from '../../simulators/modbus/index.js';
import { RawClient, closeClient, floatWords, modbusClient, u16, type ModbusClient } from './modbus-helpers.js';

function localSource(client: ModbusClient): string {
  // modbus-serial keeps its socket on the port object; the typings do not show it.
  const port = (client as unknown as { _port: { _client: { localAddress: string; localPort: number } } })._port._client;
  return `${port.localAddress}:${port.localPort}`;
}

describe('modbus sim: write log', () => {
  let dir: string;
  let sim: ModbusSim;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-modbus-sim-'));
  });

  afterEach(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when writes are applied and refused it records exactly the applied ones, with unit, fc, table, values and source', async () => {
    sim = await startModbusSim({ tickMs: 10 });
    const client = await modbusClient(sim.port);
    const raw = await RawClient.open(sim.port);
    const source = localSource(client);
    const rawSource = `127.0.0.1:${raw.socket.localPort}`;
    try {
      const t0 = Date.now();
      await client.writeRegisters(100, floatWords(45)); // applied FC16
      await client.writeRegister(110, 500); // applied FC6
      await client.writeCoil(0, false); // applied FC5
      await client.writeCoils(10, [true, false, true]); // applied FC15
      await client.writeRegister(1000, 1).catch(() => undefined); // refused: exception 2
      await client.writeRegisters(999, [1, 2]).catch(() => undefined); // refused: exception 2, nothing written at 999
      await raw.request(1, 1, [0x05, ...u16(0, 0x1234)]); // refused: exception 3
      await raw.request(2, 7, [0x06, ...u16(110, 900)]); // refused: other unit, 0x0B
      await raw.request(3, 1, [0x16, ...u16(110, 0xff00, 0x0007)]); // applied FC22: (500 & 0xff00) | 7 = 263
      await raw.request(4, 1, [0x17, ...u16(0, 1, 120, 1), 2, ...u16(9)]); // applied FC23
      await raw.request(5, 1, [0x03, ...u16(100, 2)]); // a read: not logged
      sim.setHolding(300, [1, 2]); // a test backdoor: not logged

      const writes = sim.writes();
      const stripTs = writes.map(({ ts: _ts, ...rest }) => rest);
      expect(stripTs).to.deep.equal([
        { unit: 1, fc: 16, table: 'holding', address: 100, values: floatWords(45), source },
        { unit: 1, fc: 6, table: 'holding', address: 110, values: [500], source },
        { unit: 1, fc: 5, table: 'coil', address: 0, values: [0], source },
        { unit: 1, fc: 15, table: 'coil', address: 10, values: [1, 0, 1], source },
        { unit: 1, fc: 22, table: 'holding', address: 110, values: [263], source: rawSource },
        { unit: 1, fc: 23, table: 'holding', address: 120, values: [9], source: rawSource },
      ]);
      for (const w of writes) expect(w.ts).to.be.within(t0, Date.now());
      expect(sim.holding(110, 1)).to.deep.equal([263]);
      expect(sim.holding(999, 1)).to.deep.equal([0]);
    } finally {
      raw.close();
      await closeClient(client);
    }
  });

  it('when a caller mutates the returned log it does not change the log', async () => {
    sim = await startModbusSim({ model: false });
    const client = await modbusClient(sim.port);
    await client.writeRegister(5, 5);
    await closeClient(client);
    const copy = sim.writes();
    copy[0]!.values.push(99);
    copy.pop();
    expect(sim.writes()).to.have.length(1);
    expect(sim.writes()[0]!.values).to.deep.equal([5]);
  });

  it('when a log file is given it appends one JSON line per applied write, keeps older lines, and another process reads them', async () => {
    const file = join(dir, 'logs', 'modbus-writes.jsonl'); // the folder is created
    sim = await startModbusSim({ model: false, logFile: file });
    let client = await modbusClient(sim.port);
    await client.writeRegister(110, 700);
    await client.writeRegister(1000, 1).catch(() => undefined); // refused: not in the file
    await closeClient(client);

    // Another process sees the line at once (appendFileSync, no buffering).
    const seen = execFileSync(process.execPath, ['-e', `process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`], { encoding: 'utf8' });
    const first = seen.trim().split('\n').map((l) => JSON.parse(l) as WriteRecord);
    expect(first).to.have.length(1);
    expect(first[0]).to.deep.equal(sim.writes()[0]);

    // A second simulator on the same file appends; it never rewrites.
    await sim.close();
    sim = await startModbusSim({ model: false, logFile: file });
    client = await modbusClient(sim.port);
    await client.writeCoil(0, false);
    await client.writeRegisters(100, floatWords(12));
    await closeClient(client);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WriteRecord);
    expect(lines.map((l) => [l.fc, l.address, l.values])).to.deep.equal([
      [6, 110, [700]],
      [5, 0, [0]],
      [16, 100, floatWords(12)],
    ]);
    expect(lines.slice(1)).to.deep.equal(sim.writes());
  });
});
