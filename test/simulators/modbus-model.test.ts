/**
 * The skid's process model: inputs follow the commands; commands never move
 * on their own.
 */
import { expect } from 'chai';
import { SKID, STATUS_BITS, startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { closeClient, floatWords, modbusClient, sleep, wordsFloat } from './modbus-helpers.js';

describe('modbus sim: skid process model', () => {
  let sim: ModbusSim;

  afterEach(async () => {
    await sim?.close();
  });

  it('when flow_sp is raised to 60, flow_pv moves toward it over ~1 s (lag ~3 s) and flow_sp stays 60', async () => {
    sim = await startModbusSim({ tickMs: 20 });
    const client = await modbusClient(sim.port);
    try {
      await client.writeRegisters(SKID.holding.flowSp, floatWords(60));
      await sleep(1000);
      const ir = await client.readInputRegisters(SKID.input.flowPv, 4);
      const flow = wordsFloat(ir.data[0]!, ir.data[1]!);
      const pressure = wordsFloat(ir.data[2]!, ir.data[3]!);
      // 30 + 30 * (1 - e^(-1/3)) = 38.5; allow for timer jitter.
      expect(flow).to.be.within(34, 46);
      expect(pressure).to.be.above(170); // pressure follows the flow up
      const sp = await client.readHoldingRegisters(SKID.holding.flowSp, 2);
      expect(sp.data).to.deep.equal(floatWords(60));
    } finally {
      await closeClient(client);
    }
  });

  it('when the pump is stopped, the feedback drops and flow and pressure decay toward 0', async () => {
    sim = await startModbusSim({ tickMs: 20 });
    const client = await modbusClient(sim.port);
    try {
      await client.writeCoil(SKID.coil.pumpRun, false);
      await sleep(600);
      const di = await client.readDiscreteInputs(SKID.discrete.pumpRunning, 1);
      expect(di.data[0]).to.equal(false);
      expect(sim.readInputFloat32(SKID.input.flowPv)).to.be.below(30 * Math.exp(-0.4 / 3));
      expect(sim.readInputFloat32(SKID.input.pressurePv)).to.be.below(170 * Math.exp(-0.4));
      expect(sim.inputRegisters(SKID.input.status, 1)[0]! & STATUS_BITS.pumpRunning).to.equal(0);
      expect(sim.coils(SKID.coil.pumpRun, 1)).to.deep.equal([false]);
    } finally {
      await closeClient(client);
    }
  });

  it('when pressure_max is lowered under the pressure, pressure is held below it and the alarm comes on', async () => {
    sim = await startModbusSim({ tickMs: 20 });
    const client = await modbusClient(sim.port);
    try {
      await client.writeRegister(SKID.holding.pressureMax, 150); // 170 kPa at 30 m3/h
      await sleep(200);
      expect(sim.readInputFloat32(SKID.input.pressurePv)).to.be.below(150);
      expect(sim.discreteInputs(SKID.discrete.highPressure, 1)).to.deep.equal([true]);
      const status = sim.inputRegisters(SKID.input.status, 1)[0]!;
      expect(status & STATUS_BITS.reliefActive).to.not.equal(0);
      expect(status & STATUS_BITS.highPressure).to.not.equal(0);
      expect(sim.holding(SKID.holding.pressureMax, 1)).to.deep.equal([150]);
    } finally {
      await closeClient(client);
    }
  });

  it('when the model ticks for a while, holding registers and coils keep exactly what was written', async () => {
    sim = await startModbusSim({ tickMs: 5 });
    const client = await modbusClient(sim.port);
    try {
      await client.writeRegisters(100, [0x7fc0, 0x0000]); // NaN as flow_sp: the model copes, the register stays
      await client.writeRegister(110, 0);
      await client.writeCoils(0, [false, true, true]);
      const holding = sim.holding(0, 1000);
      const coils = sim.coils(0, 1000);
      await sleep(300);
      expect(sim.holding(0, 1000)).to.deep.equal(holding);
      expect(sim.coils(0, 1000)).to.deep.equal(coils);
      expect(sim.writes()).to.have.length(3);
      expect(sim.inputRegisters(SKID.input.status, 1)[0]! & STATUS_BITS.setpointClamped).to.not.equal(0);
    } finally {
      await closeClient(client);
    }
  });

  it('when model is false the skid starts settled and the inputs do not move', async () => {
    sim = await startModbusSim({ model: false });
    sim.setHolding(SKID.holding.flowSp, floatWords(90));
    const before = sim.inputRegisters(0, 5);
    await sleep(250);
    expect(sim.inputRegisters(0, 5)).to.deep.equal(before);
    expect(sim.readInputFloat32(SKID.input.flowPv)).to.be.closeTo(30, 0.001);
  });
});
