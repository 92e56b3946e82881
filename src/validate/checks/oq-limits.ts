/** OQ-07: writes beyond the tag's limit and beyond its step are refused, with receipts; the PLC is untouched. */
import type { Check } from '../types.js';
import { bodyOf, describeAnswer, receiptsOfWrite, same, writeObserved, type ObservedWrite } from './act.js';

export const oqLimits: Check = {
  id: 'OQ-07',
  phase: 'OQ',
  title: 'A write beyond limits is refused',
  async run(ctx) {
    const { free, writer, writerSource } = ctx.subjects();
    const max = free.max as number;
    const tries: { what: string; value: number; w: ObservedWrite }[] = [];
    tries.push({ what: `above the limit (max ${max})`, value: max + 1, w: await writeObserved(ctx, free, max + 1, writerSource) });
    if (free.maxStep !== undefined) {
      const cur = (await ctx.plcValue(free)).value;
      const up = Math.floor(cur + free.maxStep + 1);
      const down = Math.ceil(cur - free.maxStep - 1);
      const v = up <= max ? up : down >= (free.min as number) ? down : undefined;
      if (v !== undefined) tries.push({ what: `a step of ${Math.abs(v - cur).toFixed(3)} (max step ${free.maxStep})`, value: v, w: await writeObserved(ctx, free, v, writerSource) });
    }
    const first = tries[0] as (typeof tries)[number];
    const rs = receiptsOfWrite(await ctx.receiptsAfter(first.w.seqBefore, (xs) => receiptsOfWrite(xs, writer.id, free.name).filter((r) => r.kind === 'denied').length >= tries.length, 10_000), writer.id, free.name);
    const denied = rs.filter((r) => r.kind === 'denied');
    const intents = rs.filter((r) => r.kind === 'intent');
    return {
      ok: tries.every((t) => !t.w.answer.ok && same(t.w.before, t.w.after)) && denied.length >= tries.length && intents.length === 0,
      done: tries.map((t) => `wrote ${free.name} = ${t.value}, ${t.what}, from ${writerSource} (${writer.id}); read the PLC before and after via ${t.w.via}`),
      expected: 'each write refused with a Modbus exception and a denied receipt naming the limit; no intent; the PLC value unchanged',
      observed: tries.map((t) => `${t.value}: ${describeAnswer(t.w.answer)}, PLC ${t.w.before} -> ${t.w.after}`).join('; ') + `; denied ${denied.map((r) => `${r.seq} (${String(bodyOf(r).code)})`).join(', ') || 'none'}; intents ${intents.length}`,
      receipts: denied.map((r) => r.seq),
      evidence: { tag: free.name, min: free.min ?? null, max, maxStep: free.maxStep ?? null, codes: denied.map((r) => String(bodyOf(r).code)).join(' ') },
    };
  },
};
