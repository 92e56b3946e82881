/**
 * The simulator's RTU sides, driven with raw RTU frames: RTU framing on a
 * TCP port and RTU on a serial device (a socat pseudo-terminal pair), unit
 * filtering as on an RS-485 line (another unit: silence; unit 0: applied,
 * unanswered), and `taogate sim modbus --serial` on a missing device.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { expect } from 'chai';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { encodeRtu } from '../../src/devices/modbus/rtu-frame.js';
import { runCli } from '../helpers/cli.js';
import { u16 } from './modbus-helpers.js';

/**
 * Sends one frame on a byte stream and collects the answer: until `want`
 * bytes arrived (generous deadline), or, with want 0, what arrives within
 * a silence window (the simulator never answers those frames at all).
 */
async function exchange(write: (b: Buffer) => void, onData: (f: (c: Buffer) => void) => () => void, frame: Buffer, want: number): Promise<Buffer> {
  let got = Buffer.alloc(0);
  let wake = () => {};
  const off = onData((c) => {
    got = Buffer.concat([got, c]);
    wake();
  });
  write(frame);
  const deadline = Date.now() + (want > 0 ? 10_000 : 500);
  while ((want === 0 || got.length < want) && Date.now() < deadline) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 50);
    });
  }
  off();
  return got;
}

describe('modbus simulator: RTU on a TCP port and on a serial device', function () {
  let sim: ModbusSim;
  let socat: ChildProcess | undefined;

  afterEach(async () => {
    await sim?.close();
    socat?.kill();
    socat = undefined;
  });

  it('when RTU frames arrive on its RTU port it answers its unit, stays silent for another, and applies a broadcast without answering', async () => {
    sim = await startModbusSim({ plant: 'dosing', mbap: false, rtuPort: 0, unitId: 2, model: false });
    expect(sim.address).to.equal('');
    const s: Socket = connect({ host: '127.0.0.1', port: sim.rtuPort! });
    await new Promise((r) => s.once('connect', r));
    const on = (f: (c: Buffer) => void) => {
      s.on('data', f);
      return () => s.off('data', f);
    };
    try {
      const read = await exchange((b) => s.write(b), on, encodeRtu(2, Buffer.from([3, ...u16(200, 1)])), 7);
      expect(read.toString('hex')).to.equal(encodeRtu(2, Buffer.from([3, 2, ...u16(100)])).toString('hex'));
      expect((await exchange((b) => s.write(b), on, encodeRtu(3, Buffer.from([6, ...u16(200, 7)])), 0)).length).to.equal(0);
      expect(sim.holding(200, 1)).to.deep.equal([100]);
      expect((await exchange((b) => s.write(b), on, encodeRtu(0, Buffer.from([6, ...u16(200, 9)])), 0)).length).to.equal(0);
      expect(sim.holding(200, 1)).to.deep.equal([9]);
    } finally {
      s.destroy();
    }
  });

  it('when it serves one end of a socat pty pair, an RTU write on the other end is applied and echoed', async () => {
    socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const [a, b] = await new Promise<string[]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no pty pair: ${err}`)), 10_000);
      socat!.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const f = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
        if (f.length >= 2) {
          clearTimeout(t);
          resolve(f);
        }
      });
    });
    sim = await startModbusSim({ mbap: false, serialPath: a!, unitId: 4, model: false });
    // the gateway's side of the line, opened as the gateway does (serialport), speaking raw RTU
    const port = new SerialPort({ path: b!, baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const on = (f: (c: Buffer) => void) => {
      port.on('data', f);
      return () => port.off('data', f);
    };
    try {
      const frame = encodeRtu(4, Buffer.from([6, ...u16(110, 777)]));
      const answer = await exchange((x) => void port.write(x), on, frame, frame.length);
      expect(answer.toString('hex')).to.equal(frame.toString('hex'));
      expect(sim.holding(110, 1)).to.deep.equal([777]);
      expect(sim.writes().at(-1)).to.include({ fc: 6, address: 110, source: `serial:${a}` });
    } finally {
      await new Promise<void>((r) => port.close(() => r()));
    }
  });

  it('when `taogate sim modbus --serial` names a device that does not exist it exits 1 with one line naming it', async () => {
    const r = await runCli(['sim', 'modbus', '--no-tcp', '--serial', '/dev/taogate-no-such-tty']);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/cannot open serial port \/dev\/taogate-no-such-tty: No such file or directory/);
  });
});
