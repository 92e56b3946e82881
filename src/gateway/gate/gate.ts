/**
 * The gate: protocol-free core of "no TAO, no write".
 *
 *   authorize(request)
 *     identify actor -> local policy and hard limits (type, range, step, rate)
 *     -> a staged pre-issued TAO for exactly this write, or ask governance inline
 *     -> verify the TAO (src/tao pipeline, scope == this write)
 *     -> ONE synced ledger batch: jti consumed + intent receipt
 *     -> ticket (the front forwards, then reports committed / voided)
 *
 * Every refusal appends a denied receipt. Every error fails closed.
 */
import type { Json } from '../../crypto/canonical.js';
import { approvalRuleOf, evaluate } from '../../policy/evaluate.js';
import type { ActorPolicy, ApprovalRule, Profile, Proposal, TagPolicy } from '../../policy/types.js';
import { valuesEqual } from '../../policy/values.js';
import type { Envelope } from '../../tao/envelope.js';
import type { TaoPayload } from '../../tao/payload.js';
import { Refusal, type RefusalCode } from '../../refusal/codes.js';
import type { TrustStore } from '../../tao/truststore.js';
import { verifyTao, type ExpectedScope } from '../../tao/verify.js';
import { GovernanceUnavailable, silentLogger, type GateLedger, type GateLogger, type GateObserver, type GovernancePort } from './ports.js';
import { StagedTaos } from './staged.js';
import { openTicket } from './ticket.js';
import { requestBody } from './request-body.js';
import { TaoPresenter, type PresentAs, type PresentResult } from './presenter.js';
import { reconcileOpenIntents } from './recover.js';
import type { CurrentValueReader, Refused, Verdict, WriteRequest } from './types.js';

export interface GateOptions {
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly ledger: GateLedger;
  readonly governance: GovernancePort;
  readonly readCurrent?: CurrentValueReader;
  readonly log?: GateLogger;
  /** Clock in ms since epoch (tests inject one). */
  readonly now?: () => number;
  readonly observe?: GateObserver;
  /** Overrides profile.defaults.governanceDeadlineMs. */
  readonly governanceDeadlineMs?: number;
}

