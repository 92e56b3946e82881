/**
 * Scenario 4, the ledger (src/ledger):
 *   - synced append rate at group-commit batch sizes 1, 10 and 100 (B appends
 *     issued together, awaited, repeated: each round is one synced LevelDB
 *     batch; the ledger's own stats confirm the batch size)
 *   - `ledger verify` rate: verifyRecords(levelRecords(dir)) over a cached
 *     ledger of 1,000,000 receipts (50,000 with --quick), as the CLI runs it
 *     (worker threads past 5,000 receipts), with the process CPU time and the
 *     load average (other processes share the cores); baseline: the same
 *     verifier on one thread (parallel: false) over the first 100,000
 *     receipts (50,000 with --quick)
 *   - `ledger export --format jsonl` rate over the same ledger (the CLI's
 *     loop, in-process, to a file)
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, levelRecords, receiptToJsonl, verifyRecords, type Receipt, type RecordSource, type VerifyOptions, type VerifyReport } from '../../src/ledger/index.js';
import { cachedLedger, GATEWAY_ID, gatewaySigner, intentBody, jtiOf, keyFor } from './ledger-fixture.js';
import { atMost, summarize, type BenchContext, type Row, type ScenarioResult } from './stats.js';

async function appendRate(batch: number, total: number) {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-bench-append-'));
  const ledger = await Ledger.open(dir, { gatewayId: GATEWAY_ID, signer: gatewaySigner });
  try {
    const base = ledger.stats;
    // Warm-up batches, not timed.
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: batch }, (_, k) => ledger.append('intent', intentBody(1e9 + i * batch + k), { consume: jtiOf(1e9 + i * batch + k) })));
    const s0 = ledger.stats;
    const lat: number[] = [];
    const t0 = performance.now();
    for (let done = 0; done < total; done += batch) {
      const t = performance.now();
      await Promise.all(Array.from({ length: batch }, (_, k) => ledger.append('intent', intentBody(done + k), { consume: jtiOf(done + k) })));
      lat.push(performance.now() - t);
    }
    const secs = (performance.now() - t0) / 1000;
    const s1 = ledger.stats;
    void base;
    return { lat: summarize(lat), rate: total / secs, batches: s1.batches - s0.batches, receipts: s1.receipts - s0.receipts, largest: s1.largestBatch };
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first n records of a source, without its head pointer (so the shorter chain verifies). */
function firstRecords(src: RecordSource, n: number): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      let i = 0;
      for await (const rec of src) {
        if (i++ >= n) return;
        yield rec;
      }
    },
  };
}

interface VerifyRun {
  report: VerifyReport;
  ms: number;
  /** Process CPU time (user + system, all threads). */
  cpuMs: number;
  loadBefore: number[];
  loadAfter: number[];
}

async function timeVerify(src: RecordSource, opts: VerifyOptions): Promise<VerifyRun> {
  const loadBefore = loadavg();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await verifyRecords(src, keyFor, opts);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { report, ms, cpuMs: (c.user + c.system) / 1000, loadBefore, loadAfter: loadavg() };
}

function verifyNote(v: VerifyRun): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join('/');
  return `${(v.ms / 1000).toFixed(1)} s, ok=${v.report.ok}, count=${v.report.count}, CPU ${(v.cpuMs / 1000).toFixed(1)} s (${(v.cpuMs / v.ms).toFixed(2)} cores busy), load ${load(v.loadBefore)} -> ${load(v.loadAfter)}`;
}

async function exportJsonl(dir: string): Promise<{ n: number; ms: number; bytes: number }> {
  const tmp = mkdtempSync(join(tmpdir(), 'taogate-bench-export-'));
  const file = join(tmp, 'receipts.jsonl');
  try {
    const t0 = performance.now();
    const out = createWriteStream(file);
    let n = 0;
    for await (const rec of levelRecords(dir)) {
      if (!out.write(`${receiptToJsonl(JSON.parse(rec.raw) as Receipt)}\n`)) await once(out, 'drain');
      n++;
    }
    out.end();
    await once(out, 'finish');
    return { n, ms: performance.now() - t0, bytes: statSync(file).size };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const count = ctx.quick ? 50_000 : 1_000_000;
  const appendTotals: Record<number, number> = ctx.quick ? { 1: 1000, 10: 5000, 100: 20000 } : { 1: 5000, 10: 30000, 100: 100000 };
  const rows: Row[] = [];
  const appends: Record<string, unknown> = {};
  for (const b of [1, 10, 100]) {
    const r = await appendRate(b, appendTotals[b]!);
    appends[`batch${b}`] = r;
    rows.push({ label: `append, synced, batch ${b}: per batch`, unit: 'ms', stats: r.lat, opsPerSec: r.rate, note: `${r.receipts} receipts in ${r.batches} batches (largest ${r.largest})` });
    ctx.log(`  append batch ${b}: ${Math.round(r.rate)} receipts/s`);
  }

  const { dir, buildMs } = await cachedLedger(count, ctx.log);
  ctx.log(`  verifying ${count.toLocaleString('en-US')} receipts`);
  const par = await timeVerify(levelRecords(dir), {});
  const verifyMs = par.ms;
  const report = par.report;
  rows.push({ label: `verify ${count.toLocaleString('en-US')} receipts (verifyRecords, ${availableParallelism()} workers)`, unit: 's', opsPerSec: count / (verifyMs / 1000), note: verifyNote(par) });
  const projected1M = (verifyMs / count) * 1_000_000 / 1000;
  if (ctx.quick) rows.push({ label: '  projected for 1,000,000 receipts', note: `${projected1M.toFixed(1)} s` });
  const baseCount = ctx.quick ? 50_000 : 100_000;
  ctx.log(`  baseline: verifying the first ${baseCount.toLocaleString('en-US')} on one thread`);
  const base = await timeVerify(firstRecords(levelRecords(dir), baseCount), { parallel: false });
  rows.push({ label: `  baseline: one thread (parallel: false), first ${baseCount.toLocaleString('en-US')}`, unit: 's', opsPerSec: baseCount / (base.ms / 1000), note: `${verifyNote(base)}; 1M at this rate: ${((base.ms / baseCount) * 1000).toFixed(0)} s` });

  ctx.log('  exporting jsonl');
  const ex = await exportJsonl(dir);
  rows.push({ label: `export jsonl ${ex.n.toLocaleString('en-US')} receipts`, unit: 's', opsPerSec: ex.n / (ex.ms / 1000), note: `${(ex.ms / 1000).toFixed(1)} s, ${(ex.bytes / 2 ** 20).toFixed(0)} MiB` });

  return {
    scenario: 'ledger',
    title: 'Ledger: synced appends by group-commit batch size; verify and export rates',
    params: { appendTotals, verifyCount: count, receiptMix: 'intent (with TAO envelope) + committed pairs', buildMs: buildMs && Math.round(buildMs), fsyncNote: 'every append round is one LevelDB batch written with {sync: true}' },
    rows,
    checks: { appends, verify: report, verifyMs: Math.round(verifyMs), verifyCpuMs: Math.round(par.cpuMs), verifyLoad: [par.loadBefore, par.loadAfter], baseline: { count: baseCount, ms: Math.round(base.ms), cpuMs: Math.round(base.cpuMs), report: base.report }, export: ex },
    targets: [atMost(`verify 1M receipts${ctx.quick ? ' (projected from 50k)' : ''}`, ctx.quick ? projected1M : verifyMs / 1000, 60, 's')],
  };
}
