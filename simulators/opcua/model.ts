/**
 * The reactor's process model: pure state and arithmetic, no OPC UA.
 *
 * - The jacket temperature moves toward min(temp_sp, jacket_limit) as a
 *   first-order lag (JACKET_TAU_S).
 * - The reactor temperature follows the jacket as a first-order lag of
 *   REACTOR_TAU_S (~5 s), so temp_pv settles at min(temp_sp, jacket_limit).
 * - The agitator speed ramps toward agitator_rpm at AGITATOR_RAMP_RPM_S.
 */
import type { BatchState } from './types.js';

export const JACKET_TAU_S = 1;
export const REACTOR_TAU_S = 5;
export const AGITATOR_RAMP_RPM_S = 60;

export interface ReactorSetpoints {
  tempSp: number;
  agitatorRpm: number;
  jacketLimit: number;
}

export interface ReactorState extends ReactorSetpoints {
  jacketTemp: number;
  tempPv: number;
  agitatorPv: number;
  batchState: BatchState;
  batchId: string;
  batchCount: number;
}

export function initialReactorState(): ReactorState {
  return {
    tempSp: 80,
    agitatorRpm: 120,
    jacketLimit: 120,
    jacketTemp: 80,
    tempPv: 80,
    agitatorPv: 120,
    batchState: 'Idle',
    batchId: '',
    batchCount: 0,
  };
}

/** Fraction of the gap a first-order lag with time constant tau closes in dt. */
function lagFraction(dtS: number, tauS: number): number {
  return 1 - Math.exp(-dtS / tauS);
}

/** Advances the process values by dtS seconds (mutates and returns `s`). */
export function stepReactor(s: ReactorState, dtS: number): ReactorState {
  if (!(dtS > 0)) return s;
  const jacketTarget = Math.min(s.tempSp, s.jacketLimit);
  s.jacketTemp += (jacketTarget - s.jacketTemp) * lagFraction(dtS, JACKET_TAU_S);
  s.tempPv += (s.jacketTemp - s.tempPv) * lagFraction(dtS, REACTOR_TAU_S);
  const maxStep = AGITATOR_RAMP_RPM_S * dtS;
  const gap = s.agitatorRpm - s.agitatorPv;
  s.agitatorPv = Math.abs(gap) <= maxStep ? s.agitatorRpm : s.agitatorPv + Math.sign(gap) * maxStep;
  return s;
}

export type StartBatchResult =
  | { ok: true; batchId: string }
  | { ok: false; reason: 'empty_recipe' | 'already_running' };

export function startBatch(s: ReactorState, recipeId: string): StartBatchResult {
  if (recipeId.trim() === '') return { ok: false, reason: 'empty_recipe' };
  if (s.batchState === 'Running') return { ok: false, reason: 'already_running' };
  s.batchCount += 1;
  s.batchId = `${recipeId}-B${String(s.batchCount).padStart(4, '0')}`;
  s.batchState = 'Running';
  return { ok: true, batchId: s.batchId };
}

/** Stop is accepted in every state (a PLC stop command is idempotent). */
export function stopBatch(s: ReactorState): void {
  s.batchState = 'Stopped';
}
