/**
 * Summarizes a V8 .cpuprofile: self time by function (name + file:line) and
 * by area (src/<dir>, a node_modules package, node internals, GC, idle).
 *   node --import tsx test/bench/cpuprofile-summary.ts FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: cpuprofile-summary.ts FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/work\/[^/]+\/((?:src|simulators|test)\/[^/]+)/.exec(url) ?? /\/((?:src|simulators|test)\/[^/]+)/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*/, 'node:internal/$1');
  return url;
}

const fn = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^file:\/\/.*?\/(node_modules|src|simulators|test)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${short ? `${short}:${lineNumber + 1}` : ''}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const a = area(url, functionName);
  areas.set(a, (areas.get(a) ?? 0) + us);
}
const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
process.stdout.write(`${file}\nsampled ${(total / 1e6).toFixed(2)} s\n\nself time by area\n`);
for (const [k, v] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${pct(v)}% ${ms(v)} ms  ${k}\n`);
process.stdout.write(`\ntop ${top} functions by self time\n`);
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(v)}% ${ms(v)} ms  ${k}\n`);
