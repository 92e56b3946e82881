/** OQ-02: a permitted write passes, the PLC takes the value, and its intent and outcome receipts verify. */
import { verifiedCopy } from '../ledger-copy.js';
import type { Check } from '../types.js';
import { bodyOf, describeAnswer, isOutcome, receiptsOfWrite, same, valueNear, writeObserved } from './act.js';
import { verifyIntentTao } from './tao-evidence.js';

export const oqPermitted: Check = {
  id: 'OQ-02',
  phase: 'OQ',
  title: 'A permitted write passes and its receipt verifies',
  async run(ctx) {
    const { free, writer, writerSource } = ctx.subjects();
    const current = (await ctx.plcValue(free)).value;
    const value = valueNear(free, current, 3);
    const w = await writeObserved(ctx, free, value, writerSource);
    const rs = receiptsOfWrite(await ctx.receiptsAfter(w.seqBefore, (xs) => receiptsOfWrite(xs, writer.id, free.name).some(isOutcome)), writer.id, free.name);
    const intent = rs.find((r) => r.kind === 'intent');
    const outcome = rs.find((r) => isOutcome(r) && bodyOf(r).intent === intent?.seq);
    const tao = intent ? await verifyIntentTao(ctx, intent) : undefined;
    const chain = (await verifiedCopy(ctx.o.gatewayLedger, ctx.o.trust)).report;
    const inChain = intent !== undefined && outcome !== undefined && chain.ok && chain.count > outcome.seq;
    if (intent) ctx.shared.set('permitted', { intent: intent.seq, outcome: outcome?.seq, hashes: rs.map((r) => [r.seq, r.hash]) });
    return {
      ok: w.answer.ok && same(w.after, value) && outcome?.kind === 'committed' && tao?.ok === true && inChain,
      done: [
        `read ${free.name} from ${w.via}: ${w.before}`,
        `wrote ${free.name} = ${value} (step ${Math.abs(value - w.before).toFixed(3)}, limits ${free.min}..${free.max}${free.maxStep !== undefined ? `, max step ${free.maxStep}` : ''}) from ${writerSource} (${writer.id}, ${writer.role}); governance issued the TAO inline`,
        `read ${free.name} again: ${w.after}`,
        'found the intent and outcome receipts, re-verified the TAO in the intent (signature, audience, scope, policy hash, time at use) and verified the whole chain on a copy of the ledger',
      ],
      expected: `the write is accepted, the PLC holds ${value}, an intent and a committed receipt name it, the TAO verifies and the chain verifies`,
      observed: `${describeAnswer(w.answer)}; PLC ${w.before} -> ${w.after}; intent ${intent?.seq ?? 'missing'}, outcome ${outcome ? `${outcome.kind} ${outcome.seq}` : 'missing'}; TAO ${tao ? (tao.ok ? `verifies (jti ${tao.tao.jti})` : `${tao.code}: ${tao.reason}`) : 'none'}; chain ${chain.ok ? `verifies (${chain.count} receipts)` : `BROKEN at ${chain.firstBad}: ${chain.reason}`}`,
      receipts: [intent, outcome].filter((r) => r !== undefined).map((r) => r.seq),
      evidence: { tag: free.name, actor: writer.id, value, plcBefore: w.before, plcAfter: w.after, jti: tao?.ok ? tao.tao.jti : null, intentHash: intent?.hash ?? null },
    };
  },
};
