/** OQ-12: the record replicates upstream: the receipts this run produced are in the upstream's verified copy, byte for byte (same hashes). */
import { NotRun, type Check } from '../types.js';
import { upstreamState } from './upstream.js';

export const oqReplication: Check = {
  id: 'OQ-12',
  phase: 'OQ',
  title: 'The record replicates upstream',
  async run(ctx) {
    const permitted = ctx.shared.get('permitted') as { hashes: [number, string][] } | undefined;
    if (!permitted) throw new NotRun('OQ-02 produced no receipts to look for upstream');
    const up = await upstreamState(ctx);
    if (!up.copy) throw new NotRun(`the upstream copy is not on this host (pass --upstream-data DIR); the gateway reports lag ${up.lag ?? 'n/a'}`);
    const found = permitted.hashes.map(([seq, hash]) => ({ seq, same: up.copy?.receipts.get(seq) === hash }));
    return {
      ok: up.lag === 0 && up.copy.ok && found.every((f) => f.same),
      done: [`waited until the gateway reported replication lag 0 (${up.waitedMs} ms)`, `copied and verified the upstream's copy ${ctx.o.upstreamLedger}`, `looked up the receipts of OQ-02 (${permitted.hashes.map(([s]) => s).join(', ')}) in it`],
      expected: 'lag 0; the upstream copy verifies and holds each receipt with the same hash',
      observed: `lag ${up.lag ?? 'n/a'}; upstream ${up.copy.ok ? `verifies (${up.copy.count} receipts)` : `BROKEN: ${up.copy.reason}`}; ${found.map((f) => `${f.seq} ${f.same ? 'same hash' : 'MISSING or different'}`).join(', ')}`,
      receipts: permitted.hashes.map(([s]) => s),
      evidence: { lag: up.lag, upstreamCount: up.copy.count },
    };
  },
};
