/** The learning report (Markdown): what was read, what was learned from what, and what was left out. */
import { plainDecimal } from '../../policy/values.js';
import type { Candidate, LearnedTag } from './candidate.js';
import { when } from './yaml.js';

export function learnReport(c: Candidate, out: string): string {
  const s = c.summary;
  const pct = plainDecimal(c.marginPct);
  const lines: string[] = [
    `# Learned profile: ${out}`,
    '',
    '## Input',
    '',
    '| file | format | packets | TCP segments | first | last |',
    '|---|---|---|---|---|---|',
    ...s.files.map((f) => `| ${f.name} | ${f.format} | ${f.packets} | ${f.tcpSegments} | ${when(f.firstUs)} | ${when(f.lastUs)} |`),
    '',
    `- TCP connections: ${s.connections}, carrying Modbus TCP: ${s.modbusConnections}; Modbus transactions: ${c.transactions}.`,
    `- Reassembly: ${s.reassembly.segments} data segments, ${s.reassembly.outOfOrderSegments} out of order, ${s.reassembly.retransmittedBytes} retransmitted bytes dropped, ${s.reassembly.gapBytes} bytes missing from the capture, ${s.resyncs} resynchronizations.`,
    `- Requests without a response: ${c.observations.unanswered}; responses without a request: ${s.unmatchedResponses}.`,
    ...s.skipped.map((k) => `- Not Modbus, skipped: ${k.connection} (${k.why}).`),
    ...[...c.observations.otherFunctions.entries()].map(([fc, n]) => `- Function code ${fc}: ${n} requests, not learned (neither a table read nor a write).`),
    '',
    '## Margin',
    '',
    `min and max are the lowest and highest value written, widened by ${pct} % of the observed range (of the value itself when it never changed; 1 when it was always 0), rounded outward to a power of ten near the margin and clamped to the type's range. max_step is the largest change from the value the capture showed before a write, plus ${pct} %. min_interval_ms is the shortest time between two writes of the tag, minus ${pct} % (left out below 1 ms).`,
    '',
    '## Devices',
    '',
    '| device | PLC | unit | requests |',
    '|---|---|---|---|',
    ...c.devices.map((d) => `| ${d.id} | ${d.host}:${d.port} | ${d.unit}${d.plcUnit !== d.unit ? ` (PLC ${d.plcUnit})` : ''} | ${d.requests.count} |`),
    '',
    '## Written tags',
    '',
    '| tag | type | writes | observed | min..max | largest step / max_step | shortest interval / min_interval_ms | writers | first | last |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...c.tags.filter((t) => t.written).map(writtenRow),
    '',
    '## Read-only tags',
    '',
    '| tag | type | reads | first | last |',
    '|---|---|---|---|---|',
    ...c.tags.filter((t) => !t.written).map((t) => `| ${t.name} | ${typeOf(t)} | ${t.reads?.count ?? 0} | ${when(t.reads?.firstUs)} | ${when(t.reads?.lastUs)} |`),
    '',
    '## Type judgements',
    '',
    'Each register span was read under every type and word order of its width; the cost is the significant digits a person would have typed (infinite for NaN, infinities, denormals and floats beyond 1e9), summed over the values. Cheapest wins.',
    '',
    ...c.tags.filter((t) => t.judgement && t.width > 1).map((t) => `- ${t.name}: ${t.judgement!.ranking.slice(0, 4).map((r) => `${r.type} ${r.wordOrder} ${r.cost === Infinity ? 'inf' : r.cost} (last ${r.example})`).join('; ')}${t.judgement!.undetermined ? ' (all values 0: default)' : ''}`),
    '',
    '## Actors and roles (for a person to name)',
    '',
    'One actor per source address that wrote, with a placeholder role of its own name (kind `service` until reviewed). Replace each placeholder with the real role (operator, optimizer, ...) in the actor and in write_roles: that is the proposal.',
    '',
    '| actor | source | writes | tags written | first | last |',
    '|---|---|---|---|---|---|',
    ...c.actors.map((a) => `| ${a.id} | ${a.source} | ${a.writes.count} | ${[...a.tags.entries()].map(([t, n]) => `${t} x${n}`).join(', ')} | ${when(a.writes.firstUs)} | ${when(a.writes.lastUs)} |`),
    '',
    '## Left out',
    '',
    `- Writes the PLC answered with an exception (not learned): ${c.observations.rejected.length}${c.observations.rejected.length ? `: ${c.observations.rejected.slice(0, 10).map((r) => `FC ${r.fc} at ${r.start} from ${r.source} (exception ${r.code})`).join(', ')}` : ''}.`,
    `- Mask writes (FC 22) on a register the capture never showed: ${c.observations.blindMasks}.`,
    `- Writes that cover only part of a learned tag (replay and the gateway refuse them): ${c.partialWrites.length}${c.partialWrites.length ? `: ${c.partialWrites.slice(0, 10).map((w) => `${w.table} ${w.start} x${w.values.length} from ${w.source}`).join(', ')}` : ''}.`,
    '',
  ];
  return lines.join('\n');
}

function typeOf(t: LearnedTag): string {
  return t.width > 1 ? `${t.type} ${t.wordOrder}` : t.type;
}

function writtenRow(t: LearnedTag): string {
  const n = (x: number | undefined) => (x === undefined ? '-' : plainDecimal(x));
  const observed = t.observed ? `${n(t.observed.min)}..${n(t.observed.max)}` : '-';
  const limits = t.limits ? `${n(t.limits.min)}..${n(t.limits.max)}` : '-';
  const step = t.step ? `${n(t.step.largest)} / ${n(t.step.maxStep)}` : '-';
  const interval = t.interval ? `${t.interval.shortestMs.toFixed(1)} ms / ${n(t.interval.minIntervalMs)}` : '-';
  const writers = [...t.writers.entries()].map(([id, e]) => `${id} (${e.count})`).join(', ');
  return `| ${t.name} | ${typeOf(t)} | ${t.writes?.count ?? 0} | ${observed} | ${limits} | ${step} | ${interval} | ${writers} | ${when(t.writes?.firstUs)} | ${when(t.writes?.lastUs)} |`;
}
