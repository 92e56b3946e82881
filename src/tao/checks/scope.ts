import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';
import { describe } from '../strict.js';

/** The write the gate is about to forward, as the TAO must describe it. */
export interface ExpectedScope {
  sub: string;
  op: 'write' | 'call';
  target: string;
  value: string;
  args?: readonly string[];
  /** Type-aware equality of values ("1.50" vs "1.5"); default: exact string equality. */
  valueEquals?: (taoValue: string, actual: string) => boolean;
  /** The PLC's current value, when read. A TAO with scope.expect needs it and must match it. */
  current?: string;
}

/** scope_mismatch: the TAO covers exactly this actor, operation, target, value and arguments. */
export function checkScope(tao: TaoPayload, expect: ExpectedScope): void {
  const same = expect.valueEquals ?? ((a: string, b: string) => a === b);
  const { scope } = tao;
  if (tao.sub !== expect.sub) mismatch(`TAO is for actor ${tao.sub}, the writer is ${expect.sub}`);
  if (scope.op !== expect.op) mismatch(`TAO allows a ${scope.op}, this is a ${expect.op}`);
  if (scope.target !== expect.target) mismatch(`TAO is for ${scope.target}, the write is to ${expect.target}`);
  if (!same(scope.value, expect.value)) mismatch(`TAO allows ${scope.target} = ${describe(scope.value)}, the write is ${describe(expect.value)}`);
  const taoArgs = scope.args ?? [];
  const args = expect.args ?? [];
  if (taoArgs.length !== args.length || taoArgs.some((a, i) => a !== args[i])) mismatch(`TAO arguments (${taoArgs.length}) differ from the call's (${args.length})`);
  if (scope.expect !== undefined) {
    if (expect.current === undefined) mismatch(`TAO is conditional on ${scope.target} = ${describe(scope.expect)}, but the current value is unknown`);
    else if (!same(scope.expect, expect.current)) mismatch(`TAO expects ${scope.target} = ${describe(scope.expect)}, it is ${describe(expect.current)}`);
  }
}

function mismatch(reason: string): never {
  throw new Refusal('scope_mismatch', reason);
}
