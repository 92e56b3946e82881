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
 * Every refusal appends a denied receipt (beyond a per-source burst, counted
 * into a denied_summary receipt: ./refusal-recorder.ts). Every error fails
 * closed. No write is decided before start() has reconciled the intents
 * that earlier runs left open (./recover.ts).
 */
import type { Json } from '../../crypto/canonical.js';
import { approvalRuleOf, evaluate } from '../../policy/evaluate.js';
import type { ActorPolicy, ApprovalRule, Profile, Proposal, TagPolicy } from '../../policy/types.js';
import { valuesEqual } from '../../policy/values.js';
import type { Envelope } from '../../tao/envelope.js';
import type { TaoPayload } from '../../tao/payload.js';
import { Refusal, type RefusalCode } from '../../refusal/codes.js';
import { checkSignedMessage, MESSAGE_TYPES, NonceCache } from '../../tao/signed.js';
import type { TrustStore } from '../../tao/truststore.js';
import { verifyTao, type ExpectedScope } from '../../tao/verify.js';
import { GovernanceUnavailable, silentLogger, type GateLedger, type GateLogger, type GateObserver, type GovernancePort } from './ports.js';
import { StagedTaos } from './staged.js';
import { openTicket } from './ticket.js';
import { requestBody } from './request-body.js';
import { TaoPresenter, type PresentAs, type PresentResult } from './presenter.js';
import { BreakGlass } from './breakglass.js';
import { reconcileOpenIntents } from './recover.js';
import { RateGuard } from './rate.js';
import { RefusalRecorder, sourceKeyOf, type RefusalRecorderOptions } from './refusal-recorder.js';
import { INDETERMINATE_PREFIX, IndeterminateIndex, indeterminateKey, type OpenIndeterminate } from './indeterminate.js';
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
  /** Per-source refusal burst and summary interval. */
  readonly refusals?: RefusalRecorderOptions;
}

export type SettleResult = { readonly ok: true; readonly seq: number; readonly intent: number } | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

