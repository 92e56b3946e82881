import type { ApprovalRule } from '../../policy/types.js';
import { proposalDigest, verifyApproval } from '../approval.js';
import type { Ed25519Impl } from '../impl.js';
import type { Approval, TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';
import type { TrustStore } from '../truststore.js';

export interface ApprovalsInput {
  readonly trust: TrustStore;
  readonly nowSeconds: number;
  readonly skewSeconds: number;
  readonly impl: Ed25519Impl;
  /** undefined: no count required, but every approval present must still verify. */
  readonly rule: ApprovalRule | undefined;
}

/**
 * Every approval in the TAO must verify on its own (verifyApproval), approve
 * THIS TAO's proposal (digest of aud, sub, scope; the TAO's request id), be
 * made no later than the TAO's iat (+ skew), come from someone other than the
 * subject, and appear once per approver. Then at least rule.count of them
 * must hold one of rule.roles.
 */
export function checkApprovals(tao: TaoPayload, input: ApprovalsInput): void {
  const digest = proposalDigest({ aud: tao.aud, sub: tao.sub, ...tao.scope });
  const seen = new Set<string>();
  for (const [i, a] of tao.approvals.entries()) {
    checkOne(a, i, tao, digest, input);
    if (a.approver === tao.sub) throw new Refusal('self_approval', `approval ${i}: ${a.approver} approved their own write`);
    if (seen.has(a.approver)) throw new Refusal('duplicate_approver', `approval ${i}: ${a.approver} is counted twice`);
    seen.add(a.approver);
  }
  const rule = input.rule;
  if (!rule || rule.count <= 0) return;
  const qualified = tao.approvals.filter((a) => rule.roles.includes(a.role)).length;
  if (qualified < rule.count) {
    throw new Refusal('approvals_missing', `needs ${rule.count} approval(s) by ${rule.roles.join(' or ') || '(no role)'}, has ${qualified}`);
  }
}

function checkOne(a: Approval, i: number, tao: TaoPayload, digest: string, input: ApprovalsInput): void {
  const checked = verifyApproval(a, input.trust, input.nowSeconds, input.impl);
  if (!checked.ok) throw new Refusal(checked.code, `approval ${i}: ${checked.reason}`);
  if (a.decision !== 'approve') bad(i, `${a.approver} decided ${a.decision}, not approve`);
  if (a.digest !== digest) bad(i, `${a.approver} approved a different proposal`);
  if (a.request !== tao.request) bad(i, `${a.approver} approved request ${a.request}, the TAO is for ${tao.request ?? 'no request'}`);
  if (a.ts > tao.iat + input.skewSeconds) bad(i, `${a.approver} signed at ${a.ts}, after the TAO was issued (${tao.iat})`);
}

function bad(i: number, reason: string): never {
  throw new Refusal('bad_approval', `approval ${i}: ${reason}`);
}
