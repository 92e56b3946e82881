import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';

export type IsConsumed = (jti: string) => boolean | Promise<boolean>;

/** consumed: a TAO is single-use. Sync when isConsumed is sync. */
export function checkNotConsumed(tao: TaoPayload, isConsumed: IsConsumed): void | Promise<void> {
  const used = isConsumed(tao.jti);
  if (!isThenable(used)) return refuseIfUsed(used, tao.jti);
  return Promise.resolve(used).then((u) => refuseIfUsed(u, tao.jti));
}

function isThenable(x: unknown): x is PromiseLike<boolean> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Anything but an explicit false counts as used (fail closed). */
function refuseIfUsed(used: unknown, jti: string): void {
  if (used !== false) throw new Refusal('consumed', `TAO ${jti} was already used`);
}
