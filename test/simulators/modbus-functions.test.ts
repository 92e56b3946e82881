/**
 * Function codes of the Modbus skid simulator, driven by modbus-serial
 * (FC 1-6, 15, 16) and by raw MBAP frames (FC 22, 23, exceptions).
 * Sections refer to Modbus Application Protocol v1.1b3.
 */
import { expect } from 'chai';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { RawClient, closeClient, floatWords, modbusClient, u16, wordsFloat, type ModbusClient } from './modbus-helpers.js';

describe('modbus sim: function codes', () => {
  let sim: ModbusSim;
  let client: ModbusClient;
  let raw: RawClient;

  beforeEach(async () => {
    sim = await startModbusSim({ model: false });
    client = await modbusClient(sim.port);
    raw = await RawClient.open(sim.port);
  });

  afterEach(async () => {
    raw.close();
    await closeClient(client);
    await sim.close();
  });

  it('when FC 3 reads holding 100-101 and 110 it returns flow_sp 30.0 (ABCD) and pressure_max 600 (§6.3)', async () => {
    const sp = await client.readHoldingRegisters(100, 2);
    expect(wordsFloat(sp.data[0]!, sp.data[1]!)).to.equal(30);
    expect(sp.data).to.deep.equal(floatWords(30));
    const max = await client.readHoldingRegisters(110, 1);
    expect(max.data).to.deep.equal([600]);
  });

  it('when FC 1 reads coils it returns pump_run true and the rest false (§6.1)', async () => {
    const r = await client.readCoils(0, 10);
    expect(r.data.slice(0, 10)).to.deep.equal([true, false, false, false, false, false, false, false, false, false]);
  });

  it('when FC 2 and FC 4 read the inputs they return the settled skid (§6.2, §6.4)', async () => {
    const di = await client.readDiscreteInputs(0, 2);
    expect(di.data.slice(0, 2)).to.deep.equal([true, false]); // pump running, no high-pressure alarm
    const ir = await client.readInputRegisters(0, 5);
    expect(wordsFloat(ir.data[0]!, ir.data[1]!)).to.be.closeTo(30, 0.01); // flow_pv
    expect(wordsFloat(ir.data[2]!, ir.data[3]!)).to.be.closeTo(170, 0.01); // pressure_pv = 50 + 4 * 30
    expect(ir.data[4]).to.equal(0b101); // status: pump running, at setpoint
  });

  it('when FC 5 writes a coil it is stored and echoed (§6.5)', async () => {
    const r = await client.writeCoil(0, false);
    expect(r).to.include({ address: 0, state: false });
    expect(sim.coils(0, 1)).to.deep.equal([false]);
    await client.writeCoil(7, true);
    expect(sim.coils(7, 1)).to.deep.equal([true]);
  });

  it('when FC 6 writes a register it is stored and echoed (§6.6)', async () => {
    const r = await client.writeRegister(110, 450);
    expect(r).to.include({ address: 110, value: 450 });
    expect(sim.holding(110, 1)).to.deep.equal([450]);
  });

  it('when FC 15 writes 10 coils across a byte boundary they are stored LSB-first (§6.11)', async () => {
    const states = [true, false, true, true, false, false, false, true, true, false];
    const r = await client.writeCoils(20, states);
    expect(r).to.include({ address: 20, length: 10 });
    expect(sim.coils(20, 10)).to.deep.equal(states);
    const back = await client.readCoils(20, 10);
    expect(back.data.slice(0, 10)).to.deep.equal(states);
  });

  it('when FC 16 writes flow_sp as a float32 it reads back as the same float (§6.12)', async () => {
    const r = await client.writeRegisters(100, floatWords(42.5));
    expect(r).to.include({ address: 100, length: 2 });
    expect(sim.readFloat32(100)).to.equal(42.5);
  });

  it('when FC 22 masks a register it stores (cur AND and) OR (or AND NOT and) and echoes (§6.16)', async () => {
    sim.setHolding(5, [0x0012]);
    // The spec's own example: current 0x12, AND 0xF2, OR 0x25 -> 0x17.
    const a = await raw.request(1, 1, [0x16, ...u16(5, 0x00f2, 0x0025)]);
    expect([...a.pdu]).to.deep.equal([0x16, ...u16(5, 0x00f2, 0x0025)]);
    expect(sim.holding(5, 1)).to.deep.equal([0x0017]);
  });

  it('when FC 23 writes and reads the same registers the read sees the write (§6.17)', async () => {
    sim.setHolding(200, [1, 2, 3, 4]);
    const a = await raw.request(2, 1, [0x17, ...u16(200, 4, 201, 2), 4, ...u16(0xaaaa, 0xbbbb)]);
    expect([...a.pdu]).to.deep.equal([0x17, 8, ...u16(1, 0xaaaa, 0xbbbb, 4)]);
    expect(sim.holding(200, 4)).to.deep.equal([1, 0xaaaa, 0xbbbb, 4]);
  });

  describe('exceptions (§7)', () => {
    it('when the function code is unsupported it answers exception 1 (§7 code 01)', async () => {
      for (const fc of [0x07, 0x08, 0x11, 0x2b, 0x41]) {
        const a = await raw.request(10, 1, [fc, 0, 0, 0, 1]);
        expect([...a.pdu]).to.deep.equal([fc | 0x80, 0x01]);
      }
    });

    it('when modbus-serial reads past the tables it gets exception 2 (§6.3 state diagram)', async () => {
      const err = await client.readHoldingRegisters(999, 2).then(() => undefined, (e: unknown) => e);
      expect(err).to.have.property('modbusCode', 2);
    });

    it('when any function addresses outside the tables it answers exception 2 and writes nothing', async () => {
      const before = sim.holding(990, 10);
      const cases: number[][] = [
        [0x01, ...u16(1000, 1)],
        [0x02, ...u16(999, 2)],
        [0x03, ...u16(1000, 1)],
        [0x04, ...u16(990, 11)],
        [0x05, ...u16(1000, 0xff00)],
        [0x06, ...u16(1000, 7)],
        [0x0f, ...u16(999, 2), 1, 0x03],
        [0x10, ...u16(999, 2), 4, ...u16(1, 2)],
        [0x16, ...u16(1000, 0, 0xffff)],
        [0x17, ...u16(0, 1, 999, 2), 4, ...u16(1, 2)], // write range out
        [0x17, ...u16(999, 2, 0, 1), 2, ...u16(1)], // read range out: the write must not happen
      ];
      for (const pdu of cases) {
        const a = await raw.request(11, 1, pdu);
        expect([...a.pdu], `fc ${pdu[0]}`).to.deep.equal([pdu[0]! | 0x80, 0x02]);
      }
      expect(sim.holding(990, 10)).to.deep.equal(before);
      expect(sim.holding(0, 1)).to.deep.equal([0]);
      expect(sim.writes()).to.deep.equal([]);
    });

    it('when a quantity is outside the spec limits it answers exception 3 (§6.1-§6.4, §6.11, §6.12, §6.17)', async () => {
      const cases: number[][] = [
        [0x01, ...u16(0, 0)],
        [0x01, ...u16(0, 2001)],
        [0x02, ...u16(0, 2001)],
        [0x03, ...u16(0, 0)],
        [0x03, ...u16(0, 126)],
        [0x04, ...u16(0, 126)],
        [0x0f, ...u16(0, 1969), 247, ...new Array<number>(247).fill(0)],
        [0x0f, ...u16(0, 0), 0],
        [0x10, ...u16(0, 124), 246, ...new Array<number>(246).fill(0)], // 124 registers do not fit an ADU: the quantity decides
        [0x10, ...u16(0, 0), 0],
        [0x17, ...u16(0, 126, 0, 1), 2, 0, 1],
        [0x17, ...u16(0, 1, 0, 122), 242, ...new Array<number>(242).fill(0)],
        [0x17, ...u16(0, 0, 0, 1), 2, 0, 1],
      ];
      for (const pdu of cases) {
        const a = await raw.request(12, 1, pdu);
        expect([...a.pdu], `fc ${pdu[0]} qty ${pdu.slice(3, 5).join(',')}`).to.deep.equal([pdu[0]! | 0x80, 0x03]);
      }
      expect(sim.writes()).to.deep.equal([]);
    });

    it('when the limits are exactly at the maximum they are served (FC1 2000, FC3 125, FC15 1968, FC16 123, FC23 125/121)', async () => {
      const big = await startModbusSim({ model: false, tableSize: 4000 });
      const bigRaw = await RawClient.open(big.port);
      const ok: number[][] = [
        [0x01, ...u16(0, 2000)],
        [0x03, ...u16(0, 125)],
        [0x0f, ...u16(0, 1968), 246, ...new Array<number>(246).fill(0)],
        [0x10, ...u16(0, 123), 246, ...new Array<number>(246).fill(0)],
        [0x17, ...u16(0, 125, 300, 121), 242, ...new Array<number>(242).fill(0)],
      ];
      for (const pdu of ok) {
        const a = await bigRaw.request(13, 1, pdu);
        expect(a.pdu[0], `fc ${pdu[0]}`).to.equal(pdu[0]);
      }
      bigRaw.close();
      await big.close();
    });

    it('when a byte count does not match the quantity it answers exception 3 and writes nothing (§6.11, §6.12, §6.17)', async () => {
      const cases: number[][] = [
        [0x0f, ...u16(0, 9), 1, 0xff], // 9 coils need 2 bytes
        [0x10, ...u16(0, 2), 3, 0, 1, 2], // 2 registers need 4 bytes
        [0x10, ...u16(0, 2), 4, 0, 1], // byte count says 4, only 2 follow
        [0x17, ...u16(0, 1, 0, 2), 2, 0, 1],
      ];
      for (const pdu of cases) {
        const a = await raw.request(14, 1, pdu);
        expect([...a.pdu]).to.deep.equal([pdu[0]! | 0x80, 0x03]);
      }
      expect(sim.holding(0, 2)).to.deep.equal([0, 0]);
      expect(sim.writes()).to.deep.equal([]);
    });

    it('when FC 5 carries a value other than 0xFF00 or 0x0000 it answers exception 3 and leaves the coil (§6.5)', async () => {
      for (const value of [0x0001, 0xffff, 0x00ff]) {
        const a = await raw.request(15, 1, [0x05, ...u16(0, value)]);
        expect([...a.pdu]).to.deep.equal([0x85, 0x03]);
      }
      expect(sim.coils(0, 1)).to.deep.equal([true]);
      expect(sim.writes()).to.deep.equal([]);
    });

    it('when a fixed-size request is too short it answers exception 3', async () => {
      const a = await raw.request(16, 1, [0x03, 0, 100]);
      expect([...a.pdu]).to.deep.equal([0x83, 0x03]);
    });
  });
});
