/**
 * The skid's process model. It reads the command tables (holding registers,
 * coils) and writes ONLY the measurement tables (input registers, discrete
 * inputs): a tick never changes a value a client wrote.
 */
import { readFloat32, writeFloat32, type ModbusMemory } from './memory.js';
import { SKID, SKID_INITIAL, SKID_PHYSICS as P, STATUS_BITS } from './skid-map.js';

/** Puts the skid's initial commands into the tables and settles the model there. */
export function initSkid(mem: ModbusMemory): SkidModel {
  writeFloat32(mem.holding, SKID.holding.flowSp, SKID_INITIAL.flowSp);
  mem.holding[SKID.holding.pressureMax] = SKID_INITIAL.pressureMax;
  mem.coils[SKID.coil.pumpRun] = SKID_INITIAL.pumpRun ? 1 : 0;
  const model = new SkidModel(mem);
  model.settle();
  return model;
}

export class SkidModel {
  private flow = 0;
  private pressure = 0;

  constructor(private readonly mem: ModbusMemory) {}

  /** Jumps to the steady state of the current commands (used at start). */
  settle(): void {
    const c = this.commands();
    this.flow = c.flowTarget;
    this.pressure = this.pressureTarget(c.running, c.pressureMax);
    this.publish(c);
  }

  /** Advances the model by dt seconds. */
  step(dtSeconds: number): void {
    if (!(dtSeconds > 0)) return;
    const c = this.commands();
    this.flow += (c.flowTarget - this.flow) * (1 - Math.exp(-dtSeconds / P.flowTauS));
    const target = this.pressureTarget(c.running, c.pressureMax);
    this.pressure += (target - this.pressure) * (1 - Math.exp(-dtSeconds / P.pressureTauS));
    this.publish(c);
  }

  private commands() {
    const running = this.mem.coils[SKID.coil.pumpRun] === 1;
    const sp = readFloat32(this.mem.holding, SKID.holding.flowSp);
    const spUsable = Number.isFinite(sp) && sp >= 0 && sp <= P.flowCapacity;
    const spEffective = Number.isFinite(sp) ? Math.min(Math.max(sp, 0), P.flowCapacity) : 0;
    const pressureMax = this.mem.holding[SKID.holding.pressureMax]!;
    return { running, spUsable, spEffective, flowTarget: running ? spEffective : 0, pressureMax };
  }

  private pressureTarget(running: boolean, pressureMax: number): number {
    const free = running ? P.pressureBase + P.pressurePerFlow * this.flow : 0;
    return Math.min(free, this.reliefPressure(pressureMax));
  }

  private reliefPressure(pressureMax: number): number {
    return pressureMax * P.reliefRatio;
  }

  private publish(c: ReturnType<SkidModel['commands']>): void {
    const relief = this.reliefPressure(c.pressureMax);
    // The relief valve clamps the measurement too (pressure_max may have been lowered under it).
    if (this.pressure > relief) this.pressure = relief;
    const highPressure = c.pressureMax > 0 && this.pressure >= c.pressureMax * P.alarmRatio;
    const tolerance = Math.max(0.5, c.spEffective * 0.01);
    let status = 0;
    if (c.running) status |= STATUS_BITS.pumpRunning;
    if (highPressure) status |= STATUS_BITS.highPressure;
    if (c.running && Math.abs(this.flow - c.spEffective) <= tolerance) status |= STATUS_BITS.atSetpoint;
    if (c.running && this.pressure >= relief - 0.5) status |= STATUS_BITS.reliefActive;
    if (!c.spUsable) status |= STATUS_BITS.setpointClamped;

    writeFloat32(this.mem.input, SKID.input.flowPv, this.flow);
    writeFloat32(this.mem.input, SKID.input.pressurePv, this.pressure);
    this.mem.input[SKID.input.status] = status;
    this.mem.discreteInputs[SKID.discrete.pumpRunning] = c.running ? 1 : 0;
    this.mem.discreteInputs[SKID.discrete.highPressure] = highPressure ? 1 : 0;
  }
}
