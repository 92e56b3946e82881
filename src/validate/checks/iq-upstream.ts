/** IQ-06: the upstream is reachable and holds the gateway's chain up to the same head. */
import { NotRun, type Check } from '../types.js';
import { upstreamState } from './upstream.js';

export const iqUpstream: Check = {
  id: 'IQ-06',
  phase: 'IQ',
  title: 'Upstream reachable and at the same head',
  async run(ctx) {
    const up = await upstreamState(ctx);
    if (up.lag === null && !up.copy) throw new NotRun('the gateway reports no replication (lag n/a) and no upstream copy is on this host');
    const gateway = await ctx.receipts();
    const head = up.copy?.head;
    const gwAtHead = head ? gateway.find((r) => r.seq === head.seq) : undefined;
    const gwLast = gateway.at(-1);
    // The gateway may have appended (a checkpoint) since the upstream answered: the upstream head must be a receipt of the gateway's chain, and the lag 0.
    const sameHead = up.copy ? up.copy.ok && head !== undefined && gwAtHead?.hash === head.hash : true;
    return {
      ok: up.lag === 0 && sameHead,
      done: [
        `polled the gateway's replication lag (${up.waitedMs} ms)`,
        up.copy ? `copied the upstream's copy ${ctx.o.upstreamLedger}, verified it, and compared its head with the gateway's receipt at the same seq` : 'the upstream copy is not on this host: relied on the gateway\'s acknowledged lag',
      ],
      expected: 'replication lag 0 and the upstream head is the gateway\'s receipt of the same seq (same hash)',
      observed: `lag ${up.lag ?? 'n/a'}; ${up.copy ? `upstream ${up.copy.ok ? 'verifies' : `BROKEN: ${up.copy.reason}`}, ${up.copy.count} receipts, head seq ${head?.seq ?? -1} ${head?.hash ?? ''}; gateway at that seq ${gwAtHead?.hash ?? 'missing'}; gateway head seq ${gwLast?.seq ?? -1}` : 'no upstream copy here'}`,
      receipts: head ? [head.seq] : [],
      evidence: { lag: up.lag, upstreamHeadSeq: head?.seq ?? null, upstreamHead: head?.hash ?? null, gatewayHeadSeq: gwLast?.seq ?? null },
    };
  },
};
