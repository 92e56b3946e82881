/**
 * OQ-13: with governance unreachable a write is refused and the PLC is
 * untouched. Only when the operator allows this check to stop governance
 * (the CLI: --governance-stop CMD and --governance-start CMD); otherwise NOT RUN.
 */
import type { ValidateContext } from '../context.js';
import { NotRun, type Check } from '../types.js';
import { bodyOf, describeAnswer, receiptsOfWrite, same, valueNear, writeObserved } from './act.js';

async function governanceReady(ctx: ValidateContext, want: boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ctx.ops.readyz();
    const g = (r.body.checks as Record<string, { ok?: boolean }> | undefined)?.governance;
    if (g && g.ok === want) return true;
    if (Date.now() > deadline) return false;
    await new Promise((res) => setTimeout(res, 250));
  }
}

export const oqGovernanceDown: Check = {
  id: 'OQ-13',
  phase: 'OQ',
  title: 'Writes are refused when governance is unreachable',
  async run(ctx) {
    const control = ctx.o.governanceControl;
    if (!control) throw new NotRun('not allowed to stop governance on this installation (pass --governance-stop CMD and --governance-start CMD to allow it)');
    const { free, writer, writerSource } = ctx.subjects();
    const done = [`stopped governance: ${control.describe.stop}`];
    await control.stop();
    try {
      const down = await governanceReady(ctx, false, 20_000);
      done.push(`waited for the gateway's /readyz to report governance down: ${down ? 'yes' : 'NO'}`);
      const value = valueNear(free, (await ctx.plcValue(free)).value, 2);
      const w = await writeObserved(ctx, free, value, writerSource);
      done.push(`wrote ${free.name} = ${value} from ${writerSource} (${writer.id})`);
      const rs = receiptsOfWrite(await ctx.receiptsAfter(w.seqBefore, (xs) => receiptsOfWrite(xs, writer.id, free.name).some((r) => r.kind === 'denied'), 15_000), writer.id, free.name);
      const denied = rs.find((r) => r.kind === 'denied');
      return {
        ok: down && !w.answer.ok && same(w.before, w.after) && denied !== undefined && !rs.some((r) => r.kind === 'intent'),
        done,
        expected: 'refused with a Modbus exception and a denied receipt (governance_timeout / governance_unavailable); the PLC value unchanged',
        observed: `${describeAnswer(w.answer)}; PLC ${w.before} -> ${w.after}; denied ${denied ? `${denied.seq} (${String(bodyOf(denied).code)})` : 'none'}`,
        receipts: rs.map((r) => r.seq),
        evidence: { code: denied ? String(bodyOf(denied).code) : null, plcBefore: w.before, plcAfter: w.after },
      };
    } finally {
      await control.start();
      const up = await governanceReady(ctx, true, 30_000);
      ctx.log(`OQ-13: governance ${up ? 'back' : 'NOT back'} after: ${control.describe.start}`);
    }
  },
};
