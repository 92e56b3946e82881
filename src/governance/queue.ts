/**
 * Pending approval requests (k-of-n, never the requester). Kept in memory;
 * with a state file (./queue-store.ts) they survive a governance restart.
 */
import { randomBytes } from 'node:crypto';
import type { ActorPolicy, ApprovalRule, Proposal } from '../policy/types.js';
import type { Approval } from '../tao/payload.js';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'fulfilled' | 'expired';

export interface ApprovalRequest {
  readonly id: string;
  readonly aud: string;
  readonly proposal: Proposal;
  readonly actor: ActorPolicy;
  readonly rule: ApprovalRule;
  readonly digest: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly approvals: Approval[];
  rejection?: { approver: string; reason: string; meaning: string; ts: number };
  status: RequestStatus;
}

export class ApprovalQueue {
  private readonly requests = new Map<string, ApprovalRequest>();
  private readonly listeners = new Set<(r: ApprovalRequest) => void>();

  constructor(private readonly onChange: (r: ApprovalRequest) => void = () => {}) {}

  /** Another observer of every change (the console's live view); returns the unsubscribe. */
  subscribe(listener: (r: ApprovalRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(r: ApprovalRequest): void {
    this.onChange(r);
    for (const l of this.listeners) {
      try {
        l(r);
      } catch {
        // an observer never breaks a decision
      }
    }
  }

  create(init: Omit<ApprovalRequest, 'id' | 'approvals' | 'status'>): ApprovalRequest {
    const request: ApprovalRequest = { ...init, id: `R-${randomBytes(6).toString('hex')}`, approvals: [], status: 'pending' };
    this.requests.set(request.id, request);
    this.emit(request);
    return request;
  }

  /** Puts back a request loaded from the state file (no change event). */
  restore(r: ApprovalRequest): void {
    this.requests.set(r.id, r);
  }

  get(id: string): ApprovalRequest | undefined {
    return this.requests.get(id);
  }

  /** The live request (pending / approved / rejected) for the same proposal digest, if any. */
  findByDigest(digest: string): ApprovalRequest | undefined {
    for (const r of this.requests.values()) {
      if (r.digest === digest && (r.status === 'pending' || r.status === 'approved' || r.status === 'rejected')) return r;
    }
    return undefined;
  }

  setStatus(r: ApprovalRequest, status: RequestStatus): void {
    r.status = status;
    this.emit(r);
  }

  changed(r: ApprovalRequest): void {
    this.emit(r);
  }

  /** Expires stale requests; forgets closed ones after a grace period. */
  expire(nowMs: number, keepClosedMs = 10 * 60_000): void {
    for (const r of this.requests.values()) {
      if ((r.status === 'pending' || r.status === 'approved') && r.expiresAt <= nowMs) this.setStatus(r, 'expired');
      else if (r.status !== 'pending' && r.status !== 'approved' && r.expiresAt + keepClosedMs <= nowMs) this.requests.delete(r.id);
    }
  }

  list(filter: (r: ApprovalRequest) => boolean = (r) => r.status === 'pending'): ApprovalRequest[] {
    return [...this.requests.values()].filter(filter).sort((a, b) => a.createdAt - b.createdAt);
  }
}
