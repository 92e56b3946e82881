/**
 * Runs the suite against an installation: each check in order, its outcome
 * (or why it could not run, or the error that failed it) recorded with its
 * clauses, times and the receipts it names; then the installation's identity.
 */
import { CLAUSES, clausesOf } from './clauses.js';
import type { ValidateContext } from './context.js';
import { installationOf } from './identity.js';
import { clauseResult, REPORT_FORMAT, summarize, type Report } from './report.js';
import { NotRun, type Check, type CheckOutcome, type CheckRecord, type ReceiptRef } from './types.js';

export async function runSuite(ctx: ValidateContext, suite: readonly Check[]): Promise<Report> {
  // Receipts after this seq are the run's own (OQ-11 reads it).
  ctx.shared.set('startSeq', await ctx.headSeq().catch(() => undefined));
  const records: (Omit<CheckRecord, 'receipts'> & { seqs: readonly number[] })[] = [];
  for (const check of suite) {
    const startedAt = new Date().toISOString();
    ctx.log(`${check.id} ${check.title} ...`);
    let outcome: CheckOutcome | undefined;
    let why: string | undefined;
    let notRunDone: readonly string[] = [];
    let failed = false;
    try {
      outcome = await check.run(ctx);
    } catch (err) {
      if (err instanceof NotRun) notRunDone = err.done;
      else failed = true;
      why = err instanceof NotRun ? err.message : `the check could not complete: ${(err as Error).message}`;
    }
    const result = outcome ? (outcome.ok ? 'PASS' : 'FAIL') : failed ? 'FAIL' : 'NOT RUN';
    ctx.log(`${check.id} ${result}${why ? `: ${why}` : ''}`);
    records.push({
      id: check.id,
      phase: check.phase,
      title: check.title,
      clauses: clausesOf(check.id),
      result,
      done: outcome?.done ?? notRunDone,
      expected: outcome?.expected ?? '',
      observed: outcome?.observed ?? (failed ? (why ?? '') : ''),
      ...(why ? { why } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
      seqs: outcome?.receipts ?? [],
      evidence: outcome?.evidence ?? {},
    });
  }
  const receipts = await ctx.receipts();
  const bySeq = new Map(receipts.map((r) => [r.seq, r]));
  const checks: CheckRecord[] = records.map(({ seqs, ...r }) => {
    const refs: ReceiptRef[] = [...new Set(seqs)].sort((a, b) => a - b).flatMap((seq) => {
      const rec = bySeq.get(seq);
      return rec ? [{ seq, kind: rec.kind, hash: rec.hash }] : [];
    });
    return { ...r, receipts: refs };
  });
  const installation = await installationOf(ctx, receipts);
  return {
    format: REPORT_FORMAT,
    id: ctx.o.runId,
    startedAt: ctx.o.startedAt,
    finishedAt: new Date().toISOString(),
    operator: ctx.o.operator ? { name: ctx.o.operator.name, role: ctx.o.operator.role, kid: ctx.o.operator.signer.keyId } : null,
    installation,
    summary: summarize(checks),
    clauses: CLAUSES.map((c) => ({ id: c.id, framework: c.framework, title: c.title, checks: c.checks, result: clauseResult(c.checks, checks), ...(c.procedural ? { procedural: c.procedural } : {}) })),
    checks,
  };
}
