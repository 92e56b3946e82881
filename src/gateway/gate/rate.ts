/**
 * Minimum intervals between authorized writes of one target (tag or method),
 * enforced by the gate as a hard limit.
 *
 * - Atomic: a target with a minimum interval holds a reservation from the
 *   moment its limit check passes until its intent receipt is durable (or
 *   the write is refused). A second write to that target meanwhile is
 *   refused `rate_limited`, so two staged TAOs used at the same moment can
 *   never both pass.
 * - Survives restarts: at start the gate recovers the last authorized time
 *   of every rate-limited target from the intent receipts in the ledger,
 *   reading back only as far as the longest interval reaches.
 */
import type { Json } from '../../crypto/canonical.js';
import type { Profile } from '../../policy/types.js';

/** What recovery reads: receipts in seq order over a range. */
export interface RateLedger {
  readonly head: { readonly seq: number };
  iterate(opts: { from?: number; to?: number }): AsyncIterable<{ readonly seq: number; readonly ts: number; readonly kind: string; readonly body: Json }>;
}

const CHUNK = 512;

export class RateGuard {
  private readonly last = new Map<string, number>();
  private readonly inflight = new Set<string>();

  constructor(private readonly profile: Profile) {}

  /** The minimum interval of a target, 0 when it has none. */
  intervalOf(target: string): number {
    return this.profile.tags.get(target)?.minIntervalMs ?? this.profile.methods.get(target)?.minIntervalMs ?? 0;
  }

  /** Last authorized time (ms) of a target, for the policy's min-interval check. */
  lastAuthorized(target: string): number | undefined {
    return this.last.get(target);
  }

  /**
   * Takes the target's reservation; false when another write to it is between
   * its limit check and its intent receipt. Targets without an interval
   * always succeed (and hold nothing).
   */
  reserve(target: string): boolean {
    if (this.intervalOf(target) <= 0) return true;
    if (this.inflight.has(target)) return false;
    this.inflight.add(target);
    return true;
  }

  /** The write's intent is durable at `atMs`: the interval starts now; the reservation ends. */
  authorized(target: string, atMs: number): void {
    this.last.set(target, atMs);
    this.inflight.delete(target);
  }

  /** The write was refused after its reservation: release it. */
  release(target: string): void {
    this.inflight.delete(target);
  }

  /**
   * Recovers the last authorized time per rate-limited target from intent
   * receipts no older than the longest interval. Returns how many targets
   * were recovered and how many receipts were read.
   */
  async recover(ledger: RateLedger, nowMs: number): Promise<{ targets: number; read: number }> {
    const intervals = [...this.profile.tags.values(), ...this.profile.methods.values()].map((t) => t.minIntervalMs);
    const longest = Math.max(0, ...intervals);
    if (longest <= 0) return { targets: 0, read: 0 };
    const cutoff = nowMs - longest;
    let read = 0;
    for (let to = ledger.head.seq; to >= 0; to -= CHUNK) {
      const chunk: { ts: number; kind: string; body: Json }[] = [];
      for await (const r of ledger.iterate({ from: Math.max(0, to - CHUNK + 1), to })) chunk.push(r);
      read += chunk.length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        const r = chunk[i]!;
        if (r.ts < cutoff) return { targets: this.last.size, read };
        const target = r.kind === 'intent' ? targetOf(r.body) : undefined;
        if (target !== undefined && this.intervalOf(target) > 0 && !this.last.has(target)) this.last.set(target, r.ts);
      }
    }
    return { targets: this.last.size, read };
  }
}

function targetOf(body: Json): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const t = (body as { [k: string]: Json }).target;
  return typeof t === 'string' ? t : undefined;
}