export class Gate {
  readonly staged = new StagedTaos();
  private readonly lastAuthorized = new Map<string, number>();
  private readonly log: GateLogger;
  private readonly now: () => number;
  private readCurrent: CurrentValueReader | undefined;
  private readonly presenter: TaoPresenter;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly opts: GateOptions) {
    this.log = opts.log ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.readCurrent = opts.readCurrent;
    this.presenter = new TaoPresenter({ profile: opts.profile, trust: opts.trust, ledger: opts.ledger, staged: this.staged, now: this.now, log: this.log });
  }

  /** Restores staged TAOs, reconciles open intents, starts the expiry sweeper. */
  async start(opts: { sweepMs?: number } = {}): Promise<void> {
    const restored = await this.presenter.restore();
    const reconciled = await reconcileOpenIntents(this.opts.ledger, this.profile, this.readCurrent, this.log);
    this.log.info({ staged: restored, ...reconciled }, 'gate started');
    this.sweeper = setInterval(() => void this.presenter.sweep(), opts.sweepMs ?? 1000);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Stages a pre-issued TAO; see TaoPresenter (`as`: the authenticated presenter, when the channel knows it). */
  present(input: unknown, source: string, as?: PresentAs): Promise<PresentResult> {
    return this.presenter.present(input, source, as);
  }

  /** Voids expired staged TAOs now (the sweeper does this every second). */
  sweepStaged(): Promise<number> {
    return this.presenter.sweep();
  }

  get profile(): Profile {
    return this.opts.profile;
  }

  /** Fronts that can read the PLC register their reader here. */
  setCurrentValueReader(reader: CurrentValueReader): void {
    this.readCurrent = reader;
  }

  async authorize(req: WriteRequest): Promise<Verdict> {
    try {
      return await this.decide(req);
    } catch (err) {
      const code: RefusalCode = err instanceof Refusal ? err.code : 'internal_error';
      this.log.error({ req: req.id, err: (err as Error).message, code }, 'gate failed closed');
      return this.refuse(req, code, `${(err as Error).message}`);
    }
  }

  private async decide(req: WriteRequest): Promise<Verdict> {
    const actor = req.actor === null ? undefined : this.profile.actors.get(req.actor);
    if (!actor) return this.refuse(req, 'unknown_actor', `source ${req.source} is not identified as a profile actor`);

    const tag = req.op === 'write' ? this.profile.tags.get(req.target) : undefined;
    const current = tag?.maxStep !== undefined ? await this.currentValue(req.target) : undefined;
    const proposal: Proposal = { actor: actor.id, op: req.op, target: req.target, value: req.value, args: req.args, current };

    // The gateway's own hard limits first: cheap, and no proposal leaves for a write it would refuse anyway.
    const local = evaluate(proposal, this.profile, this.now(), { lastIssuedAt: (t) => this.lastAuthorized.get(t) });
    if (local.decision === 'deny') return this.refuse(req, local.code, local.reason);
    if (tag?.maxStep !== undefined && current === undefined) {
      return this.refuse(req, 'internal_error', `could not read the current value of ${req.target} for the step check`);
    }
    const rule: ApprovalRule = approvalRuleOf(this.profile, req.op, req.target) ?? { count: 0, roles: [] };
    const expect = this.expectedScope(req, actor, tag);

    const staged = this.staged.take(actor.id, req.op, req.target, (v, a) => scopeMatches(req, expect, v, a));
    if (staged) {
      const checked = await this.verify(staged.envelope, expect, rule);
      if (!checked.ok) return this.refuse(req, checked.code, `staged TAO ${staged.jti}: ${checked.reason}`, staged.jti);
      return this.consume(req, actor, checked.tao, checked.envelope, { unstage: staged.jti }, 'staged');
    }

    const started = performance.now();
    let decision;
    try {
      decision = await this.opts.governance.propose(proposal, this.opts.governanceDeadlineMs ?? this.profile.defaults.governanceDeadlineMs);
    } catch (err) {
      if (err instanceof GovernanceUnavailable) return this.refuse(req, err.code, err.message);
      throw err;
    }
    const governanceMs = performance.now() - started;
    if (decision.decision === 'deny') return this.refuse(req, decision.code, decision.reason);
    if (decision.decision === 'pending') {
      const { have, need } = decision.approvals;
      return this.refuse(req, 'approval_pending', `waiting for approvals (${have}/${need}), request ${decision.request}`, undefined, decision.request);
    }
    // No consumed pre-read: the ledger's consume in the intent batch is the authoritative check.
    const checked = await this.verify(decision.tao, expect, rule);
    if (!checked.ok) return this.refuse(req, checked.code, `governance TAO: ${checked.reason}`);
    return this.consume(req, actor, checked.tao, checked.envelope, { consume: checked.tao.jti }, 'inline', governanceMs);
  }

  private async consume(
    req: WriteRequest,
    actor: ActorPolicy,
    tao: TaoPayload,
    envelope: Envelope,
    opts: { consume?: string; unstage?: string },
    path: 'staged' | 'inline',
    governanceMs?: number,
  ): Promise<Verdict> {
    const body: Json = {
      ...requestBody(req),
      role: actor.role,
      actorKind: actor.kind,
      jti: tao.jti,
      path,
      approvals: tao.approvals.map((a) => a.approver),
      tao: envelope as unknown as Json,
    };
    let receipt;
    try {
      receipt = await this.opts.ledger.append('intent', body, opts);
    } catch (err) {
      const code: RefusalCode = err instanceof Refusal ? err.code : 'ledger_unavailable';
      return this.refuse(req, code, code === 'consumed' ? `TAO ${tao.jti} was already used` : `intent receipt not durable: ${(err as Error).message}`, tao.jti);
    }
    this.lastAuthorized.set(req.target, this.now());
    this.log.info({ req: req.id, jti: tao.jti, actor: actor.id, target: req.target, value: req.value, seq: receipt.seq, path }, 'write authorized');
    this.opts.observe?.({ protocol: req.protocol, outcome: 'allowed', governanceMs });
    return { allowed: true, ticket: openTicket(this.opts.ledger, req, tao.jti, receipt.seq, this.log, this.opts.observe) };
  }

  private async verify(input: Envelope | string, expect: ExpectedScope, rule: ApprovalRule) {
    return verifyTao(input, {
      trust: this.opts.trust,
      nowSeconds: Math.floor(this.now() / 1000),
      audience: this.profile.gateway.id,
      skewSeconds: this.profile.defaults.clockSkewS,
      expect,
      policyHash: this.profile.policyHash,
      approvalRule: rule,
    });
  }

  private expectedScope(req: WriteRequest, actor: ActorPolicy, tag: TagPolicy | undefined): ExpectedScope {
    return {
      sub: actor.id,
      op: req.op,
      target: req.target,
      value: req.value,
      args: req.args,
      valueEquals: tag ? (a, b) => valuesEqual(tag.type, a, b) : undefined,
    };
  }

  private async currentValue(tag: string): Promise<string | undefined> {
    if (!this.readCurrent) return undefined;
    try {
      return await this.readCurrent(tag);
    } catch (err) {
      this.log.warn({ tag, err: (err as Error).message }, 'current value read failed');
      return undefined;
    }
  }

  /** Appends a denied receipt (best effort: a refusal stands even if the ledger fails) and builds the verdict. */
  async refuse(req: WriteRequest, code: RefusalCode, reason: string, jti?: string, request?: string): Promise<Refused> {
    let receiptSeq: number | undefined;
    try {
      const receipt = await this.opts.ledger.append('denied', { ...requestBody(req), code, reason, ...(jti ? { jti } : {}), ...(request ? { approvalRequest: request } : {}) });
      receiptSeq = receipt.seq;
    } catch (err) {
      this.log.error({ req: req.id, err: (err as Error).message }, 'denied receipt could not be written');
    }
    this.log.info({ req: req.id, jti, actor: req.actor, target: req.target, value: req.value, code, reason }, 'write refused');
    this.opts.observe?.({ protocol: req.protocol, outcome: 'refused', code });
    return { allowed: false, code, reason, request, receiptSeq };
  }
}

/** Does a staged TAO's scope value (or call arguments) match this request? */
function scopeMatches(req: WriteRequest, expect: ExpectedScope, value: string, args: readonly string[] | undefined): boolean {
  if (req.op === 'call') return sameArgs(args ?? [], req.args ?? []);
  return expect.valueEquals !== undefined && expect.valueEquals(value, req.value);
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
