/**
 * The approvals view's server side. The list is governance's own queue
 * (pending requests, and approved / rejected ones until the requester's retry
 * collects them), pushed to pages on every queue change and once a second
 * (ages, expiry). An approval POSTed by a page goes to Governance.approve:
 * the same check as an approval arriving from the CLI over MQTT.
 */
import { auditTime, distinctUntilChanged, interval, map, merge, Subject, type Subscription } from 'rxjs';
import type { Governance } from '../governance/governance.js';
import type { ApprovalRequest } from '../governance/queue.js';
import { viewRequest, type RequestView } from '../governance/views.js';
import type { Approval } from '../tao/payload.js';
import type { EventHub } from './events.js';

/** A request as the console shows it: where its current value came from. */
export type ConsoleRequestView = RequestView & { readonly currentFrom?: 'proposal' | 'plc' };

export interface ApprovalsSnapshot {
  /** False when this process has no governance node (e.g. a gateway's console). */
  readonly available: boolean;
  /** Server clock, so pages compute ages without trusting their own. */
  readonly now: number;
  readonly requests: readonly ConsoleRequestView[];
}

export interface ConsoleLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const LIVE: ReadonlySet<ApprovalRequest['status']> = new Set(['pending', 'approved', 'rejected']);

export class ApprovalFeed {
  private readonly changes = new Subject<void>();
  private readonly sub: Subscription;
  private watched: Governance | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly governance: () => Governance | undefined,
    hub: EventHub,
    private readonly currentValue?: (tag: string) => string | undefined,
  ) {
    this.follow();
    this.sub = merge(this.changes.pipe(auditTime(0)), interval(1000))
      .pipe(
        map(() => this.snapshot()),
        distinctUntilChanged((a, b) => stateKey(a) === stateKey(b)),
      )
      .subscribe((s) => hub.emit('approvals', s));
  }

  snapshot(): ApprovalsSnapshot {
    const gov = this.follow();
    const now = Date.now();
    if (!gov) return { available: false, now, requests: [] };
    gov.queue.expire(now);
    return { available: true, now, requests: gov.queue.list((r) => LIVE.has(r.status)).map((r) => this.withCurrent(viewRequest(r, gov.profile, now))) };
  }

  /** The proposal's current value when it has one, else what the PLC holds now (marked as such). */
  private withCurrent(v: RequestView): ConsoleRequestView {
    if (v.current !== undefined) return { ...v, currentFrom: 'proposal' };
    let now: string | undefined;
    try {
      now = v.op === 'write' ? this.currentValue?.(v.target) : undefined;
    } catch {
      now = undefined;
    }
    return now === undefined ? v : { ...v, current: now, currentFrom: 'plc' };
  }

  approvers(): { name: string; role: string }[] {
    const gov = this.follow();
    return gov ? [...gov.profile.approvers.values()].map((a) => ({ name: a.id, role: a.role })) : [];
  }

  /** Hands a signed approval to governance; never throws on untrusted input. */
  submit(body: unknown, log?: ConsoleLogger): { status: number; answer: Record<string, unknown> } {
    const gov = this.follow();
    if (!gov) return { status: 503, answer: { ok: false, code: 'governance_unavailable', reason: 'no governance node in this process' } };
    const approval = (body as { approval?: unknown } | null)?.approval;
    if (typeof approval !== 'object' || approval === null || Array.isArray(approval)) {
      return { status: 400, answer: { ok: false, code: 'malformed', reason: 'expected {"approval": {...}}' } };
    }
    const result = gov.approve(approval as Approval);
    const a = approval as Partial<Approval>;
    log?.info({ via: 'console', request: a.request, approver: a.approver, decision: a.decision, ...result }, 'approval answered');
    return { status: result.ok ? 200 : 403, answer: result as unknown as Record<string, unknown> };
  }

  close(): void {
    this.sub.unsubscribe();
    this.unwatch?.();
  }

  /** Subscribes to the queue of the governance node now in charge (it may have been restarted). */
  private follow(): Governance | undefined {
    const gov = this.governance();
    if (gov !== this.watched) {
      this.unwatch?.();
      this.watched = gov;
      this.unwatch = gov?.queue.subscribe(() => this.changes.next());
    }
    return gov;
  }
}

/** What a page must be told about: the set of requests, their status and approvals (not their age). */
function stateKey(s: ApprovalsSnapshot): string {
  return `${s.available}|${s.requests.map((r) => `${r.id}:${r.status}:${r.have}`).join(',')}`;
}
