/**
 * MBAP framing and connection handling of the Modbus skid simulator.
 * Sections refer to the Modbus Messaging on TCP/IP Implementation Guide v1.0b.
 */
import { expect } from 'chai';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { RawClient, adu, closeClient, floatWords, modbusClient, sleep, u16 } from './modbus-helpers.js';

describe('modbus sim: MBAP framing and connections', () => {
  let sim: ModbusSim;
  const raws: RawClient[] = [];
  const open = async (s: ModbusSim = sim): Promise<RawClient> => {
    const r = await RawClient.open(s.port);
    raws.push(r);
    return r;
  };

  beforeEach(async () => {
    sim = await startModbusSim({ model: false });
  });

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await sim.close();
  });

  it('when a request arrives it echoes the transaction id and unit id with protocol id 0 (§3.1.3)', async () => {
    const raw = await open();
    const a = await raw.request(0xbeef, 1, [0x03, ...u16(110, 1)]);
    expect(a).to.deep.include({ transactionId: 0xbeef, protocolId: 0, unitId: 1 });
    expect([...a.pdu]).to.deep.equal([0x03, 2, ...u16(600)]);
  });

  it('when several frames are pipelined in one write it answers each, in order, with its own transaction id', async () => {
    const raw = await open();
    raw.send(Buffer.concat([
      adu(101, 1, [0x06, ...u16(300, 11)]),
      adu(102, 1, [0x03, ...u16(300, 1)]),
      adu(103, 1, [0x06, ...u16(300, 22)]),
      adu(104, 1, [0x03, ...u16(300, 1)]),
      adu(105, 1, [0x63]), // unsupported, still answered in its place
      adu(106, 1, [0x01, ...u16(0, 1)]),
    ]));
    const answers = await raw.receive(6);
    expect(answers.map((a) => a.transactionId)).to.deep.equal([101, 102, 103, 104, 105, 106]);
    expect([...answers[1]!.pdu]).to.deep.equal([0x03, 2, ...u16(11)]);
    expect([...answers[3]!.pdu]).to.deep.equal([0x03, 2, ...u16(22)]);
    expect([...answers[4]!.pdu]).to.deep.equal([0xe3, 0x01]);
    expect([...answers[5]!.pdu]).to.deep.equal([0x01, 1, 1]);
  });

  it('when a frame is split across 3 writes it answers once, after the last piece', async () => {
    const raw = await open();
    const frame = adu(7, 1, [0x10, ...u16(100, 2), 4, ...u16(...floatWords(55))]);
    raw.send(frame.subarray(0, 3)); // inside the MBAP header
    await sleep(20);
    raw.send(frame.subarray(3, 9)); // rest of the header + start of the PDU
    await sleep(20);
    expect(raw.pendingAnswers()).to.equal(0);
    raw.send(frame.subarray(9));
    const [a] = await raw.receive(1);
    expect(a!.transactionId).to.equal(7);
    expect([...a!.pdu]).to.deep.equal([0x10, ...u16(100, 2)]);
    expect(sim.readFloat32(100)).to.equal(55);
  });

  it('when a frame ends and the next begins in the same chunk it keeps the partial one', async () => {
    const raw = await open();
    const a1 = adu(1, 1, [0x03, ...u16(110, 1)]);
    const a2 = adu(2, 1, [0x03, ...u16(100, 2)]);
    raw.send(Buffer.concat([a1, a2.subarray(0, 5)]));
    await sleep(20);
    raw.send(a2.subarray(5));
    const answers = await raw.receive(2);
    expect(answers.map((a) => a.transactionId)).to.deep.equal([1, 2]);
  });

  it('when 8 clients work at once every client gets its own answers', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => modbusClient(sim.port)));
    try {
      await Promise.all(clients.map(async (c, i) => {
        for (let k = 0; k < 25; k++) {
          const value = i * 1000 + k;
          await c.writeRegister(400 + i, value);
          const r = await c.readHoldingRegisters(400 + i, 1);
          expect(r.data).to.deep.equal([value]);
        }
      }));
      expect(sim.holding(400, 8)).to.deep.equal(Array.from({ length: 8 }, (_, i) => i * 1000 + 24));
      expect(sim.stats().connections).to.be.at.least(8);
      expect(sim.writes()).to.have.length(8 * 25);
    } finally {
      await Promise.all(clients.map(closeClient));
    }
  });

  it('when the protocol id is not 0 it closes the connection and answers nothing (§3.1.3)', async () => {
    const raw = await open();
    raw.send(adu(9, 1, [0x06, ...u16(300, 1)], 1));
    expect(await raw.closedWithin(1000)).to.equal(true);
    expect(raw.pendingAnswers()).to.equal(0);
    expect(sim.holding(300, 1)).to.deep.equal([0]);
    expect(sim.stats().framingErrors).to.equal(1);
  });

  it('when a good frame precedes a bad protocol id in one chunk the good one is still answered', async () => {
    const raw = await open();
    raw.send(Buffer.concat([adu(1, 1, [0x03, ...u16(110, 1)]), adu(2, 1, [0x03, ...u16(110, 1)], 0x1234)]));
    const [a] = await raw.receive(1);
    expect(a!.transactionId).to.equal(1);
    expect(await raw.closedWithin(1000)).to.equal(true);
  });

  it('when the length field is outside 2..254 it closes the connection (§3.1.3)', async () => {
    for (const length of [0, 1, 255, 0xffff]) {
      const raw = await open();
      const head = Buffer.from([0, 1, 0, 0, length >> 8, length & 0xff, 1, 0x03]);
      raw.send(head);
      expect(await raw.closedWithin(1000), `length ${length}`).to.equal(true);
    }
  });

  it('when one connection is closed for a bad frame the others keep working', async () => {
    const bad = await open();
    const good = await open();
    bad.send(adu(1, 1, [0x03, ...u16(0, 1)], 7));
    expect(await bad.closedWithin(1000)).to.equal(true);
    const a = await good.request(2, 1, [0x03, ...u16(110, 1)]);
    expect([...a.pdu]).to.deep.equal([0x03, 2, ...u16(600)]);
  });

  describe('unit id', () => {
    it('when another unit id is addressed it answers exception 0x0B and does not write (default)', async () => {
      const raw = await open();
      for (const unit of [0, 2, 247, 255]) {
        const a = await raw.request(20, unit, [0x06, ...u16(300, 5)]);
        expect(a.unitId).to.equal(unit);
        expect([...a.pdu]).to.deep.equal([0x86, 0x0b]);
      }
      expect(sim.holding(300, 1)).to.deep.equal([0]);
      expect(sim.writes()).to.deep.equal([]);
    });

    it("when answerOtherUnits is 'ignore' another unit gets no answer but the next request does", async () => {
      const quiet = await startModbusSim({ model: false, answerOtherUnits: 'ignore' });
      try {
        const raw = await open(quiet);
        raw.send(Buffer.concat([adu(1, 2, [0x03, ...u16(110, 1)]), adu(2, 0, [0x03, ...u16(110, 1)]), adu(3, 1, [0x03, ...u16(110, 1)])]));
        const [a] = await raw.receive(1);
        expect(a!.transactionId).to.equal(3);
        await sleep(50);
        expect(raw.pendingAnswers()).to.equal(0);
        expect(quiet.stats().ignored).to.equal(2);
      } finally {
        await quiet.close();
      }
    });

    it('when answerUnit255 is set, unit 255 is served as this device; a configured unitId is honoured', async () => {
      const s = await startModbusSim({ model: false, unitId: 17, answerUnit255: true });
      try {
        const raw = await open(s);
        const a = await raw.request(1, 255, [0x03, ...u16(110, 1)]);
        expect([...a.pdu]).to.deep.equal([0x03, 2, ...u16(600)]);
        const b = await raw.request(2, 17, [0x03, ...u16(110, 1)]);
        expect([...b.pdu]).to.deep.equal([0x03, 2, ...u16(600)]);
        const c = await raw.request(3, 1, [0x03, ...u16(110, 1)]);
        expect([...c.pdu]).to.deep.equal([0x83, 0x0b]);
      } finally {
        await s.close();
      }
    });
  });

  it('when closed it drops every client socket and stops listening', async () => {
    const raw = await open();
    const client = await modbusClient(sim.port);
    await sim.close();
    expect(await raw.closedWithin(1000)).to.equal(true);
    await closeClient(client);
    const err = await RawClient.open(sim.port).then((r) => { r.close(); return undefined; }, (e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    await sim.close(); // idempotent
  });

  it('when a bad option is given it throws a coded error', async () => {
    const err = await startModbusSim({ unitId: 0 }).then(() => undefined, (e: unknown) => e);
    expect(err).to.have.property('code', 'bad_option');
  });
});
