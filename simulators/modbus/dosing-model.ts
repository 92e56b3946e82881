/**
 * The dosing pump drive of profiles/demo-cell.yaml (device `dosing`, unit 2):
 * holding 200 rate_sp (uint16 L/h, written by clients), input 0 rate_pv
 * (uint16 L/h) following the setpoint with a first-order lag. The model
 * writes only the input register.
 */
import type { ModbusMemory } from './memory.js';

export const DOSING = {
  holding: { rateSp: 200 },
  input: { ratePv: 0 },
} as const;

export const DOSING_INITIAL = { rateSp: 100 } as const;

/** Lag of the measured rate toward the setpoint, seconds. */
export const DOSING_TAU_S = 2;

export class DosingModel {
  private rate: number;

  constructor(private readonly mem: ModbusMemory) {
    mem.holding[DOSING.holding.rateSp] = DOSING_INITIAL.rateSp;
    this.rate = DOSING_INITIAL.rateSp;
    this.publish();
  }

  step(dtSeconds: number): void {
    if (!(dtSeconds > 0)) return;
    const sp = this.mem.holding[DOSING.holding.rateSp]!;
    this.rate += (sp - this.rate) * (1 - Math.exp(-dtSeconds / DOSING_TAU_S));
    if (Math.abs(sp - this.rate) < 0.5) this.rate = sp;
    this.publish();
  }

  private publish(): void {
    this.mem.input[DOSING.input.ratePv] = Math.max(0, Math.min(0xffff, Math.round(this.rate)));
  }
}
