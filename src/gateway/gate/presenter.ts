/**
 * Staging of pre-issued TAOs (`taogate tao present`, OPC UA PresentTAO).
 * A presented TAO is verified at once (forged, expired, other gateway, other
 * policy, already consumed: refused with its code), then its jti is consumed
 * in the same synced batch as a `staged` receipt. Unused TAOs are voided
 * with a receipt when they expire; staged TAOs survive a restart.
 */
import type { Json } from '../../crypto/canonical.js';
import { approvalRuleOf } from '../../policy/evaluate.js';
import type { Profile } from '../../policy/types.js';
import { parseEnvelope } from '../../tao/envelope.js';
import { Refusal, type RefusalCode } from '../../refusal/codes.js';
import type { TrustStore } from '../../tao/truststore.js';
import { verifyTao } from '../../tao/verify.js';
import type { GateLedger, GateLogger } from './ports.js';
import type { StagedTaos } from './staged.js';

export type PresentResult =
  | { readonly ok: true; readonly jti: string; readonly exp: number; readonly seq: number }
  | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

/**
 * Who is presenting, when the channel authenticates them (OPC UA sessions).
 * `actor: null` = an unauthenticated presenter: refused unknown_actor. A
 * TAO whose subject is not `actor` is refused scope_mismatch, before it is
 * consumed. Omitted (MQTT staging): the TAO's own signature is the proof.
 */
export interface PresentAs {
  readonly actor: string | null;
}

export interface PresenterDeps {
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly ledger: GateLedger;
  readonly staged: StagedTaos;
  readonly now: () => number;
  readonly log: GateLogger;
}

export class TaoPresenter {
  constructor(private readonly deps: PresenterDeps) {}

  async present(input: unknown, source: string, as?: PresentAs): Promise<PresentResult> {
    const { profile, trust, ledger, now, log } = this.deps;
    if (as && as.actor === null) return this.refuse(input, source, 'unknown_actor', 'only a session authenticated as a profile actor may present a TAO');
    const nowSeconds = Math.floor(now() / 1000);
    const result = await verifyTao(input, {
      trust,
      nowSeconds,
      audience: profile.gateway.id,
      skewSeconds: profile.defaults.clockSkewS,
      policyHash: profile.policyHash,
      approvalRuleFor: (target, op) => approvalRuleOf(profile, op, target),
      isConsumed: (jti) => ledger.isConsumed(jti),
    });
    if (!result.ok) return this.refuse(input, source, result.code, result.reason);
    const { tao, envelope } = result;
    if (!profile.actors.has(tao.sub)) return this.refuse(input, source, 'unknown_actor', `TAO subject ${tao.sub} is not an actor of this gateway`);
    if (as && as.actor !== tao.sub) return this.refuse(input, source, 'scope_mismatch', `TAO subject ${tao.sub} is not the presenting actor ${as.actor}`);
    const envelopeText = JSON.stringify(envelope);
    const body: Json = { source, actor: tao.sub, op: tao.scope.op, target: tao.scope.target, value: tao.scope.value, jti: tao.jti, exp: tao.exp, tao: envelope as unknown as Json };
    try {
      const receipt = await ledger.append('staged', body, { consume: tao.jti, stage: { jti: tao.jti, envelope: envelopeText, exp: tao.exp } });
      this.deps.staged.add({ jti: tao.jti, envelope: envelopeText, payload: tao, exp: tao.exp, seq: receipt.seq });
      log.info({ jti: tao.jti, actor: tao.sub, target: tao.scope.target, value: tao.scope.value, seq: receipt.seq }, 'TAO staged');
      return { ok: true, jti: tao.jti, exp: tao.exp, seq: receipt.seq };
    } catch (err) {
      const code: RefusalCode = err instanceof Refusal ? err.code : 'ledger_unavailable';
      return this.refuse(input, source, code, code === 'consumed' ? `TAO ${tao.jti} was already presented or used` : (err as Error).message);
    }
  }

  /** Voids, with a receipt each, staged TAOs that expired unused. */
  async sweep(): Promise<number> {
    const expired = this.deps.staged.takeExpired(Math.floor(this.deps.now() / 1000));
    for (const tao of expired) {
      try {
        await this.deps.ledger.append(
          'voided',
          { jti: tao.jti, staged: tao.seq, actor: tao.payload.sub, target: tao.payload.scope.target, value: tao.payload.scope.value, reason: 'staged TAO expired unused' },
          { unstage: tao.jti },
        );
        this.deps.log.info({ jti: tao.jti }, 'staged TAO expired unused: voided');
      } catch (err) {
        this.deps.staged.add(tao); // retry on the next sweep
        this.deps.log.error({ jti: tao.jti, err: (err as Error).message }, 'could not void expired staged TAO');
      }
    }
    return expired.length;
  }

  /** Reloads staged TAOs from the ledger after a restart. */
  async restore(): Promise<number> {
    const rows = await this.deps.ledger.stagedTaos();
    for (const row of rows) {
      try {
        const envelope = parseEnvelope(row.envelope);
        const payload = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as import('../../tao/payload.js').TaoPayload;
        this.deps.staged.add({ jti: row.jti, envelope: row.envelope, payload, exp: row.exp, seq: row.seq });
      } catch (err) {
        this.deps.log.error({ jti: row.jti, err: (err as Error).message }, 'unreadable staged TAO skipped');
      }
    }
    return rows.length;
  }

  private async refuse(input: unknown, source: string, code: RefusalCode, reason: string): Promise<PresentResult> {
    const jti = jtiOf(input);
    try {
      await this.deps.ledger.append('denied', { op: 'present', source, code, reason, ...(jti ? { jti } : {}) });
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'denied receipt could not be written');
    }
    this.deps.log.info({ jti, code, reason, source }, 'TAO presentation refused');
    return { ok: false, code, reason };
  }
}

/** Best-effort jti of an untrusted envelope, for the denied receipt only. */
function jtiOf(input: unknown): string | undefined {
  try {
    const env = parseEnvelope(input);
    const payload = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { jti?: unknown };
    return typeof payload.jti === 'string' && /^[0-9a-f]{32}$/.test(payload.jti) ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}
