/** IQ-05: the gateway's ledger verifies end to end (a copy of it: the live folder stays untouched). */
import { verifiedCopy } from '../ledger-copy.js';
import type { Check } from '../types.js';

export const iqLedger: Check = {
  id: 'IQ-05',
  phase: 'IQ',
  title: 'Ledger verifies',
  async run(ctx) {
    const chain = await ctx.ops.chain();
    const { report, receipts } = await verifiedCopy(ctx.o.gatewayLedger, ctx.o.trust);
    const last = receipts.at(-1);
    return {
      ok: report.ok && report.count === receipts.length,
      done: [
        `copied the ledger folder ${ctx.o.gatewayLedger} (held open by the gateway) and verified the copy: every seq, hash link, timestamp order and gateway signature`,
        `asked the gateway for its head: seq ${chain.headSeq}`,
      ],
      expected: 'the whole chain verifies; the copy ends at or after the head the gateway reported before the copy',
      observed: report.ok ? `ok: ${report.count} receipts, head ${report.head} (seq ${last?.seq ?? -1})` : `BROKEN at seq ${report.firstBad}: ${report.reason}`,
      receipts: last ? [last.seq] : [],
      evidence: { count: report.count, head: report.head, firstBad: report.firstBad ?? null, gatewayHeadSeq: chain.headSeq },
    };
  },
};
