/** OQ-10: the record cannot be altered without detection: a copy with one receipt changed fails verification at that receipt. */
import { openLevel } from '../../ledger/level.js';
import { receiptKey } from '../../ledger/keys.js';
import { verifyLedgerDir, withLedgerCopy } from '../ledger-copy.js';
import type { Check } from '../types.js';

export const oqTamper: Check = {
  id: 'OQ-10',
  phase: 'OQ',
  title: 'The record cannot be altered without detection',
  async run(ctx) {
    const headBefore = await ctx.ops.chain();
    return withLedgerCopy(ctx.o.gatewayLedger, async (copy) => {
      const clean = await verifyLedgerDir(copy.dir, ctx.o.trust);
      const permitted = ctx.shared.get('permitted') as { intent: number } | undefined;
      const victim = copy.receipts.find((r) => r.seq === permitted?.intent) ?? copy.receipts[Math.floor(copy.receipts.length / 2)];
      if (!victim) throw new Error('the ledger is empty');
      const altered = { ...victim, body: { ...(victim.body as Record<string, unknown>), value: `${String((victim.body as Record<string, unknown>).value ?? '')}9` } };
      const db = await openLevel(copy.dir, { create: false });
      try {
        await db.put(receiptKey(victim.seq), JSON.stringify(altered));
      } finally {
        await db.close();
      }
      const tampered = await verifyLedgerDir(copy.dir, ctx.o.trust);
      const headAfter = await ctx.ops.chain();
      return {
        ok: clean.ok && !tampered.ok && tampered.firstBad === victim.seq && headAfter.headSeq >= headBefore.headSeq,
        done: [
          `copied the ledger folder ${ctx.o.gatewayLedger} to ${copy.dir} (the live ledger is not touched) and verified the copy`,
          `changed the body value of receipt ${victim.seq} (${victim.kind}) in the copy, keeping its hash and signature`,
          'verified the altered copy',
        ],
        expected: `the clean copy verifies; the altered copy fails at seq ${victim.seq}`,
        observed: `clean: ${clean.ok ? `ok (${clean.count})` : `BROKEN ${clean.firstBad}`}; altered: ${tampered.ok ? 'VERIFIES' : `fails at seq ${tampered.firstBad}: ${tampered.reason}`}`,
        receipts: [victim.seq],
        evidence: { alteredSeq: victim.seq, firstBad: tampered.firstBad ?? null, reason: tampered.reason ?? null },
      };
    });
  },
};
