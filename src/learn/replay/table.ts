/** The replay result for people: totals, refusals by code, every refused write, per-tag margins. */
import { plainDecimal } from '../../policy/values.js';
import type { ReplayResult } from './replay.js';

export function replayTable(r: ReplayResult): string {
  const n = (x: number | undefined) => (x === undefined ? '-' : plainDecimal(x));
  const c = r.counts;
  const out: string[] = [
    `policy ${r.policyHash}`,
    `writes ${c.total}: pass ${c.pass}, refused ${c.refused}, needs approval ${c.approval}, not checkable ${c.unchecked}`,
  ];
  const codes = Object.entries(r.refusedByCode).sort((a, b) => b[1] - a[1]);
  if (codes.length) {
    out.push('', 'refused by code', ...codes.map(([code, k]) => `  ${code.padEnd(18)} ${k}`));
    out.push('', 'refused writes (capture time, source, first refusal)');
    for (const w of r.writes.filter((x) => x.outcome === 'refused')) {
      out.push(`  ${new Date(Math.floor(w.tsUs / 1000)).toISOString()} ${w.source} -> ${w.plc} FC ${w.fc} ${w.table} ${w.start}: ${w.code}: ${w.reason}`);
    }
  }
  const unchecked = r.writes.filter((x) => x.outcome === 'unchecked');
  if (unchecked.length) out.push('', 'not checkable', ...unchecked.map((w) => `  ${w.source} FC ${w.fc} ${w.table} ${w.start}: ${w.reason}`));
  out.push('', 'per tag (writes that passed: distance to the limits)');
  const rows = [['tag', 'writes', 'passed', 'lowest', 'min', 'above min', 'highest', 'max', 'below max', 'largest step', 'max_step', 'shortest ms', 'min_interval_ms']];
  for (const t of r.tags) {
    rows.push([t.tag, String(t.writes), String(t.passed), n(t.lowest), n(t.min), n(t.aboveLowest), n(t.highest), n(t.max), n(t.belowHighest), n(t.largestStep), n(t.maxStep), t.shortestIntervalMs === undefined ? '-' : t.shortestIntervalMs.toFixed(1), n(t.minIntervalMs)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) out.push(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
  return `${out.join('\n')}\n`;
}
