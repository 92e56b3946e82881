/** Shared by IQ-06 and OQ-12: wait until the upstream acknowledged everything, then compare its copy with the gateway's chain. */
import type { Receipt } from '../../ledger/index.js';
import type { ValidateContext } from '../context.js';
import { verifiedCopy } from '../ledger-copy.js';

export interface UpstreamState {
  readonly lag: number | null;
  readonly waitedMs: number;
  /** The upstream copy, when its folder is on this host. */
  readonly copy?: { readonly ok: boolean; readonly count: number; readonly head: Receipt | undefined; readonly reason?: string; readonly receipts: ReadonlyMap<number, string> };
}

export async function upstreamState(ctx: ValidateContext, timeoutMs = 20_000): Promise<UpstreamState> {
  const started = Date.now();
  let lag: number | null = null;
  for (;;) {
    lag = (await ctx.ops.chain()).replicationLag;
    if (lag === 0 || Date.now() - started > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const waitedMs = Date.now() - started;
  const dir = ctx.o.upstreamLedger;
  if (!dir) return { lag, waitedMs };
  const { report, receipts } = await verifiedCopy(dir, ctx.o.trust);
  return {
    lag,
    waitedMs,
    copy: { ok: report.ok, count: report.count, head: receipts.at(-1), ...(report.reason ? { reason: report.reason } : {}), receipts: new Map(receipts.map((r) => [r.seq, r.hash])) },
  };
}
