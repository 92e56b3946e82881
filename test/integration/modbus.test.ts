/**
 * Issue 3 acceptance: the Modbus TCP front in front of the skid PLC
 * simulator, driven by modbus-serial (a client this project did not write)
 * and by raw MBAP frames. Sources: 127.0.0.1 = hmi-1 (operator),
 * 127.0.0.2 = optimizer-1 (optimizer), 127.0.0.3 = nobody.
 */
import { expect } from 'chai';
import type { Envelope } from '../../src/tao/envelope.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { approve, pendingRequests, present, requestTao } from '../helpers/requests.js';
import { adu, closeClient, modbusClient, RawClient, u16, type ModbusClient, f32 } from '../simulators/modbus-helpers.js';


async function expectException(p: Promise<unknown>, code: number): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect((err as { modbusCode?: number }).modbusCode, (err as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected Modbus exception ${code}`);
}

async function intents(cell: Cell) {
  const out = [];
  for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'intent') out.push(r);
  return out;
}

describe('modbus front: gated writes through the gateway', function () {
  let cell: Cell;
  const clients: ModbusClient[] = [];
  const connect = async (localAddress = '127.0.0.1') => {
    const c = await modbusClient(cell.modbusPort, 1, localAddress);
    c.setTimeout(3000);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    cell = await startCell({ modbus: true });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await closeClient(c);
    await cell.close();
  });

  it('when hmi-1 writes skid.flow_sp = 42.5 it lands on the PLC; 500, a step over 30 and holding 200 are refused and never reach it', async () => {
    const hmi = await connect();
    await hmi.writeRegisters(100, f32(42.5));
    expect(cell.plc!.readFloat32(100)).to.equal(42.5);

    await expectException(hmi.writeRegisters(100, f32(500)), 0x03); // out of range: illegal data value
    await expectException(hmi.writeRegisters(100, f32(80)), 0x03); // 42.5 -> 80 is a step of 37.5
    await expectException(hmi.writeRegister(200, 7), 0x02); // no tag: illegal data address
    await expectException(hmi.writeRegisters(101, [1]), 0x02); // half of the float32

    expect(cell.plc!.readFloat32(100)).to.equal(42.5);
    expect(cell.plc!.holding(200, 1)).to.deep.equal([0]);
    const log = cell.plc!.writes();
    expect(log).to.have.length(1);
    expect(log[0]).to.include({ address: 100, fc: 16 });
    expect(log[0]!.values).to.deep.equal(f32(42.5));

    const committed = [];
    await new Promise((r) => setTimeout(r, 100));
    for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'committed') committed.push(r);
    expect(committed).to.have.length(1);
    expect(committed[0]!.body).to.include({ target: 'skid.flow_sp', readback: '42.5' });
  });

  it('when a coil write is gated: skid.pump_run off by hmi-1 goes through, a coil that is no tag is refused', async () => {
    const hmi = await connect();
    await hmi.writeCoil(0, false);
    expect(cell.plc!.coils(0, 1)).to.deep.equal([false]);
    await expectException(hmi.writeCoil(5, true), 0x02);
    expect(cell.plc!.coils(5, 1)).to.deep.equal([false]);
  });

  it('when a write comes from 127.0.0.3 it is refused; reads work from any source', async () => {
    const stranger = await connect('127.0.0.3');
    await expectException(stranger.writeRegisters(100, f32(35)), 0x01);
    await expectException(stranger.writeRegister(110, 500), 0x01);
    await expectException(stranger.writeCoil(0, false), 0x01);
    expect((await stranger.readHoldingRegisters(100, 2)).data).to.deep.equal(f32(30));
    expect((await stranger.readInputRegisters(0, 4)).data).to.have.length(4);
    expect(cell.plc!.writes()).to.have.length(0);
  });

  it('when skid.pressure_max = 500 needs a supervisor it is refused until bob approves, then goes through exactly once', async () => {
    const hmi = await connect();
    await expectException(hmi.writeRegister(110, 500), 0x06); // waiting for approval: busy, retry later
    const [request] = (await pendingRequests(cell)).filter((r) => r.target === 'skid.pressure_max');
    expect(request).to.include({ actor: 'hmi-1', value: '500', need: 1 });
    await expectException(hmi.writeRegister(110, 500), 0x06);
    expect(cell.plc!.holding(110, 1)).to.deep.equal([600]);

    expect(await approve(cell, request!.id, 'bob')).to.include({ ok: true });
    await hmi.writeRegister(110, 500);
    expect(cell.plc!.holding(110, 1)).to.deep.equal([500]);

    await expectException(hmi.writeRegister(110, 500), 0x06); // a second identical write needs a new TAO
    expect(cell.plc!.writes().filter((w) => w.address === 110)).to.have.length(1);
  });

  it('when optimizer-1 presents a pre-issued TAO its write consumes it, and presenting it again is refused consumed', async () => {
    const answer = await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '60');
    expect(answer.decision).to.equal('issue');
    expect((await present(cell, answer.tao)).ok).to.equal(true);
    await cell.stopGovernance(); // the staged TAO needs no governance round trip
    const opti = await connect('127.0.0.2');
    await opti.writeRegisters(100, f32(60));
    expect(cell.plc!.readFloat32(100)).to.equal(60);
    expect(await present(cell, answer.tao)).to.include({ ok: false, code: 'consumed' });
    const jti = JSON.parse(Buffer.from((answer.tao as Envelope).payload, 'base64').toString()).jti as string;
    expect((await intents(cell)).map((r) => (r.body as { jti?: string }).jti)).to.include(jti);
  });

  it('when 8 clients pipeline mixed reads and writes each gets correct answers with its own transaction ids', async () => {
    const raws = await Promise.all(Array.from({ length: 8 }, () => RawClient.open(cell.modbusPort, '127.0.0.1')));
    try {
      await Promise.all(
        raws.map(async (raw, c) => {
          const frames: Buffer[] = [];
          const tids: number[] = [];
          for (let i = 0; i < 12; i++) {
            const tid = c * 1000 + i;
            tids.push(tid);
            if (i % 3 === 2) frames.push(adu(tid, 1, [16, ...u16(100, 2), 4, ...u16(...f32(30 + c + i / 4))]));
            else frames.push(adu(tid, 1, [3, ...u16(100, 2)]));
          }
          raw.send(Buffer.concat(frames)); // all pipelined in one TCP write
          const answers = await raw.receive(12, 10_000);
          expect(answers.map((a) => a.transactionId)).to.deep.equal(tids);
          answers.forEach((a, i) => {
            if (i % 3 === 2) expect([...a.pdu]).to.deep.equal([16, ...u16(100, 2)]);
            else expect(a.pdu[0]).to.equal(3);
          });
        }),
      );
    } finally {
      for (const r of raws) r.close();
    }
    expect(cell.plc!.writes()).to.have.length(8 * 4);
    expect(await intents(cell)).to.have.length(8 * 4);
  });

  it('when a frame is split across writes, and FC 22 / FC 23 write parts are gated', async () => {
    const raw = await RawClient.open(cell.modbusPort, '127.0.0.1');
    try {
      const frame = adu(7, 1, [3, ...u16(110, 1)]);
      raw.send(frame.subarray(0, 3));
      await new Promise((r) => setTimeout(r, 20));
      raw.send(frame.subarray(3, 9));
      await new Promise((r) => setTimeout(r, 20));
      raw.send(frame.subarray(9));
      const [read] = await raw.receive(1);
      expect(read!.transactionId).to.equal(7);
      expect([...read!.pdu]).to.deep.equal([3, 2, ...u16(600)]);
      // FC 22 on pressure_max (needs approval): refused, PLC untouched
      const mask = await raw.request(8, 1, [22, ...u16(110, 0x0000, 0x01f4)]);
      expect([...mask.pdu]).to.deep.equal([22 | 0x80, 0x06]);
      // FC 23 writing flow_sp (within policy) and reading it back in one transaction
      const rw = await raw.request(9, 1, [23, ...u16(100, 2, 100, 2), 4, ...u16(...f32(45))]);
      expect(rw.pdu[0]).to.equal(23);
      expect([...rw.pdu.subarray(2)]).to.deep.equal(u16(...f32(45)));
      // FC 23 writing an unbound register: refused whole
      const bad = await raw.request(10, 1, [23, ...u16(100, 2, 300, 1), 2, ...u16(1)]);
      expect([...bad.pdu]).to.deep.equal([23 | 0x80, 0x02]);
      // FC 8 (diagnostics) never passes
      const diag = await raw.request(11, 1, [8, ...u16(1, 0)]);
      expect([...diag.pdu]).to.deep.equal([8 | 0x80, 0x01]);
    } finally {
      raw.close();
    }
    expect(cell.plc!.holding(110, 1)).to.deep.equal([600]);
    expect(cell.plc!.holding(300, 1)).to.deep.equal([0]);
    expect(cell.plc!.readFloat32(100)).to.equal(45);
  });

  it('when a client addresses the gateway with unit 0 or 255 (direct TCP addressing) it reaches the default device skid; a unit no device has gets 0x0B', async () => {
    const raw = await RawClient.open(cell.modbusPort, '127.0.0.1');
    try {
      const w0 = await raw.request(1, 0, [16, ...u16(100, 2), 4, ...u16(...f32(41))]);
      expect(w0.unitId).to.equal(0);
      expect([...w0.pdu]).to.deep.equal([16, ...u16(100, 2)]);
      const r255 = await raw.request(2, 255, [3, ...u16(100, 2)]);
      expect(r255.unitId).to.equal(255);
      expect([...r255.pdu]).to.deep.equal([3, 4, ...u16(...f32(41))]);
      const w7 = await raw.request(3, 7, [6, ...u16(110, 500)]);
      expect([...w7.pdu]).to.deep.equal([6 | 0x80, 0x0b]);
      const r7 = await raw.request(4, 7, [3, ...u16(100, 2)]);
      expect([...r7.pdu]).to.deep.equal([3 | 0x80, 0x0b]);
    } finally {
      raw.close();
    }
    expect(cell.plc!.readFloat32(100)).to.equal(41);
    expect(cell.plc!.writes()).to.have.length(1);
  });

  it('when a frame is malformed it gets an exception or a closed connection, never a forward', async () => {
    const raw = await RawClient.open(cell.modbusPort, '127.0.0.1');
    try {
      // byte count does not match quantity: exception 3
      const a = await raw.request(1, 1, [16, ...u16(100, 2), 3, 0, 0, 0]);
      expect([...a.pdu]).to.deep.equal([16 | 0x80, 0x03]);
      // too many registers (124 > 123; a full 124-register frame would not even fit an MBAP length): exception 3
      const b = await raw.request(2, 1, [16, ...u16(100, 124), 2, 0, 0]);
      expect([...b.pdu]).to.deep.equal([16 | 0x80, 0x03]);
      // truncated PDU: exception 3
      const c = await raw.request(3, 1, [6, 0, 110]);
      expect([...c.pdu]).to.deep.equal([6 | 0x80, 0x03]);
      // FC 5 with a value other than 0xFF00 / 0x0000: exception 3
      const d = await raw.request(4, 1, [5, ...u16(0, 0x1234)]);
      expect([...d.pdu]).to.deep.equal([5 | 0x80, 0x03]);
      // bad protocol id: connection closed
      raw.send(adu(5, 1, [6, ...u16(100, 1)], 7));
      expect(await raw.closedWithin(1000)).to.equal(true);
    } finally {
      raw.close();
    }
    const raw2 = await RawClient.open(cell.modbusPort, '127.0.0.1');
    try {
      // length field larger than 254: connection closed
      raw2.send(Buffer.from([0, 1, 0, 0, 0x01, 0x00, 1, 3]));
      expect(await raw2.closedWithin(1000)).to.equal(true);
    } finally {
      raw2.close();
    }
    expect(cell.plc!.writes()).to.have.length(0);
  });

  it('when governance is stopped every write is refused with the timeout exception and reads are served; when it returns writes work again', async () => {
    const hmi = await connect();
    await cell.stopGovernance();
    const started = performance.now();
    await expectException(hmi.writeRegisters(100, f32(35)), 0x0b);
    expect(performance.now() - started).to.be.lessThan(1500);
    expect((await hmi.readHoldingRegisters(100, 2)).data).to.deep.equal(f32(30));
    expect(cell.plc!.writes()).to.have.length(0);
    await cell.startGovernance();
    await hmi.writeRegisters(100, f32(35));
    expect(cell.plc!.readFloat32(100)).to.equal(35);
  });
});
