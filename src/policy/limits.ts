/**
 * Hard limits of one tag: type, range, step. Pure. Governance runs them as
 * part of evaluate(); the gateway runs them on its own before it asks
 * anyone, so a write it would refuse anyway never leaves the cell.
 */
import { parseValue, formatValue, plainDecimal, type Value } from './values.js';
import type { PolicyDecision, TagPolicy, TagType } from './types.js';

export type LimitDecision = Extract<PolicyDecision, { decision: 'issue' } | { decision: 'deny' }>;

const ISSUE: LimitDecision = { decision: 'issue' };

/** Relative rounding error allowed in step checks (about one unit in the last place of each value). */
const STEP_EPSILON: Partial<Record<TagType, number>> = { float32: 2 ** -23, float64: 2 ** -52 };

export function checkHardLimits(tag: TagPolicy, value: string, current: string | undefined): LimitDecision {
  const parsed = parseValue(tag.type, value);
  if (!parsed.ok) {
    return deny('type_mismatch', `${tag.name} = '${value}' is not a valid ${tag.type}: ${parsed.reason}`);
  }
  const v = parsed.value;
  if (typeof v !== 'number') return ISSUE; // bool and string tags have no limits
  const shown = formatValue(tag.type, v);
  const narrow = tag.type === 'float32' ? Math.fround : (x: number) => x;
  if (tag.min !== undefined && v < narrow(tag.min)) {
    return deny('out_of_range', `${tag.name} = ${shown} is below min ${plainDecimal(tag.min)}${units(tag)}`);
  }
  if (tag.max !== undefined && v > narrow(tag.max)) {
    return deny('out_of_range', `${tag.name} = ${shown} is above max ${plainDecimal(tag.max)}${units(tag)}`);
  }
  if (tag.maxStep !== undefined && current !== undefined) return checkStep(tag, v, shown, current);
  return ISSUE;
}

function checkStep(tag: TagPolicy, v: number, shown: string, current: string): LimitDecision {
  const cur = parseValue(tag.type, current);
  if (!cur.ok || typeof cur.value !== 'number') {
    return deny('malformed', `the current value '${current}' of ${tag.name} is not a valid ${tag.type}`);
  }
  const c = cur.value;
  const step = Math.abs(v - c);
  const tolerance = (Math.abs(v) + Math.abs(c)) * (STEP_EPSILON[tag.type] ?? 0);
  if (step - tag.maxStep! > tolerance) {
    return deny(
      'step_too_large',
      `${tag.name} = ${shown} is a step of ${round(step)} from the current ${formatValue(tag.type, c as Value)}; max step is ${plainDecimal(tag.maxStep!)}${units(tag)}`,
    );
  }
  return ISSUE;
}

function deny(code: 'type_mismatch' | 'out_of_range' | 'step_too_large' | 'malformed', reason: string): LimitDecision {
  return { decision: 'deny', code, reason };
}

function units(tag: TagPolicy): string {
  return tag.units ? ` ${tag.units}` : '';
}

/** A step for people: 12 significant digits hide the binary rounding noise (30.000000000000004 -> 30). */
function round(n: number): string {
  return plainDecimal(Number(n.toPrecision(12)));
}
