/**
 * Pre-issued TAOs staged at this gateway ("tao present"). Staging consumes
 * the TAO's jti in the ledger at once, so a TAO can be presented only once;
 * the next matching write takes it out of this set. A staged TAO that
 * expires unused is voided with a receipt by the gate's sweeper.
 */
import type { TaoPayload } from '../../tao/payload.js';

export interface StagedTao {
  readonly jti: string;
  readonly envelope: string;
  readonly payload: TaoPayload;
  /** Expiry, seconds since epoch. */
  readonly exp: number;
  readonly seq: number;
}

export class StagedTaos {
  private readonly byJti = new Map<string, StagedTao>();

  add(tao: StagedTao): void {
    this.byJti.set(tao.jti, tao);
  }

  get size(): number {
    return this.byJti.size;
  }

  /**
   * Takes (removes and returns) the first staged TAO for this actor and target
   * whose value matches, so two concurrent writes can never share one TAO.
   */
  take(actor: string, op: 'write' | 'call', target: string, matches: (scope: TaoPayload['scope']) => boolean): StagedTao | undefined {
    for (const tao of this.byJti.values()) {
      const { sub, scope } = tao.payload;
      if (sub === actor && scope.op === op && scope.target === target && matches(scope)) {
        this.byJti.delete(tao.jti);
        return tao;
      }
    }
    return undefined;
  }

  /** True when a staged TAO for this actor and target is conditional (scope.expect): the gate must read the current value. */
  hasConditional(actor: string, target: string): boolean {
    for (const tao of this.byJti.values()) if (tao.payload.sub === actor && tao.payload.scope.target === target && tao.payload.scope.expect !== undefined) return true;
    return false;
  }

  /** Removes and returns every staged TAO that expired before nowSeconds. */
  takeExpired(nowSeconds: number): StagedTao[] {
    const expired: StagedTao[] = [];
    for (const tao of this.byJti.values()) {
      if (tao.exp < nowSeconds) {
        this.byJti.delete(tao.jti);
        expired.push(tao);
      }
    }
    return expired;
  }

  list(): StagedTao[] {
    return [...this.byJti.values()];
  }
}
