/** Re-verifying the TAO an intent receipt carries, as of the moment it was used. */
import type { Receipt } from '../../ledger/index.js';
import { approvalRuleOf, valuesEqual } from '../../policy/index.js';
import { verifyTao, type VerifyResult } from '../../tao/verify.js';
import type { ValidateContext } from '../context.js';
import { bodyOf } from './act.js';

export async function verifyIntentTao(ctx: ValidateContext, intent: Receipt): Promise<VerifyResult> {
  const b = bodyOf(intent);
  const profile = ctx.o.profile;
  const target = String(b.target ?? '');
  const tag = profile.tags.get(target);
  return verifyTao(b.tao, {
    trust: ctx.o.trust,
    nowSeconds: Math.floor(intent.ts / 1000),
    audience: ctx.gatewayId,
    skewSeconds: profile.defaults.clockSkewS,
    policyHash: profile.policyHash,
    expect: { sub: String(b.actor ?? ''), op: 'write', target, value: String(b.value ?? ''), ...(tag ? { valueEquals: (x: string, y: string) => valuesEqual(tag.type, x, y) } : {}) },
    approvalRuleFor: (t, op) => approvalRuleOf(profile, op, t),
  });
}
