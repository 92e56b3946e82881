/**
 * Issue 10 §1, §5 and issue 11.5 / 11.6 / 11.12: several Modbus devices
 * behind the one Modbus TCP front, routed by unit id, over every transport:
 *   unit 1  skid    Modbus TCP        the cell's skid simulator (default device)
 *   unit 3  press   Modbus TCP        a second simulator, max_connections 2
 *   unit 2  dosing  RTU over TCP      the simulator's RTU-framing port (dosing plant)
 *   unit 5  drive   RTU, serial line  a real pseudo-terminal pair made by socat,
 *                                     the simulator on one end, the gateway on the other
 *   unit 7  ghost   RTU, serial line  a device path that does not exist
 *   unit 8  gone    Modbus TCP        a port nobody listens on
 * Clients: raw MBAP frames from 127.0.0.1 (hmi-1, operator) and 127.0.0.3 (nobody).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import type { Receipt } from '../../src/ledger/index.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { RawClient, u16 } from '../simulators/modbus-helpers.js';

/** Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and returns the two pty paths it prints. */
async function ptyPair(): Promise<{ a: string; b: string; proc: ChildProcess }> {
  const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const paths = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socat printed no pty pair within 10 s: ${err}`)), 10_000);
    proc.once('error', (e) => reject(e));
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const found = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (found.length >= 2) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { a: paths[0]!, b: paths[1]!, proc };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const PROFILE = (o: { press: number; dosing: number; serial: string; gone: number }) => `
version: 1
gateway:
  id: gw-devices-1
  site: test/devices
  modbus_idle_timeout_s: 2
  modbus_max_connections_per_source: 3
  modbus_exceptions: { refused: 4 }   # this site's HMI shows only 0x04 for "not allowed"
devices:
  skid:   { protocol: modbus, host: 127.0.0.1, port: 1, unit: 1, default: true }
  press:  { protocol: modbus, host: 127.0.0.1, port: ${o.press}, unit: 3, max_connections: 2, timeout_ms: 2000 }
  dosing: { protocol: modbus, transport: rtu_over_tcp, host: 127.0.0.1, port: ${o.dosing}, unit: 2, timeout_ms: 2000 }
  drive:
    protocol: modbus
    transport: rtu
    serial: { path: ${o.serial}, baud: 19200, parity: even, data_bits: 8, stop_bits: 1 }
    unit: 5
    timeout_ms: 2000
  ghost:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/taogate-no-such-port, baud: 9600, parity: none, data_bits: 8, stop_bits: 2 }
    unit: 7
  gone: { protocol: modbus, host: 127.0.0.1, port: ${o.gone}, unit: 8 }
tags:
  skid.flow_sp: { device: skid, type: float32, modbus: { table: holding, address: 100 }, min: 0, max: 120, write_roles: [operator] }
  press.speed_sp: { device: press, type: uint16, modbus: { table: holding, address: 110 }, min: 0, max: 900, readback: true, write_roles: [operator] }
  dosing.rate_sp: { device: dosing, type: uint16, modbus: { table: holding, address: 200 }, min: 0, max: 500, max_step: 100, readback: true, write_roles: [operator] }
  drive.speed_sp: { device: drive, type: uint16, modbus: { table: holding, address: 200 }, min: 0, max: 500, readback: true, write_roles: [operator] }
  ghost.speed_sp: { device: ghost, type: uint16, modbus: { table: holding, address: 10 }, write_roles: [operator] }
  gone.speed_sp: { device: gone, type: uint16, modbus: { table: holding, address: 10 }, write_roles: [operator] }
actors:
  hmi-1: { kind: human, role: operator, modbus: { sources: [127.0.0.1] } }
