/** OQ-06: a TAO for another gateway is refused: governance will not issue one, and the gateway refuses one it is shown. */
import { NotRun, type Check } from '../types.js';
import { valueNear } from './act.js';
import { answerText, governanceSigned, issuedTao, present, presentDenials, requestTao } from './tao-tools.js';

export const oqAudience: Check = {
  id: 'OQ-06',
  phase: 'OQ',
  title: 'A wrong-audience TAO is refused',
  async run(ctx) {
    const { free, writer } = ctx.subjects();
    const other = `${ctx.gatewayId}-other`;
    const value = valueNear(free, (await ctx.plcValue(free)).value, 4);
    const asked = await requestTao(ctx, writer.id, free.name, String(value), `OQ-06 ${ctx.o.runId}`, other);
    const done = [`asked governance for a TAO for ${writer.id} ${free.name}=${value} addressed to gateway ${other}: ${asked.decision === 'deny' ? `denied ${String(asked.code)}` : String(asked.decision)}`];
    const genuine = await issuedTao(ctx, writer.id, free.name, String(value), `OQ-06 ${ctx.o.runId}`);
    const foreign = governanceSigned(ctx, genuine, (p) => ({ ...p, aud: other }));
    if (!foreign) throw new NotRun('no governance key on this host to make a TAO for another gateway; governance\'s own refusal is in "done"', done);
    done.push(`signed a copy of a genuine TAO's payload with a new jti and audience ${other} with the governance key found on this host, and presented it to ${ctx.gatewayId}`);
    const seqBefore = await ctx.headSeq();
    const answer = await present(ctx, foreign);
    const rs = presentDenials(await ctx.receiptsAfter(seqBefore, (xs) => presentDenials(xs).length >= 1, 10_000));
    return {
      ok: asked.decision === 'deny' && asked.code === 'wrong_audience' && answer.ok !== true && answer.code === 'wrong_audience' && rs.length >= 1,
      done,
      expected: 'governance denies wrong_audience; the gateway refuses the foreign TAO with wrong_audience and a denied receipt',
      observed: `governance: ${asked.decision === 'deny' ? `denied ${String(asked.code)}` : String(asked.decision)}; gateway: ${answerText(answer)}; denied receipts ${rs.map((r) => r.seq).join(', ') || 'none'}`,
      receipts: rs.map((r) => r.seq),
      evidence: { governanceCode: String(asked.code ?? asked.decision), gatewayCode: String(answer.code ?? 'staged'), audience: other },
    };
  },
};