export class Gate {
  readonly staged = new StagedTaos();
  /** Open indeterminate outcomes (an alarm until a person settles each). */
  readonly indeterminates = new IndeterminateIndex();
  readonly refusals: RefusalRecorder;
  /** The break-glass window (./breakglass.ts). */
  readonly breakglass: BreakGlass;
  private readonly rate: RateGuard;
  private readonly settleNonces = new NonceCache(10_000);
  private opening: Promise<void> | undefined;
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
    this.rate = new RateGuard(opts.profile);
    this.refusals = new RefusalRecorder(opts.ledger, this.now, this.log, opts.refusals);
    this.breakglass = new BreakGlass({ profile: opts.profile, trust: opts.trust, ledger: opts.ledger, now: this.now, log: this.log, indeterminates: this.indeterminates, observe: opts.observe });
  }

  /**
   * Opens the gate: restores staged TAOs, loads the open indeterminate
   * outcomes and the rate-limit history, then reconciles the intents that
   * were open before this run (read once, here, before any write of this run
   * can exist). Every authorize() and present() waits until this is done, so
   * fronts may listen meanwhile (reads pass). `readsReady`: the PLC reads the
   * reconciliation needs (the fronts' PLC links) are up.
   */
  start(opts: { sweepMs?: number; readsReady?: Promise<unknown> } = {}): Promise<void> {
    this.opening ??= this.open(opts);
    return this.opening;
  }

  private async open(opts: { sweepMs?: number; readsReady?: Promise<unknown> }): Promise<void> {
    const ledger = this.opts.ledger;
    const open = await ledger.openIntents();
    const restored = await this.presenter.restore();
    const indeterminate = await this.indeterminates.load(ledger.sideEntries(INDETERMINATE_PREFIX));
    const rate = await this.rate.recover(ledger, this.now());
    await this.breakglass.recover();
    await opts.readsReady?.catch(() => undefined);
    const reconciled = await reconcileOpenIntents(ledger, open, this.profile, this.readCurrent, this.log, this.indeterminates);
    this.log.info({ staged: restored, openIndeterminate: indeterminate, rateTargets: rate.targets, ...reconciled }, 'gate started');
    if (this.indeterminates.size > 0) this.log.error({ open: this.indeterminates.list().map((e) => e.intent) }, 'indeterminate outcomes need settling (taogate ledger settle)');
    this.sweeper = setInterval(() => void this.presenter.sweep(), opts.sweepMs ?? 1000);
    this.sweeper.unref();
    this.refusals.start();
  }

  /** Stops the sweeper and writes the pending refusal summaries. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.breakglass.stop();
    await this.refusals.stop();
  }

  /** Stages a pre-issued TAO; see TaoPresenter (`as`: the authenticated presenter, when the channel knows it). */
  async present(input: unknown, source: string, as?: PresentAs): Promise<PresentResult> {
    const problem = await this.opened();
    if (problem) return { ok: false, code: 'internal_error', reason: problem };
    return this.presenter.present(input, source, as);
  }

  /**
   * Settles an open indeterminate outcome with a person's signed statement
   * (`taogate ledger settle`): a `settled` receipt that carries the statement
   * and closes the alarm. The signer must be an approver key in the trust
   * store and a human actor of the profile.
   */
  async settle(signed: unknown): Promise<SettleResult> {
    const problem = await this.opened();
    if (problem) return { ok: false, code: 'internal_error', reason: problem };
    const nowSeconds = Math.floor(this.now() / 1000);
    const checked = checkSignedMessage(signed, {
      trust: this.opts.trust,
      typ: MESSAGE_TYPES.settle,
      role: 'approver',
      expectedSigner: (msg) => (typeof msg.by === 'string' ? msg.by : undefined),
      nowSeconds,
      maxAgeSeconds: 300,
      nonces: this.settleNonces,
    });
    if (!checked.ok) return checked;
    const { msg } = checked;
    if (msg.gateway !== this.profile.gateway.id) return { ok: false, code: 'wrong_audience', reason: `the settlement is for gateway ${String(msg.gateway)}, this is ${this.profile.gateway.id}` };
    const person = this.profile.approvers.get(checked.signer);
    if (!person) return { ok: false, code: 'role_not_allowed', reason: `${checked.signer} is not an approver of this profile` };
    const intent = typeof msg.seq === 'number' ? await this.intentOf(msg.seq) : undefined;
    const outcome = msg.outcome;
    const reason = msg.reason;
    if (typeof intent !== 'number' || (outcome !== 'committed' && outcome !== 'voided') || typeof reason !== 'string' || reason.trim().length === 0) {
      return { ok: false, code: 'malformed', reason: 'a settlement names {seq, outcome: committed|voided, reason: text}' };
    }
    const open: OpenIndeterminate | undefined = this.indeterminates.get(intent);
    if (!open) return { ok: false, code: 'unknown_request', reason: `intent ${intent} has no open indeterminate outcome` };
    const receipt = await this.opts.ledger.append(
      'settled',
      { intent, outcome, target: open.target, value: open.value, by: checked.signer, role: person.role, reason: reason.slice(0, 512), statement: signed as Json },
      { mark: { clear: indeterminateKey(intent) } },
    );
    this.indeterminates.settled(intent);
    this.log.warn({ intent, outcome, by: checked.signer, seq: receipt.seq }, 'indeterminate outcome settled');
    this.opts.observe?.({ protocol: 'cli', outcome: 'settled', target: open.target });
    return { ok: true, seq: receipt.seq, intent };
  }

  /** The intent a settlement names: the intent itself, or the intent of an indeterminate receipt. */
  private async intentOf(seq: number): Promise<number> {
    if (this.indeterminates.get(seq)) return seq;
    for await (const r of this.opts.ledger.iterate({ from: seq, to: seq })) {
      const body = r.body as { intent?: unknown } | null;
      if (r.kind === 'indeterminate' && body && typeof body.intent === 'number') return body.intent;
    }
    return seq;
  }

  /** Waits for start(); a failed start is a reason to refuse. */
  private async opened(): Promise<string | undefined> {
    if (!this.opening) return undefined;
    try {
      await this.opening;
      return undefined;
    } catch (err) {
      return `the gate did not open: ${(err as Error).message}`;
    }
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
    const problem = await this.opened();
    if (problem) return this.refuse(req, 'internal_error', problem);
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
    const needCurrent = tag !== undefined && (tag.maxStep !== undefined || this.staged.hasConditional(actor.id, req.target));
    const current = needCurrent ? await this.currentValue(req.target) : undefined;
    const proposal: Proposal = { actor: actor.id, op: req.op, target: req.target, value: req.value, args: req.args, current };

    // The gateway's own hard limits first: cheap, and no proposal leaves for a write it would refuse anyway.
    const local = evaluate(proposal, this.profile, this.now(), { lastIssuedAt: (t) => this.rate.lastAuthorized(t) });
    if (local.decision === 'deny') return this.refuse(req, local.code, local.reason);
    if (tag?.maxStep !== undefined && current === undefined) {
      return this.refuse(req, 'internal_error', `could not read the current value of ${req.target} for the step check`);
    }
    // Check-and-set of the minimum interval: held from here until the intent is durable.
    if (!this.rate.reserve(req.target)) return this.refuse(req, 'rate_limited', `another write to ${req.target} is being authorized; the minimum interval is ${this.rate.intervalOf(req.target)} ms`);
    try {
      const verdict = await this.decideReserved(req, actor, tag, proposal, current);
      if (!verdict.allowed) this.rate.release(req.target);
      return verdict;
    } catch (err) {
      this.rate.release(req.target);
      throw err;
    }
  }

  private async decideReserved(req: WriteRequest, actor: ActorPolicy, tag: TagPolicy | undefined, proposal: Proposal, current: string | undefined): Promise<Verdict> {
    const rule: ApprovalRule = approvalRuleOf(this.profile, req.op, req.target) ?? { count: 0, roles: [] };
    const expect = { ...this.expectedScope(req, actor, tag), ...(current !== undefined ? { current } : {}) };

    // A conditional staged TAO (scope.expect) applies only while the PLC holds the value it expects:
    // otherwise it is not taken, and stays staged.
    const staged = this.staged.take(actor.id, req.op, req.target, (scope) => scopeMatches(req, expect, scope));
    if (staged) {
      const checked = await this.verify(staged.envelope, expect, rule);
      if (!checked.ok) return this.refuse(req, checked.code, `staged TAO ${staged.jti}: ${checked.reason}`, staged.jti);
      return this.consume(req, actor, checked.tao, checked.envelope, { unstage: staged.jti }, 'staged');
    }

    // Break-glass: an open window that covers this write forwards it without a TAO (the hard limits passed above).
    if (this.breakglass.covers(req)) return this.breakglass.authorize(req, actor, () => this.rate.authorized(req.target, this.now()), (code, reason) => this.refuse(req, code, reason));

    const started = performance.now();
    let decision;
    try {
      decision = await this.opts.governance.propose(proposal, this.opts.governanceDeadlineMs ?? this.profile.defaults.governanceDeadlineMs, req.id);
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
    this.rate.authorized(req.target, this.now());
    this.log.info({ req: req.id, jti: tao.jti, actor: actor.id, target: req.target, value: req.value, seq: receipt.seq, path }, 'write authorized');
    this.opts.observe?.({ protocol: req.protocol, outcome: 'allowed', governanceMs, target: req.target, actorKind: actor.kind });
    return { allowed: true, ticket: openTicket(this.opts.ledger, req, tao.jti, receipt.seq, this.log, this.opts.observe, this.indeterminates) };
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

  /**
   * Appends a denied receipt (best effort: a refusal stands even if the ledger
   * fails) and builds the verdict. Beyond the per-source burst the refusal is
   * counted into the interval's denied_summary receipt instead.
   */
  async refuse(req: WriteRequest, code: RefusalCode, reason: string, jti?: string, request?: string): Promise<Refused> {
    let receiptSeq: number | undefined;
    // A refusal that consumed or names a TAO is always its own receipt.
    if (jti !== undefined || request !== undefined || this.refusals.admit(sourceKeyOf(req), code, req.target)) {
      try {
        const receipt = await this.opts.ledger.append('denied', { ...requestBody(req), code, reason, ...(jti ? { jti } : {}), ...(request ? { approvalRequest: request } : {}) });
        receiptSeq = receipt.seq;
      } catch (err) {
        this.log.error({ req: req.id, err: (err as Error).message }, 'denied receipt could not be written');
      }
      this.log.info({ req: req.id, jti, actor: req.actor, target: req.target, value: req.value, code, reason }, 'write refused');
    } else {
      this.log.debug({ req: req.id, actor: req.actor, source: req.source, target: req.target, code }, 'write refused (counted in the summary)');
    }
    // Only profile names become metric labels (a refused write may name any address).
    const known = this.profile.tags.has(req.target) || this.profile.methods.has(req.target);
    const actorKind = req.actor === null ? undefined : this.profile.actors.get(req.actor)?.kind;
    this.opts.observe?.({ protocol: req.protocol, outcome: 'refused', code, ...(known ? { target: req.target } : {}), ...(actorKind ? { actorKind } : {}) });
    return { allowed: false, code, reason, request, receiptSeq };
  }
}

/** Does a staged TAO's scope (value, call arguments, condition) match this request? */
function scopeMatches(req: WriteRequest, expect: ExpectedScope, scope: TaoPayload['scope']): boolean {
  if (req.op === 'call') return sameArgs(scope.args ?? [], req.args ?? []);
  const eq = expect.valueEquals;
  if (eq === undefined || !eq(scope.value, req.value)) return false;
  return scope.expect === undefined || (expect.current !== undefined && eq(scope.expect, expect.current));
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