`;

describe('modbus front: several devices by unit id, over TCP, RTU over TCP and a serial line', function () {
  let dir: string;
  let pty: Awaited<ReturnType<typeof ptyPair>>;
  let press: ModbusSim;
  let dosing: ModbusSim;
  let drive: ModbusSim;
  let cell: Cell;
  const raws: RawClient[] = [];
  let tid = 1;
  const open = async (local = '127.0.0.1') => {
    const r = await RawClient.open(cell.modbusPort, local);
    raws.push(r);
    return r;
  };
  const receipts = async (kind: string): Promise<Receipt[]> => {
    const out: Receipt[] = [];
    for await (const r of cell.gateway.ledger.iterate()) if (r.kind === kind) out.push(r);
    return out;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-devices-'));
    pty = await ptyPair();
    press = await startModbusSim({ port: 0, unitId: 3, model: false });
    dosing = await startModbusSim({ plant: 'dosing', mbap: false, rtuPort: 0, unitId: 2 });
    drive = await startModbusSim({ plant: 'dosing', mbap: false, serialPath: pty.a, unitId: 5, model: false });
    const file = join(dir, 'devices.yaml');
    writeFileSync(file, PROFILE({ press: press.port, dosing: dosing.rtuPort!, serial: pty.b, gone: await closedPort() }));
    cell = await startCell({ modbus: true, profilePath: file });
  });
  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await new Promise((r) => setTimeout(r, 50)); // let the front see the closes (per-source cap)
  });
  after(async () => {
    await cell?.close();
    await Promise.all([press?.close(), dosing?.close(), drive?.close()]);
    pty?.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when hmi-1 writes by unit id, each write lands on its own device and nowhere else; unit 0 reaches the default device', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 3, [6, ...u16(110, 450)])).pdu]).to.deep.equal([6, ...u16(110, 450)]);
    expect(press.holding(110, 1)).to.deep.equal([450]);
    expect(cell.plc!.holding(110, 1)).to.deep.equal([600]); // the skid's own register 110 is untouched
    const r0 = await hmi.request(tid++, 0, [3, ...u16(110, 1)]);
    expect([r0.unitId, ...r0.pdu]).to.deep.equal([0, 3, 2, ...u16(600)]); // unit 0 read the skid
    const r3 = await hmi.request(tid++, 3, [3, ...u16(110, 1)]);
    expect([...r3.pdu]).to.deep.equal([3, 2, ...u16(450)]);
  });

  it('when a request names a unit id no device has, it gets 0x0B, the write is recorded denied unknown_unit, and no PLC sees it', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 9, [6, ...u16(110, 451)])).pdu]).to.deep.equal([6 | 0x80, 0x0b]);
    expect([...(await hmi.request(tid++, 9, [3, ...u16(110, 1)])).pdu]).to.deep.equal([3 | 0x80, 0x0b]);
    expect(press.holding(110, 1)).to.deep.equal([450]);
    expect(cell.plc!.writes().filter((w) => w.address === 110)).to.have.length(0);
    const denied = (await receipts('denied')).map((r) => r.body as { code?: string; target?: string });
    expect(denied.some((b) => b.code === 'unknown_unit' && b.target === 'unit 9 holding 110')).to.equal(true);
  });

  it('when writing dosing.rate_sp over RTU framing on TCP it is gated: 150 lands, a step over 100 gets 0x03 and never reaches the drive', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 2, [6, ...u16(200, 150)])).pdu]).to.deep.equal([6, ...u16(200, 150)]);
    expect(dosing.holding(200, 1)).to.deep.equal([150]);
    expect([...(await hmi.request(tid++, 2, [6, ...u16(200, 400)])).pdu]).to.deep.equal([6 | 0x80, 0x03]);
    expect(dosing.holding(200, 1)).to.deep.equal([150]);
    const pv = await hmi.request(tid++, 2, [4, ...u16(0, 1)]); // input register 0 passes through as a read
    expect(pv.pdu[0]).to.equal(4);
    expect(dosing.writes().map((w) => w.values)).to.deep.equal([[150]]);
  });

  it('when writing through a real serial line (socat pty pair) the RTU request reaches the drive and the outcome is committed with its read-back', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 5, [16, ...u16(200, 1), 2, ...u16(321)])).pdu]).to.deep.equal([16, ...u16(200, 1)]);
    expect(drive.holding(200, 1)).to.deep.equal([321]);
    expect([...(await hmi.request(tid++, 5, [3, ...u16(200, 1)])).pdu]).to.deep.equal([3, 2, ...u16(321)]);
    let committed: Receipt | undefined;
    for (let i = 0; i < 100 && !committed; i++) {
      committed = (await receipts('committed')).find((r) => (r.body as { target?: string }).target === 'drive.speed_sp');
      if (!committed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(committed?.body).to.include({ target: 'drive.speed_sp', value: '321', readback: '321' });
  });

  it('when three clients talk to the serial drive at once, the line carries one request at a time and every answer is right', async () => {
    const clients = [await open(), await open(), await open('127.0.0.3')];
    const answers = await Promise.all(
      clients.map(async (c, i) => {
        const got: number[] = [];
        for (let k = 0; k < 10; k++) got.push((await c.request(1000 * i + k, 5, [3, ...u16(200, 1)])).pdu.readUInt16BE(2));
        return got;
      }),
    );
    expect(answers.flat()).to.deep.equal(Array(30).fill(321));
  });

  it('when the profile overrides a class code (modbus_exceptions refused: 4), an unknown source gets 0x04 and the receipt keeps unknown_actor', async () => {
    const stranger = await open('127.0.0.3');
    expect([...(await stranger.request(tid++, 3, [6, ...u16(110, 5)])).pdu]).to.deep.equal([6 | 0x80, 0x04]);
    expect(press.holding(110, 1)).to.deep.equal([450]);
    const last = (await receipts('denied')).at(-1)!;
    expect(last.body).to.include({ code: 'unknown_actor', target: 'press.speed_sp' });
  });

  it('when a device\'s serial port does not exist the gateway still serves the others; its unit gets 0x0A and a denied plc_unavailable receipt', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 7, [6, ...u16(10, 1)])).pdu]).to.deep.equal([6 | 0x80, 0x0a]);
    expect([...(await hmi.request(tid++, 7, [3, ...u16(10, 1)])).pdu]).to.deep.equal([3 | 0x80, 0x0a]);
    const denied = (await receipts('denied')).map((r) => r.body as { code?: string; reason?: string });
    expect(denied.find((b) => b.code === 'plc_unavailable')?.reason).to.match(/taogate-no-such-port/);
    expect((await receipts('intent')).map((r) => (r.body as { target?: string }).target)).to.not.include('ghost.speed_sp');
    expect([...(await hmi.request(tid++, 3, [3, ...u16(110, 1)])).pdu]).to.deep.equal([3, 2, ...u16(450)]); // the others still answer
  });

  it('when a TCP PLC cannot be reached, a write to it gets 0x0A before any TAO is used, and a read gets 0x0A too', async () => {
    const hmi = await open();
    expect([...(await hmi.request(tid++, 8, [6, ...u16(10, 1)])).pdu]).to.deep.equal([6 | 0x80, 0x0a]);
    expect([...(await hmi.request(tid++, 8, [3, ...u16(10, 1)])).pdu]).to.deep.equal([3 | 0x80, 0x0a]);
    const denied = (await receipts('denied')).map((r) => r.body as { code?: string; target?: string; reason?: string });
    expect(denied.find((b) => b.code === 'plc_unavailable' && b.target === 'gone holding 10')?.reason).to.match(/cannot reach PLC 127\.0\.0\.1:/);
    expect((await receipts('intent')).map((r) => (r.body as { target?: string }).target)).to.not.include('gone.speed_sp');
  });

  it('when FC 22 masks press.speed_sp, the PLC gets FC 6 with the computed value and the intent names exactly that value', async () => {
    press.setHolding(110, [0x00f0]);
    const hmi = await open();
    const mask = await hmi.request(tid++, 3, [22, ...u16(110, 0xff0f, 0x0050)]);
    expect([...mask.pdu]).to.deep.equal([22, ...u16(110, 0xff0f, 0x0050)]); // the FC 22 echo
    const applied = press.writes().at(-1)!;
    expect(applied).to.include({ fc: 6, address: 110 });
    expect(applied.values).to.deep.equal([0x0050]);
    expect(press.holding(110, 1)).to.deep.equal([0x0050]);
    const intent = (await receipts('intent')).at(-1)!;
    expect(intent.body).to.include({ target: 'press.speed_sp', value: String(press.holding(110, 1)[0]) });
  });

  it('when 10 clients read one TCP device at once they share at most max_connections (2) PLC connections', async () => {
    const before = press.stats().connections;
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => RawClient.open(cell.modbusPort, i < 3 ? '127.0.0.1' : `127.0.0.${10 + i}`)));
    raws.push(...clients);
    await Promise.all(
      clients.map(async (c, i) => {
        for (let k = 0; k < 5; k++) {
          const a = await c.request(100 * i + k, 3, [3, ...u16(110, 1)]);
          expect(a.pdu[0]).to.equal(3);
        }
      }),
    );
    expect(press.stats().openConnections).to.be.at.most(2);
    expect(press.stats().connections - before).to.be.at.most(2);
  });

  it('when one source opens more connections than the cap the extra one is closed, and an idle connection is closed after the idle timeout', async () => {
    const conns = [await open('127.0.0.3'), await open('127.0.0.3'), await open('127.0.0.3')];
    const extra = await open('127.0.0.3');
    expect(await extra.closedWithin(5000)).to.equal(true);
    expect(conns.some((c) => c.closed)).to.equal(false);
    // no request for modbus_idle_timeout_s (2 s): closed by the gateway
    expect(await conns[0]!.closedWithin(10_000)).to.equal(true);
  });
});
