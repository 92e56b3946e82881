/**
 * The candidate as a profile YAML file (yaml's Document API, so every
 * learned number carries its evidence as a comment and the file still
 * passes `taogate profile check` unchanged). Only fields the profile schema
 * knows are written.
 */
import { Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { plainDecimal } from '../../policy/values.js';
import type { Candidate, Evidence, LearnedTag } from './candidate.js';

export function candidateYaml(c: Candidate): string {
  const pct = plainDecimal(c.marginPct);
  const doc = new Document({
    version: 1,
    gateway: { id: c.gatewayId, site: c.site },
    defaults: { unlisted_writes: 'deny' },
    devices: Object.fromEntries(
      c.devices.map((d) => [
        d.id,
        {
          protocol: 'modbus',
          description: `PLC at ${d.host}:${d.port}, unit ${d.plcUnit} (learned)`,
          host: d.host,
          port: d.port,
          unit: d.unit,
          ...(d.plcUnit !== d.unit ? { plc_unit: d.plcUnit } : {}),
          ...(d.default ? { default: true } : {}),
        },
      ]),
    ),
    tags: Object.fromEntries(c.tags.map((t) => [t.name, tagObject(t)])),
    actors: Object.fromEntries(
      c.actors.map((a) => [a.id, { kind: 'service', role: a.role, description: `Modbus master at ${a.source} (learned)`, modbus: { sources: [a.source] } }]),
    ),
  });
  doc.commentBefore = [
    ` Candidate taogate profile, learned by \`taogate learn\` from ${c.summary.files.map((f) => f.name).join(', ')}`,
    ` (${c.transactions} Modbus transactions, ${when(c.summary.files[0]?.firstUs)} .. ${when(Math.max(...c.summary.files.map((f) => f.lastUs ?? 0)))}).`,
    ' Nothing here is enforced until a person has reviewed it: every number marked "learned" is what',
    ' the capture showed, with its evidence. Name the roles, check kinds and approvals, then',
    ' `taogate profile check` and `taogate replay --pcap ... --profile` this file before enforcing it.',
    ` Margin: min/max widened by ${pct} % of the observed range (of the value when it never changed),`,
    ` max_step = largest step seen + ${pct} %, min_interval_ms = shortest interval seen - ${pct} %.`,
  ].join('\n');
  comment(doc, ['defaults', 'unlisted_writes'], ' nothing is allowed that was not seen');
  for (const d of c.devices) {
    const seen = ` learned: ${d.requests.count} requests to ${d.host}:${d.port} unit ${d.plcUnit}; ${span(d.requests)}`;
    comment(doc, ['devices', d.id, 'unit'], d.plcUnit === d.unit ? seen : ' the unit id clients use at the gateway: unique per profile, review');
    if (d.plcUnit !== d.unit) comment(doc, ['devices', d.id, 'plc_unit'], seen);
    if (d.default) comment(doc, ['devices', d.id, 'default'], ` learned: clients addressed it as unit ${d.plcUnit}`);
  }
  for (const t of c.tags) annotateTag(doc, t, pct);
  for (const a of c.actors) {
    const wrote = [...a.tags.entries()].map(([tag, n]) => `${tag} x${n}`).join(', ');
    keyComment(doc, ['actors'], a.id, [` learned: ${a.source} wrote ${times(a.writes.count)} (${wrote}); ${span(a.writes)}`]);
    comment(doc, ['actors', a.id, 'kind'], ' review: not known from traffic (human, ai, pipeline or service)');
    comment(doc, ['actors', a.id, 'role'], ' placeholder, one per source: name the real role (e.g. operator) and use it in write_roles');
  }
  flow(doc);
  return doc.toString({ lineWidth: 0 });
}

function tagObject(t: LearnedTag): Record<string, unknown> {
  const modbus: Record<string, unknown> = { table: t.table, address: t.address };
  if (t.width > 1) modbus.word_order = t.wordOrder;
  const o: Record<string, unknown> = {
    device: t.device.id,
    type: t.type,
    description: `${t.written ? 'written' : 'read-only'}: ${t.table} ${t.address}${t.width > 1 ? `-${t.address + t.width - 1}` : ''} (learned)`,
    modbus,
  };
  if (t.limits) {
    o.min = t.limits.min;
    o.max = t.limits.max;
  }
  if (t.step?.maxStep !== undefined) o.max_step = t.step.maxStep;
  if (t.interval?.minIntervalMs !== undefined) o.min_interval_ms = t.interval.minIntervalMs;
  if (t.written) {
    o.write_roles = [...t.writers.keys()].sort();
    o.approvals = { count: 0 };
  }
  return o;
}

function annotateTag(doc: Document, t: LearnedTag, pct: string): void {
  const lines: string[] = [];
  if (t.written && t.writes) {
    const who = [...t.writers.entries()].map(([id, e]) => `${id} (${e.count})`).join(', ');
    lines.push(` learned: written ${times(t.writes.count)} by ${who}; ${span(t.writes)}`);
  } else if (t.reads) {
    lines.push(` learned: read ${times(t.reads.count)}, never written; ${span(t.reads)}`);
  }
  if (t.judgement) {
    const [, next] = t.judgement.ranking;
    const samples = (t.writes?.count ?? 0) + (t.reads?.count ?? 0);
    lines.push(
      t.judgement.undetermined
        ? ` type: ${t.type} is a default: every value seen was 0`
        : ` type: ${t.type}${t.width > 1 ? ` ${t.wordOrder}` : ''} judged from ${samples} values${next ? ` (as ${next.type}${t.width > 1 ? ` ${next.wordOrder}` : ''} the last would read ${next.example})` : ''}`,
    );
  }
  keyComment(doc, ['tags'], t.name, lines);
  const at = ['tags', t.name];
  if (t.limits && t.observed && t.writes) {
    comment(doc, [...at, 'min'], ` learned: lowest of ${t.writes.count} writes ${plainDecimal(t.observed.min)}, ${pct} % margin; ${span(t.writes)}`);
    comment(doc, [...at, 'max'], ` learned: highest of ${t.writes.count} writes ${plainDecimal(t.observed.max)}, ${pct} % margin; ${span(t.writes)}`);
  }
  if (t.step?.maxStep !== undefined) {
    comment(doc, [...at, 'max_step'], ` learned: largest of ${t.step.steps.count} steps ${plainDecimal(t.step.largest)}, + ${pct} %; ${span(t.step.steps)}`);
  }
  if (t.interval?.minIntervalMs !== undefined && t.writes) {
    comment(doc, [...at, 'min_interval_ms'], ` learned: shortest of ${t.interval.intervals} intervals ${t.interval.shortestMs.toFixed(1)} ms, - ${pct} %; ${span(t.writes)}`);
  }
  if (t.written) {
    comment(doc, [...at, 'write_roles'], ` proposal: the placeholder role of each source that wrote; replace with real roles (e.g. operator, optimizer)`);
    comment(doc, [...at, 'approvals'], ' review: does a write need an approval?');
  }
}

function comment(doc: Document, path: readonly string[], text: string): void {
  const node = doc.getIn(path, true) as Node | undefined;
  if (node && (isScalar(node) || isMap(node) || isSeq(node))) node.comment = text;
}

function keyComment(doc: Document, path: readonly string[], key: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  const map = doc.getIn(path, true) as YAMLMap | undefined;
  const pair = map?.items.find((p: Pair) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = lines.join('\n');
}

/** Short collections (bindings, role lists, approvals, sources) in flow style, as the example profiles write them. */
function flow(doc: Document): void {
  for (const section of ['tags', 'actors']) {
    const map = doc.get(section, true) as YAMLMap | undefined;
    for (const pair of map?.items ?? []) {
      const entry = pair.value as YAMLMap;
      for (const key of ['modbus', 'write_roles', 'approvals']) {
        const n = entry.get(key, true) as Node | undefined;
        if (n && (isMap(n) || isSeq(n))) n.flow = true;
      }
    }
  }
}

function span(e: Evidence): string {
  return e.count === 1 ? `at ${when(e.firstUs)}` : `first ${when(e.firstUs)}, last ${when(e.lastUs)}`;
}

export function when(tsUs: number | undefined): string {
  return tsUs === undefined ? '?' : new Date(Math.floor(tsUs / 1000)).toISOString();
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}
