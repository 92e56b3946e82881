/**
 * TAO verification: one pipeline of named checks, in this order (each in
 * ./checks/, each refusing with its own code):
 *
 *   parseEnvelope   bad_envelope
 *   checkType       wrong_type
 *   findKey         unknown_key
 *   checkSignature  bad_signature   (over the bytes as received)
 *   decodePayload   bad_envelope
 *   checkCanonical  not_canonical
 *   checkShape      bad_envelope
 *   checkTime       expired, not_yet_valid
 *   checkAudience   wrong_audience
 *   checkScope      scope_mismatch   (when ctx.expect)
 *   checkPolicy     policy_mismatch  (when ctx.policyHash)
 *   checkApprovals  approvals_missing, self_approval, duplicate_approver, bad_approval, unknown_key
 *   checkNotConsumed consumed        (when ctx.isConsumed)
 *
 * verifyTao never throws: untrusted input always ends in a coded result.
 */
import type { ApprovalRule } from '../policy/types.js';
import { checkApprovals } from './checks/approvals.js';
import { checkAudience } from './checks/audience.js';
import { checkCanonical } from './checks/canonical.js';
import { checkNotConsumed, type IsConsumed } from './checks/consumed.js';
import { decodePayload } from './checks/decode.js';
import { findKey } from './checks/key.js';
import { checkPolicy } from './checks/policy.js';
import { checkScope, type ExpectedScope } from './checks/scope.js';
import { checkShape } from './checks/shape.js';
import { checkSignature } from './checks/signature.js';
import { checkTime } from './checks/time.js';
import { checkType } from './checks/type.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import type { Ed25519Impl } from './impl.js';
import type { TaoPayload } from './payload.js';
import { Refusal, type RefusalCode } from '../refusal/codes.js';
import type { TrustStore } from './truststore.js';

export type { ExpectedScope } from './checks/scope.js';

export interface VerifyContext {
  trust: TrustStore;
  nowSeconds: number;
  /** This gateway's id. */
  audience: string;
  skewSeconds: number;
  expect?: ExpectedScope;
  policyHash?: string;
  approvalRule?: ApprovalRule;
  /** Used when approvalRule is not given: the rule of the TAO's own target. */
  approvalRuleFor?: (target: string, op: 'write' | 'call') => ApprovalRule | undefined;
  isConsumed?: IsConsumed;
  /** Ed25519 implementation: node:crypto (default) or @noble/ed25519 (offline verifier, cross-checks). */
  impl?: Ed25519Impl;
}

export interface SyncVerifyContext extends Omit<VerifyContext, 'isConsumed'> {
  isConsumed?: (jti: string) => boolean;
}

export type VerifyResult = { ok: true; tao: TaoPayload; envelope: Envelope } | { ok: false; code: RefusalCode; reason: string };

export async function verifyTao(input: string | unknown, ctx: VerifyContext): Promise<VerifyResult> {
  try {
    const { tao, envelope } = runChecks(input, ctx);
    if (ctx.isConsumed) await checkNotConsumed(tao, ctx.isConsumed);
    return { ok: true, tao, envelope };
  } catch (err) {
    return failure(err);
  }
}

/** The same pipeline, synchronously (isConsumed must be synchronous). */
export function verifyTaoSync(input: string | unknown, ctx: SyncVerifyContext): VerifyResult {
  try {
    const { tao, envelope } = runChecks(input, ctx);
    if (ctx.isConsumed && checkNotConsumed(tao, ctx.isConsumed) !== undefined) {
      throw new Error('verifyTaoSync: isConsumed returned a promise; use verifyTao');
    }
    return { ok: true, tao, envelope };
  } catch (err) {
    return failure(err);
  }
}

/** Every check but the consumed one; throws Refusal. */
function runChecks(input: unknown, ctx: Omit<VerifyContext, 'isConsumed'>): { tao: TaoPayload; envelope: Envelope } {
  const impl = ctx.impl ?? 'node';
  const envelope = parseEnvelope(input);
  checkType(envelope);
  const key = findKey(envelope, ctx.trust, ctx.nowSeconds);
  const body = checkSignature(envelope, key, impl);
  const parsed = decodePayload(body);
  checkCanonical(body, parsed);
  const tao = checkShape(parsed, envelope);
  checkTime(tao, ctx.nowSeconds, ctx.skewSeconds);
  checkAudience(tao, ctx.audience);
  if (ctx.expect) checkScope(tao, ctx.expect);
  if (ctx.policyHash !== undefined) checkPolicy(tao, ctx.policyHash);
  const rule = ctx.approvalRule ?? ctx.approvalRuleFor?.(tao.scope.target, tao.scope.op);
  checkApprovals(tao, { trust: ctx.trust, nowSeconds: ctx.nowSeconds, skewSeconds: ctx.skewSeconds, impl, rule });
  return { tao, envelope };
}

function failure(err: unknown): VerifyResult {
  if (err instanceof Refusal) return { ok: false, code: err.code, reason: err.message };
  return { ok: false, code: 'internal_error', reason: `TAO verification failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` };
}
