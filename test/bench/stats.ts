/**
 * Numbers and reporting for the benchmarks: percentiles of a sample, rows of
 * a result table, targets with PASS/MISS, and the JSON file each scenario
 * writes to test/bench/results/<scenario>.json (machine, parameters, raw
 * percentiles, baseline comparison).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean };
}

/** One line of a result table. Latency columns in `unit`; opsPerSec is a rate. */
export interface Row {
  readonly label: string;
  readonly unit?: string;
  readonly stats?: Summary;
  readonly opsPerSec?: number;
  readonly note?: string;
}

export interface Target {
  readonly name: string;
  /** Human form, e.g. "<= 1.0 ms". */
  readonly limit: string;
  readonly measured: number | undefined;
  readonly unit: string;
  readonly pass: boolean | undefined;
  /** How far off, when missed ("+0.42 ms", "-480 writes/s"). */
  readonly gap?: string;
}

export function atMost(name: string, measured: number | undefined, limit: number, unit: string): Target {
  if (measured === undefined || Number.isNaN(measured)) return { name, limit: `<= ${limit} ${unit}`, measured: undefined, unit, pass: undefined };
  const pass = measured <= limit;
  return { name, limit: `<= ${limit} ${unit}`, measured, unit, pass, gap: pass ? undefined : `+${fmt(measured - limit)} ${unit}` };
}

export function atLeast(name: string, measured: number | undefined, limit: number, unit: string): Target {
  if (measured === undefined || Number.isNaN(measured)) return { name, limit: `>= ${limit} ${unit}`, measured: undefined, unit, pass: undefined };
  const pass = measured >= limit;
  return { name, limit: `>= ${limit} ${unit}`, measured, unit, pass, gap: pass ? undefined : `-${fmt(limit - measured)} ${unit}` };
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly params: Record<string, unknown>;
  readonly rows: Row[];
  readonly targets: Target[];
  /** Same-run comparison against the baseline (e.g. added latency per percentile). */
  readonly comparison?: Record<string, unknown>;
  /** Checks the scenario made on its own output (counts that must agree). */
  readonly checks?: Record<string, unknown>;
  readonly notes?: string[];
  readonly skipped?: string;
}

export interface BenchContext {
  readonly quick: boolean;
  log(msg: string): void;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cpuCount: c.length,
    node: process.version,
    os: `${osType()} ${release()}`,
    totalMemMB: Math.round(totalmem() / 2 ** 20),
    freeMemMB: Math.round(freemem() / 2 ** 20),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function writeResult(r: ScenarioResult, quick: boolean): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${r.scenario}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, machine: machine(), ...r }, null, 2) + '\n');
  return file;
}

export function fmt(x: number | undefined, digits?: number): string {
  if (x === undefined || Number.isNaN(x)) return '-';
  const d = digits ?? (Math.abs(x) >= 1000 ? 0 : Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 1 ? 2 : 3);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...lines.map(line)].join('\n');
}

export function rowsTable(rows: readonly Row[]): string {
  return table(
    ['case', 'unit', 'n', 'p50', 'p90', 'p99', 'max', 'ops/s', 'note'],
    rows.map((r) => [r.label, r.unit ?? '', r.stats ? String(r.stats.n) : '', fmt(r.stats?.p50), fmt(r.stats?.p90), fmt(r.stats?.p99), fmt(r.stats?.max), fmt(r.opsPerSec, 0), r.note ?? '']),
  );
}

export function targetsTable(targets: readonly Target[]): string {
  return table(
    ['target', 'limit', 'measured', 'verdict'],
    targets.map((t) => [t.name, t.limit, t.measured === undefined ? '-' : `${fmt(t.measured)} ${t.unit}`, t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : `MISS (${t.gap})`]),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Per-percentile difference a - b (e.g. gateway minus direct). */
export function added(a: Summary, b: Summary): Record<'p50' | 'p90' | 'p99' | 'max', number> {
  return { p50: a.p50 - b.p50, p90: a.p90 - b.p90, p99: a.p99 - b.p99, max: a.max - b.max };
}

/** The least-squares slope of ys over xs (undefined when xs do not vary). */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return undefined;
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  return sxx === 0 ? undefined : sxy / sxx;
}
