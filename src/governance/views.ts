/** What clients (CLI, console) see of a pending approval request. */
import type { Profile } from '../policy/types.js';
import type { ApprovalRequest } from './queue.js';

export interface RequestView {
  readonly id: string;
  readonly status: ApprovalRequest['status'];
  readonly actor: string;
  readonly actorKind: string;
  readonly role: string;
  readonly op: 'write' | 'call';
  readonly target: string;
  readonly value: string;
  readonly args?: readonly string[];
  readonly current?: string;
  readonly units: string;
  readonly min?: number;
  readonly max?: number;
  readonly reason: string;
  readonly digest: string;
  readonly aud: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly ageS: number;
  readonly have: number;
  readonly need: number;
  readonly roles: readonly string[];
  readonly approvals: readonly { approver: string; meaning: string; reason: string; ts: number }[];
  readonly rejection?: { approver: string; reason: string; meaning: string; ts: number };
}

export function viewRequest(r: ApprovalRequest, profile: Profile, nowMs: number): RequestView {
  const tag = r.proposal.op === 'write' ? profile.tags.get(r.proposal.target) : undefined;
  return {
    id: r.id,
    status: r.status,
    actor: r.actor.id,
    actorKind: r.actor.kind,
    role: r.actor.role,
    op: r.proposal.op,
    target: r.proposal.target,
    value: r.proposal.value,
    ...(r.proposal.args ? { args: r.proposal.args } : {}),
    ...(r.proposal.current !== undefined ? { current: r.proposal.current } : {}),
    units: tag?.units ?? '',
    ...(tag?.min !== undefined ? { min: tag.min } : {}),
    ...(tag?.max !== undefined ? { max: tag.max } : {}),
    reason: r.proposal.reason ?? '',
    digest: r.digest,
    aud: r.aud,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    ageS: Math.max(0, Math.round((nowMs - r.createdAt) / 1000)),
    have: r.approvals.length,
    need: r.rule.count,
    roles: r.rule.roles,
    approvals: r.approvals.map((a) => ({ approver: a.approver, meaning: a.meaning, reason: a.reason, ts: a.ts })),
    ...(r.rejection ? { rejection: r.rejection } : {}),
  };
}
