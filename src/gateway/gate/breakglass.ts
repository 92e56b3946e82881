/**
 * The break-glass window of one gateway. A grant signed by k supervisors
 * (src/tao/grant.ts) opens it; while it is open, a write to a tag the grant
 * covers that passed the gateway's own hard limits (actor, role, type,
 * range, step, rate: checked by the gate before it asks here) is forwarded
 * without a TAO. Everything is receipted:
 *
 *   breakglass {event: "open", grant, signers, tags, nbf, exp, reason}   the grant id is consumed in the same batch
 *   intent     {..., path: "breakglass", grant: ID, approvals: signers}  one per write, then its outcome as usual
 *   breakglass {event: "close", grant, why: closed|deadline|restart, by?, writes}
 *
 * The window ends at the grant's exp (a timer, and every covers() checks the
 * clock), on `close`, or when the gateway restarts (fail closed: a restart
 * records the close and the grant, consumed, cannot be presented again).
 */
import type { Json } from '../../crypto/canonical.js';
import type { Profile, ActorPolicy } from '../../policy/types.js';
import { Refusal, type RefusalCode } from '../../refusal/codes.js';
import { ALL_TAGS, DEFAULT_GRANT_RULE, verifyGrant, type Grant, type GrantRule } from '../../tao/grant.js';
import type { TrustStore } from '../../tao/truststore.js';
import type { IndeterminateIndex } from './indeterminate.js';
import type { GateLedger, GateLogger, GateObserver } from './ports.js';
import { requestBody } from './request-body.js';
import { openTicket } from './ticket.js';
import type { Verdict, WriteRequest } from './types.js';

/** Side-index entry that marks an open window (survives a crash, so the next start closes it on the record). */
export const BREAKGLASS_OPEN_KEY = 'breakglass!open';

export interface BreakGlassOptions {
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly ledger: GateLedger;
  readonly now: () => number;
  readonly log: GateLogger;
  readonly indeterminates: IndeterminateIndex;
  readonly observe?: GateObserver;
}

export interface BreakGlassStatus {
  readonly open: boolean;
  readonly grant?: string;
  readonly signers?: readonly string[];
  readonly tags?: readonly string[];
  readonly reason?: string;
  /** Seconds since epoch. */
  readonly exp?: number;
  readonly writes?: number;
  readonly openSeq?: number;
}

export type BreakGlassResult = { readonly ok: true; readonly status: BreakGlassStatus; readonly seq: number } | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

interface Window {
  readonly grant: Grant;
  readonly signers: readonly string[];
  readonly openSeq: number;
  writes: number;
  timer: NodeJS.Timeout;
}

/** The profile's break-glass rule (profile `breakglass`), else 2 supervisors and 30 minutes. */
export function grantRuleOf(profile: Profile): GrantRule {
  return profile.breakglass ?? DEFAULT_GRANT_RULE;
}

export class BreakGlass {
  private window: Window | undefined;
  /** One open or close at a time. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: BreakGlassOptions) {}

  /** At start: a window left open by an earlier run is closed on the record (why: restart). */
  async recover(): Promise<void> {
    // sideEntries(prefix) lists names strictly after the prefix: ask for the folder, match the name.
    for await (const [name, value] of this.o.ledger.sideEntries('breakglass!')) {
      if (name !== BREAKGLASS_OPEN_KEY) continue;
      const grant = (JSON.parse(value) as { grant?: string }).grant ?? '';
      await this.o.ledger.append('breakglass', { event: 'close', grant, why: 'restart' }, { mark: { clear: BREAKGLASS_OPEN_KEY } });
      this.o.log.warn({ grant }, 'break-glass window of an earlier run closed (gateway restarted)');
    }
  }

  status(): BreakGlassStatus {
    const w = this.live();
    if (!w) return { open: false };
    const g = w.grant;
    return { open: true, grant: g.id, signers: w.signers, tags: g.tags, reason: g.reason, exp: g.exp, writes: w.writes, openSeq: w.openSeq };
  }

  /** Verify a grant and open the window; refused when one is open, or the grant is bad, expired or used. */
  open(input: unknown, source: string): Promise<BreakGlassResult> {
    return this.serial(() => this.doOpen(input, source));
  }

  /** Close the open window early (`taogate breakglass close`). */
  close(by: string): Promise<BreakGlassResult> {
    return this.serial(async () => {
      const w = this.live();
      if (!w) return { ok: false, code: 'unknown_request', reason: 'no break-glass window is open' } as const;
      return this.end(w, 'closed', by);
    });
  }

