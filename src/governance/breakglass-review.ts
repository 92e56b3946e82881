/**
 * The break-glass review list at governance: every window the upstream's
 * feed brought in (src/governance/breakglass-intake.ts), with its writes,
 * outcomes and review state, and the recording of a supervisor's signed
 * review (`taogate breakglass review --ack`). Who may review and when a
 * window counts as reviewed: src/breakglass/review-rule.ts.
 *
 * A review is a signed message (src/tao/signed.ts, typ
 * taogate.breakglass-review.v1) by the reviewer's approver key:
 *   { gateway, grant, by, digest, note }
 * where digest is the window's digest as listed (src/breakglass/windows.ts):
 * a window that changed since it was listed (a late outcome arrived) must
 * be listed and signed again.
 */
import type { Json } from '../crypto/canonical.js';
import { buildWindows, type BreakglassWindow } from '../breakglass/windows.js';
import { reviewNeed, reviewState, type ReviewEntry, type ReviewState } from '../breakglass/review-rule.js';
import type { Profile } from '../policy/types.js';
import type { RefusalCode } from '../refusal/codes.js';
import { DEFAULT_GRANT_RULE } from '../tao/grant.js';
import { checkSignedMessage, MESSAGE_TYPES, NonceCache, type SignedMessage } from '../tao/signed.js';
import type { TrustStore } from '../tao/truststore.js';
import type { BreakglassStore } from './breakglass-store.js';

export interface WindowView extends BreakglassWindow {
  readonly state: ReviewState;
  /** What the review still needs ('' when reviewed). */
  readonly need: string;
  readonly reviews: readonly ReviewEntry[];
}

export type ReviewResult =
  | { readonly ok: true; readonly gateway: string; readonly grant: string; readonly state: ReviewState; readonly need: string; readonly reviews: readonly ReviewEntry[] }
  | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

export interface BreakglassReviewsOptions {
  readonly store: BreakglassStore;
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly now: () => number;
}

/** How old a signed review may be when it arrives (seconds). */
const MAX_REVIEW_AGE_S = 300;

const fail = (code: RefusalCode, reason: string): ReviewResult => ({ ok: false, code, reason });

export class BreakglassReviews {
  private readonly nonces = new NonceCache(10_000);
  private cache: Promise<WindowView[]> | undefined;
  private unreviewedCount = 0;
  private generation = 0;

  constructor(private readonly o: BreakglassReviewsOptions) {}

  /** Every window of every gateway, oldest first (pending: only those not reviewed yet). */
  async list(opts: { pending?: boolean } = {}): Promise<WindowView[]> {
    this.cache ??= this.build(++this.generation);
    const all = await this.cache;
    return opts.pending ? all.filter((w) => w.state !== 'reviewed') : all;
  }

  /** Windows not reviewed yet (open ones included), as of the last list. */
  unreviewed(): number {
    return this.unreviewedCount;
  }

  /** New receipts or a review: the list is built again. */
  changed(): void {
    this.cache = undefined;
    void this.list().catch(() => undefined);
  }

  async review(signed: unknown): Promise<ReviewResult> {
    const nowMs = this.o.now();
    const checked = checkSignedMessage(signed, {
      trust: this.o.trust,
      typ: MESSAGE_TYPES.breakglassReview,
      role: 'approver',
      expectedSigner: (msg) => (typeof msg.by === 'string' ? msg.by : undefined),
      nowSeconds: Math.floor(nowMs / 1000),
      maxAgeSeconds: MAX_REVIEW_AGE_S,
      nonces: this.nonces,
    });
    if (!checked.ok) return checked;
    const { msg } = checked;
    const { gateway, grant, digest, note } = msg;
    if (typeof gateway !== 'string' || typeof grant !== 'string' || typeof digest !== 'string' || typeof note !== 'string' || note.trim().length === 0 || note.length > 512) {
      return fail('malformed', 'a review names {gateway, grant, digest, note: 1 to 512 characters}');
    }
    const rule = this.o.profile.breakglass ?? DEFAULT_GRANT_RULE;
    const person = this.o.profile.approvers.get(checked.signer);
    const key = this.o.trust.get((signed as SignedMessage).kid);
    if (!person || !rule.roles.includes(person.role) || (key?.approverRole !== undefined && key.approverRole !== person.role)) {
      return fail('role_not_allowed', `${checked.signer} may not review break-glass windows (roles allowed: ${rule.roles.join(', ')})`);
    }
    const w = (await this.list()).find((x) => x.gateway === gateway && x.grant === grant);
    if (!w) return fail('unknown_request', `no break-glass window ${grant} of gateway ${gateway} is held`);
    if (!w.close) return fail('not_yet_valid', `break-glass window ${grant} is still open: review it after it closes`);
    if (digest !== w.digest) return fail('bad_approval', `window ${grant} changed since it was listed (digest ${digest}, now ${w.digest}): list it again and review what it holds now`);
    if (await this.o.store.hasReview(gateway, grant, checked.signer)) return fail('duplicate_approver', `${checked.signer} already reviewed window ${grant}`);
    await this.o.store.putReview({
      gateway,
      grant,
      by: checked.signer,
      role: person.role,
      note: note.trim(),
      ts: msg.ts,
      digest,
      independent: !w.signers.includes(checked.signer),
      recordedAt: nowMs,
      statement: signed as Json,
    });
    this.changed();
    const now = (await this.list()).find((x) => x.gateway === gateway && x.grant === grant)!;
    return { ok: true, gateway, grant, state: now.state, need: now.need, reviews: now.reviews };
  }

  private async build(generation: number): Promise<WindowView[]> {
    const reviews = await this.o.store.reviews();
    const out: WindowView[] = [];
    for (const gateway of this.o.store.gateways()) {
      for (const w of buildWindows(gateway, await this.o.store.receipts(gateway))) {
        const mine: ReviewEntry[] = reviews
          .filter((r) => r.gateway === gateway && r.grant === w.grant)
          .map(({ by, role, note, ts, digest, independent }) => ({ by, role, note, ts, digest, independent }))
          .sort((a, b) => a.ts - b.ts);
        const state = reviewState(w.close !== undefined, mine);
        out.push({ ...w, state, need: reviewNeed(state, mine), reviews: mine });
      }
    }
    out.sort((a, b) => (a.open?.ts ?? a.writes[0]?.ts ?? 0) - (b.open?.ts ?? b.writes[0]?.ts ?? 0));
    if (generation === this.generation) this.unreviewedCount = out.filter((w) => w.state !== 'reviewed').length;
    return out;
  }
}
