/**
 * Scenario 4, the ledger (src/ledger):
 *   - synced append rate at group-commit batch sizes 1, 10 and 100 (B appends
 *     issued together, awaited, repeated: each round is one synced LevelDB
 *     batch; the ledger's own stats confirm the batch size)
 *   - `ledger verify` rate: verifyRecords(levelRecords(dir)) over a cached
 *     ledger of 1,000,000 receipts (200,000 with --quick)
 *   - `ledger export --format jsonl` rate over the same ledger (the CLI's
 *     loop, in-process, to a file)
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, levelRecords, receiptToJsonl, verifyRecords, type Receipt } from '../../src/ledger/index.js';
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
  const count = ctx.quick ? 200_000 : 1_000_000;
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
  const t0 = performance.now();
  const report = await verifyRecords(levelRecords(dir), keyFor);
  const verifyMs = performance.now() - t0;
  rows.push({ label: `verify ${count.toLocaleString('en-US')} receipts (verifyRecords, node:crypto)`, unit: 's', opsPerSec: count / (verifyMs / 1000), note: `${(verifyMs / 1000).toFixed(1)} s, ok=${report.ok}, count=${report.count}` });
  const projected1M = (verifyMs / count) * 1_000_000 / 1000;
  if (ctx.quick) rows.push({ label: '  projected for 1,000,000 receipts', note: `${projected1M.toFixed(1)} s` });

  ctx.log('  exporting jsonl');
  const ex = await exportJsonl(dir);
  rows.push({ label: `export jsonl ${ex.n.toLocaleString('en-US')} receipts`, unit: 's', opsPerSec: ex.n / (ex.ms / 1000), note: `${(ex.ms / 1000).toFixed(1)} s, ${(ex.bytes / 2 ** 20).toFixed(0)} MiB` });

  return {
    scenario: 'ledger',
    title: 'Ledger: synced appends by group-commit batch size; verify and export rates',
    params: { appendTotals, verifyCount: count, receiptMix: 'intent (with TAO envelope) + committed pairs', buildMs: buildMs && Math.round(buildMs), fsyncNote: 'every append round is one LevelDB batch written with {sync: true}' },
    rows,
    checks: { appends, verify: report, verifyMs: Math.round(verifyMs), export: ex },
    targets: [atMost(`verify 1M receipts${ctx.quick ? ' (projected from 200k)' : ''}`, ctx.quick ? projected1M : verifyMs / 1000, 60, 's')],
  };
}
