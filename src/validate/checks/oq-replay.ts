/** OQ-05: a TAO is single-use: presented twice it is refused `consumed`, and after the write it authorized it is refused again. */
import type { Check } from '../types.js';
import { bodyOf, describeAnswer, isOutcome, same, valueNear, writeObserved } from './act.js';
import { answerText, issuedTao, payloadOf, present, presentDenials } from './tao-tools.js';

export const oqReplay: Check = {
  id: 'OQ-05',
  phase: 'OQ',
  title: 'A replayed TAO is refused',
  async run(ctx) {
    const { free, writer, writerSource } = ctx.subjects();
    const value = valueNear(free, (await ctx.plcValue(free)).value, 2);
    const tao = await issuedTao(ctx, writer.id, free.name, String(value), `OQ-05 ${ctx.o.runId}`);
    const jti = payloadOf(tao).jti;
    const seqBefore = await ctx.headSeq();
    const first = await present(ctx, tao);
    const second = await present(ctx, tao);
    const w = await writeObserved(ctx, free, value, writerSource);
    const third = await present(ctx, tao);
    const rs = await ctx.receiptsAfter(seqBefore, (xs) => presentDenials(xs).length >= 2 && xs.some((r) => isOutcome(r) && bodyOf(r).jti === jti), 10_000);
    const staged = rs.find((r) => r.kind === 'staged' && bodyOf(r).jti === jti);
    const intent = rs.find((r) => r.kind === 'intent' && bodyOf(r).jti === jti);
    const outcome = rs.find((r) => isOutcome(r) && bodyOf(r).jti === jti);
    const denials = presentDenials(rs);
    return {
      ok: first.ok === true && second.code === 'consumed' && third.code === 'consumed' && w.answer.ok && same(w.after, value) && staged !== undefined && intent !== undefined && intent.seq > staged.seq && outcome?.kind === 'committed' && denials.length >= 2,
      done: [
        `asked governance for a TAO for ${writer.id} ${free.name}=${value} (jti ${jti})`,
        'presented it to the gateway, then presented it again',
        `wrote ${free.name} = ${value} from ${writerSource}: the staged TAO was used`,
        'presented it a third time',
      ],
      expected: 'first presentation staged; the second and third refused consumed; the write uses the staged TAO exactly once (staged, intent, committed receipts)',
      observed: `1st ${answerText(first)}; 2nd ${answerText(second)}; write ${describeAnswer(w.answer)} (PLC ${w.before} -> ${w.after}); 3rd ${answerText(third)}; staged ${staged?.seq ?? '-'}, intent ${intent?.seq ?? '-'}, outcome ${outcome ? `${outcome.kind} ${outcome.seq}` : '-'}, denied ${denials.map((r) => r.seq).join(', ') || '-'}`,
      receipts: [staged, intent, outcome, ...denials].filter((r) => r !== undefined).map((r) => r.seq),
      evidence: { jti, value, secondCode: String(second.code ?? 'staged'), thirdCode: String(third.code ?? 'staged') },
    };
  },
};