  /** The open window, when it covers this write (tag or method named by the grant, or all). */
  covers(req: WriteRequest): boolean {
    const w = this.live();
    return w !== undefined && (w.grant.tags.includes(ALL_TAGS) || w.grant.tags.includes(req.target));
  }

  /**
   * A write the gate already checked against its hard limits: an intent
   * receipt on the break-glass path, then the usual ticket.
   */
  async authorize(req: WriteRequest, actor: ActorPolicy, authorized: () => void, refuse: (code: RefusalCode, reason: string) => Promise<Verdict>): Promise<Verdict> {
    const w = this.live();
    if (!w) return refuse('expired', 'the break-glass window closed');
    const body: Json = { ...requestBody(req), role: actor.role, actorKind: actor.kind, path: 'breakglass', grant: w.grant.id, approvals: [...w.signers] };
    let receipt;
    try {
      receipt = await this.o.ledger.append('intent', body);
    } catch (err) {
      return refuse(err instanceof Refusal ? err.code : 'ledger_unavailable', `intent receipt not durable: ${(err as Error).message}`);
    }
    w.writes += 1;
    authorized();
    this.o.log.warn({ req: req.id, grant: w.grant.id, actor: actor.id, target: req.target, value: req.value, seq: receipt.seq }, 'BREAK-GLASS write authorized without a TAO');
    this.o.observe?.({ protocol: req.protocol, outcome: 'allowed' });
    return { allowed: true, ticket: openTicket(this.o.ledger, req, `breakglass:${w.grant.id}`, receipt.seq, this.o.log, this.o.observe, this.o.indeterminates) };
  }

  /** Stop the deadline timer (gate stop); the window stays on the record until closed or the next start. */
  stop(): void {
    if (this.window) clearTimeout(this.window.timer);
  }

  private live(): Window | undefined {
    const w = this.window;
    return w && this.o.now() < w.grant.exp * 1000 ? w : undefined;
  }

  private async doOpen(input: unknown, source: string): Promise<BreakGlassResult> {
    const open = this.live();
    if (open) return { ok: false, code: 'consumed', reason: `break-glass window ${open.grant.id} is already open` };
    const profile = this.o.profile;
    const checked = verifyGrant(input, {
      trust: this.o.trust,
      gateway: profile.gateway.id,
      nowSeconds: Math.floor(this.o.now() / 1000),
      skewSeconds: profile.defaults.clockSkewS,
      rule: grantRuleOf(profile),
      approverRole: (name) => profile.approvers.get(name)?.role,
    });
    if (!checked.ok) {
      this.o.log.warn({ source, code: checked.code, reason: checked.reason }, 'break-glass grant refused');
      return checked;
    }
    const g = checked.grant;
    const body = { event: 'open', grant: g.id, signers: [...checked.signers], tags: g.tags, nbf: g.nbf, exp: g.exp, reason: g.reason, source, statement: g as unknown as Json };
    let receipt;
    try {
      receipt = await this.o.ledger.append('breakglass', body, { consume: g.id, mark: { set: { name: BREAKGLASS_OPEN_KEY, value: JSON.stringify({ grant: g.id, exp: g.exp }) } } });
    } catch (err) {
      if (err instanceof Refusal && err.code === 'consumed') return { ok: false, code: 'consumed', reason: `grant ${g.id} was already presented` };
      return { ok: false, code: 'ledger_unavailable', reason: `open receipt not durable: ${(err as Error).message}` };
    }
    const timer = setTimeout(() => void this.serial(() => (this.window ? this.end(this.window, 'deadline') : Promise.resolve(undefined))), Math.max(0, g.exp * 1000 - this.o.now()));
    timer.unref();
    this.window = { grant: g, signers: checked.signers, openSeq: receipt.seq, writes: 0, timer };
    this.o.log.error({ grant: g.id, signers: checked.signers, tags: g.tags, exp: g.exp, reason: g.reason, seq: receipt.seq }, 'BREAK-GLASS WINDOW OPEN: writes within the hard limits pass without a TAO');
    return { ok: true, status: this.status(), seq: receipt.seq };
  }

  private async end(w: Window, why: 'closed' | 'deadline', by?: string): Promise<BreakGlassResult> {
    clearTimeout(w.timer);
    if (this.window === w) this.window = undefined;
    const receipt = await this.o.ledger.append('breakglass', { event: 'close', grant: w.grant.id, why, ...(by ? { by } : {}), writes: w.writes }, { mark: { clear: BREAKGLASS_OPEN_KEY } });
    this.o.log.warn({ grant: w.grant.id, why, writes: w.writes, seq: receipt.seq }, 'break-glass window closed');
    return { ok: true, status: { open: false, grant: w.grant.id, writes: w.writes }, seq: receipt.seq };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }
}
