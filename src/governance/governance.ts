/**
 * The governance node's decisions, free of transport: evaluate a proposal
 * against the policy and answer with a TAO, a coded denial, or "pending";
 * collect k-of-n approvals; never issue for an unauthenticated actor (the
 * transport layer, ./service.ts, authenticates before calling in here).
 */
import type { Signer } from '../crypto/ed25519.js';
import { evaluate } from '../policy/evaluate.js';
import type { ActorPolicy, Profile, Proposal } from '../policy/types.js';
import { proposalDigest, verifyApproval } from '../tao/approval.js';
import type { Envelope } from '../tao/envelope.js';
import type { Approval } from '../tao/payload.js';
import type { RefusalCode } from '../refusal/codes.js';
import type { TrustStore } from '../tao/truststore.js';
import { mintTao } from './mint.js';
import { ApprovalQueue, type ApprovalRequest } from './queue.js';
import { QueueStore } from './queue-store.js';

export type Decision =
  | { readonly decision: 'issue'; readonly tao: Envelope; readonly jti: string; readonly exp: number }
  | { readonly decision: 'deny'; readonly code: RefusalCode; readonly reason: string }
  | { readonly decision: 'pending'; readonly request: string; readonly approvals: { have: number; need: number }; readonly expiresAt: number };

export type ApproveResult =
  | { readonly ok: true; readonly request: string; readonly status: ApprovalRequest['status']; readonly have: number; readonly need: number }
  | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

export interface GovernanceOptions {
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly signer: Signer;
  readonly issuer?: string;
  readonly now?: () => number;
  readonly onRequestChange?: (r: ApprovalRequest) => void;
  /** A file that keeps pending approval requests across restarts (see queue-store.ts). */
  readonly statePath?: string;
  /** Told when the state file could not be written (the decision itself stands). */
  readonly onStateError?: (err: Error) => void;
}

export class Governance {
  readonly queue: ApprovalQueue;
  private readonly lastIssued = new Map<string, number>();
  private readonly now: () => number;

  constructor(readonly opts: GovernanceOptions) {
    this.now = opts.now ?? Date.now;
    this.queue = new ApprovalQueue(opts.onRequestChange);
    if (opts.statePath) {
      const store = new QueueStore(opts.statePath, opts.profile);
      for (const r of store.load(this.now())) this.queue.restore(r);
      // Saved after every change, before the change is answered: an accepted approval is not lost.
      this.queue.subscribe(() => {
        try {
          store.save(this.queue.list(() => true));
        } catch (err) {
          opts.onStateError?.(err as Error);
        }
      });
    }
  }

  get profile(): Profile {
    return this.opts.profile;
  }

  decide(proposal: Proposal, aud: string): Decision {
    const now = this.now();
    this.queue.expire(now);
    if (aud !== this.profile.gateway.id) return { decision: 'deny', code: 'wrong_audience', reason: `this governance node serves gateway ${this.profile.gateway.id}, not ${aud}` };
    // A conditional request (scope.expect): the step is judged from the value it expects to replace.
    const judged = proposal.expect !== undefined ? { ...proposal, current: proposal.expect } : proposal;
    const verdict = evaluate(judged, this.profile, now, { lastIssuedAt: (t) => this.lastIssued.get(t) });
    if (verdict.decision === 'deny') return verdict;
    const actor = this.profile.actors.get(proposal.actor);
    if (!actor) return { decision: 'deny', code: 'unknown_actor', reason: `unknown actor ${proposal.actor}` }; // evaluate() refused it already; narrows the type
    if (verdict.decision === 'issue') return this.issue(proposal, actor, aud, now);

    const digest = proposalDigest({ aud, sub: actor.id, op: proposal.op, target: proposal.target, value: proposal.value, args: proposal.args });
    const existing = this.queue.findByDigest(digest);
    if (existing?.status === 'approved') {
      this.queue.setStatus(existing, 'fulfilled');
      return this.issue(proposal, actor, aud, now, existing.approvals, existing.id);
    }
    if (existing?.status === 'rejected') {
      this.queue.setStatus(existing, 'fulfilled');
      const r = existing.rejection;
      return { decision: 'deny', code: 'approval_rejected', reason: `request ${existing.id} rejected by ${r?.approver ?? '?'}: ${r?.reason ?? ''}` };
    }
    const request =
      existing ??
      this.queue.create({ aud, proposal, actor, rule: verdict.approvals, digest, createdAt: now, expiresAt: now + this.profile.defaults.approvalTtlS * 1000 });
    return { decision: 'pending', request: request.id, approvals: { have: request.approvals.length, need: request.rule.count }, expiresAt: request.expiresAt };
  }

  private issue(proposal: Proposal, actor: ActorPolicy, aud: string, now: number, approvals?: readonly Approval[], request?: string): Decision {
    const { envelope, payload } = mintTao({ profile: this.profile, signer: this.opts.signer, issuer: this.opts.issuer ?? 'governance', aud, actor, proposal, nowMs: now, approvals, request });
    this.lastIssued.set(proposal.target, now);
    return { decision: 'issue', tao: envelope, jti: payload.jti, exp: payload.exp };
  }

  /** An approver's signed statement (approve or reject). Checked exactly the same for CLI and console. */
  approve(approval: Approval): ApproveResult {
    const now = this.now();
    this.queue.expire(now);
    const request = this.queue.get(approval.request);
    if (!request) return { ok: false, code: 'unknown_request', reason: `no approval request ${approval.request}` };
    if (request.status === 'expired') return { ok: false, code: 'expired', reason: `request ${request.id} expired` };
    if (request.status !== 'pending') return { ok: false, code: 'unknown_request', reason: `request ${request.id} is ${request.status}, not pending` };
    // Self-approval is refused before anything else: whatever key signed it, the requester never counts.
    if (approval.approver === request.actor.id) return { ok: false, code: 'self_approval', reason: `${approval.approver} cannot approve their own request` };
    const approver = this.profile.approvers.get(approval.approver);
    if (!approver) return { ok: false, code: 'role_not_allowed', reason: `${approval.approver} is not an approver in the profile` };
    const checked = verifyApproval(approval, this.opts.trust, Math.floor(now / 1000));
    if (!checked.ok) return checked;
    if (approval.digest !== request.digest) return { ok: false, code: 'bad_approval', reason: 'the approval was signed for a different proposal' };
    if (!request.rule.roles.includes(approver.role) || approval.role !== approver.role) {
      return { ok: false, code: 'role_not_allowed', reason: `${approval.approver} (${approver.role}) may not approve; needs ${request.rule.roles.join(' or ')}` };
    }
    if (request.approvals.some((a) => a.approver === approval.approver) || request.rejection?.approver === approval.approver) {
      return { ok: false, code: 'duplicate_approver', reason: `${approval.approver} already answered request ${request.id}` };
    }
    if (approval.decision === 'reject') {
      request.rejection = { approver: approval.approver, reason: approval.reason, meaning: approval.meaning, ts: approval.ts };
      this.queue.setStatus(request, 'rejected');
    } else {
      request.approvals.push(approval);
      if (request.approvals.length >= request.rule.count) this.queue.setStatus(request, 'approved');
      else this.queue.changed(request);
    }
    return { ok: true, request: request.id, status: request.status, have: request.approvals.length, need: request.rule.count };
  }
}
