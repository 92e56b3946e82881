/**
 * Issue 3: fuzzing the Modbus front. 100,000+ random and mutated frames
 * (time-bounded) against the parsers, then a live run of random and mutated
 * frames over real sockets: the gateway never crashes and the PLC never
 * sees a write that has no intent receipt (from an unidentified source:
 * no write at all).
 */
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { FrameReader } from '../../src/devices/modbus/mbap.js';
import { ModbusTagMap } from '../../src/gateway/modbus/mapping.js';
import { classify } from '../../src/gateway/modbus/pdu.js';
import type { ModbusDevice } from '../../src/policy/types.js';
import { loadProfile } from '../../src/policy/index.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { adu, u16 } from '../simulators/modbus-helpers.js';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFrame(rand: () => number, tid: number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const templates: (() => number[])[] = [
    () => [1 + int(4), ...u16(int(300), 1 + int(130))],
    () => [5, ...u16(int(8), rand() < 0.8 ? (rand() < 0.5 ? 0xff00 : 0) : int(65536))],
    () => [6, ...u16(90 + int(40), int(65536))],
    () => {
      const n = 1 + int(8);
      return [15, ...u16(int(8), n), Math.ceil(n / 8), ...Array.from({ length: Math.ceil(n / 8) }, () => int(256))];
    },
    () => {
      const n = 1 + int(6);
      return [16, ...u16(95 + int(20), n), n * 2, ...Array.from({ length: n * 2 }, () => int(256))];
    },
    () => [22, ...u16(105 + int(10), int(65536), int(65536))],
    () => {
      const n = 1 + int(4);
      return [23, ...u16(100, 2, 98 + int(6), n), n * 2, ...Array.from({ length: n * 2 }, () => int(256))];
    },
    () => [int(256), ...Array.from({ length: int(12) }, () => int(256))],
  ];
  let pdu = templates[int(templates.length)]!();
  // mutations: flip bytes, truncate, extend
  if (rand() < 0.4) for (let i = 0, k = 1 + int(3); i < k; i++) pdu[int(pdu.length)] = int(256);
  if (rand() < 0.15) pdu = pdu.slice(0, Math.max(1, int(pdu.length)));
  if (rand() < 0.1) pdu = [...pdu, ...Array.from({ length: 1 + int(6) }, () => int(256))];
  const unit = rand() < 0.9 ? 1 : int(256);
  return adu(tid & 0xffff, unit, pdu.slice(0, 253));
}

describe('modbus front: fuzzing', function () {
  this.timeout(120_000);

  it('when 150,000 random and mutated inputs hit the parsers and the tag map nothing throws', () => {
    const rand = prng(0x7a06a7e);
    const profile = loadProfile(DEMO_PROFILE);
    const map = new ModbusTagMap(profile, profile.devices.get('skid') as ModbusDevice);
    const started = Date.now();
    let reader = new FrameReader();
    let n = 0;
    let writes = 0;
    while (n < 150_000 && Date.now() - started < 20_000) {
      const input = rand() < 0.7 ? randomFrame(rand, n) : Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
      const { frames, error } = reader.push(input);
      if (error) reader = new FrameReader(); // a real connection is closed here
      for (const f of frames) {
        const c = classify(f.pdu);
        if (c.kind !== 'write') continue;
        writes += 1;
        const mapped = map.map(c.write);
        // a write that maps must name only writable profile tags, each covered whole
        if (mapped.ok) for (const w of mapped.writes) expect(['skid.flow_sp', 'skid.pressure_max', 'skid.pump_run']).to.include(w.tag.name);
      }
      n++;
    }
    expect(n).to.be.greaterThan(50_000);
    expect(writes).to.be.greaterThan(1000);
  });

  describe('over real sockets', () => {
    let cell: Cell;
    before(async () => {
      cell = await startCell({ modbus: true });
    });
    after(async () => {
      await cell.close();
    });

    async function blast(localAddress: string, seed: number, frames: number, budgetMs: number): Promise<number> {
      const rand = prng(seed);
      const started = Date.now();
      let sent = 0;
      let socket: Socket | undefined;
      let answered = 0;
      const open = async () => {
        socket = connect({ host: '127.0.0.1', port: cell.modbusPort, localAddress });
        socket.setNoDelay(true);
        socket.on('error', () => {});
        socket.on('data', () => (answered += 1));
        await once(socket, 'connect');
      };
      await open();
      while (sent < frames && Date.now() - started < budgetMs) {
        const chunk: Buffer[] = [];
        for (let i = 0; i < 200; i++) chunk.push(rand() < 0.01 ? Buffer.from([0, 1, 0, 9, 0, 3, 1, 3, 0]) : randomFrame(rand, sent + i));
        // a sentinel read at the end: when it is answered, the chunk has been processed
        const sentinelTid = 0xbeef;
        chunk.push(adu(sentinelTid, 1, [3, ...u16(100, 2)]));
        socket!.write(Buffer.concat(chunk));
        sent += 200;
        const done = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 3000);
          const onData = (d: Buffer) => {
            if (d.includes(Buffer.from([0xbe, 0xef, 0, 0]))) {
              clearTimeout(t);
              socket!.off('data', onData);
              resolve(true);
            }
          };
          socket!.on('data', onData);
          socket!.once('close', () => {
            clearTimeout(t);
            resolve(false);
          });
        });
        if (!done || socket!.destroyed) {
          socket!.destroy();
          await open();
        }
      }
      socket!.destroy();
      return sent;
    }

    it('when 100,000 random frames come from an unidentified source the gateway survives and the PLC sees no write', async () => {
      const sent = await blast('127.0.0.3', 1234, 100_000, 45_000);
      expect(sent).to.be.greaterThan(20_000);
      expect(cell.plc!.writes()).to.have.length(0);
      // still serving
      const probe = connect({ host: '127.0.0.1', port: cell.modbusPort });
      await once(probe, 'connect');
      probe.write(adu(1, 1, [3, ...u16(100, 2)]));
      const [answer] = (await once(probe, 'data')) as [Buffer];
      expect(answer.readUInt16BE(0)).to.equal(1);
      expect(answer[7]).to.equal(3);
      probe.destroy();
    });

    it('when random frames come from hmi-1, every write the PLC applied has an intent receipt', async () => {
      await blast('127.0.0.1', 99, 4_000, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      const intents: { target: string; value: string }[] = [];
      for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'intent') intents.push(r.body as { target: string; value: string });
      const applied = cell.plc!.writes();
      expect(applied.length).to.be.at.most(intents.length);
      for (const w of applied) {
        const target = w.table === 'coil' ? 'skid.pump_run' : w.address === 110 ? 'skid.pressure_max' : 'skid.flow_sp';
        expect(intents.some((i) => i.target === target), `${w.table} ${w.address} has an intent`).to.equal(true);
        expect([0, 100, 101, 110]).to.include(w.address);
      }
    });
  });
});
