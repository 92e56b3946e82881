/** OQ-01: a write that no TAO can cover (a source that is no actor) is refused and the PLC is untouched. */
import { bodyOf, describeAnswer, same, valueNear, writeObserved } from './act.js';
import type { Check } from '../types.js';

export const oqNoTao: Check = {
  id: 'OQ-01',
  phase: 'OQ',
  title: 'A write without a TAO is refused and the PLC is untouched',
  async run(ctx) {
    const { free, strangerSource } = ctx.subjects();
    const current = (await ctx.plcValue(free)).value;
    const value = valueNear(free, current, 2);
    const w = await writeObserved(ctx, free, value, strangerSource);
    const rs = await ctx.receiptsAfter(w.seqBefore, (xs) => xs.some((r) => r.kind === 'denied' && String(bodyOf(r).source ?? '').startsWith(strangerSource)), 10_000);
    const denied = rs.find((r) => r.kind === 'denied' && String(bodyOf(r).source ?? '').startsWith(strangerSource));
    const forwarded = rs.filter((r) => r.kind === 'intent' && String(bodyOf(r).source ?? '').startsWith(strangerSource));
    return {
      ok: !w.answer.ok && same(w.before, w.after) && denied !== undefined && forwarded.length === 0,
      done: [
        `read ${free.name} from ${w.via}: ${w.before}`,
        `wrote ${free.name} = ${value} (inside its limits) through the gateway's Modbus front from ${strangerSource}, a source address no actor of the profile has`,
        `read ${free.name} again: ${w.after}`,
      ],
      expected: 'the write is refused with a Modbus exception, a denied receipt is appended, no intent, the PLC value is unchanged',
      observed: `${describeAnswer(w.answer)}; PLC ${w.before} -> ${w.after}; ${denied ? `denied receipt seq ${denied.seq} (${String(bodyOf(denied).code)})` : 'no denied receipt'}; intents from that source: ${forwarded.length}`,
      receipts: [...(denied ? [denied.seq] : []), ...forwarded.map((r) => r.seq)],
      evidence: { tag: free.name, source: strangerSource, value, plcBefore: w.before, plcAfter: w.after, exception: w.answer.ok ? null : (w.answer.exception ?? null), code: denied ? String(bodyOf(denied).code) : null },
    };
  },
};
