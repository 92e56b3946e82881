/**
 * Where a gated Modbus write waits: wraps (at run time, bench-only) the
 * gate's current-value reader, its governance port and the ledger's append
 * and isConsumed on a running test cell, then times each stage of N
 * sequential writes. CPU profiles show the process is mostly idle on this
 * path, so the wait stages matter more than self time.
 *
 *   node --import tsx test/bench/stages.ts [inline|staged] [N]
 */
import { startRig, timedWrites } from './modbus-latency.js';
import { stageTaos, valueAt } from './modbus-tools.js';
import { summarize, table, fmt } from './stats.js';

type Fn = (...a: never[]) => Promise<unknown>;
const times = new Map<string, number[]>();
function wrap<T extends object>(obj: T, key: string, label: (args: unknown[]) => string): void {
  const o = obj as Record<string, Fn>;
  const orig = o[key]!.bind(obj);
  o[key] = (async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await (orig as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      const l = label(args);
      (times.get(l) ?? times.set(l, []).get(l)!).push(performance.now() - t);
    }
  }) as Fn;
}

const mode = process.argv[2] ?? 'inline';
const n = Number(process.argv[3] ?? 1000);
const rig = await startRig();
const gate = rig.cell.gateway.gate as unknown as Record<string, unknown> & { opts: { governance: object } };
await timedWrites(rig.clients.inline, 100);
wrap(gate, 'readCurrent', () => 'PLC read for the step check (gate.readCurrent)');
wrap(gate.opts.governance, 'propose', () => 'governance round trip (MQTT propose -> TAO)');
wrap(rig.cell.gateway.ledger, 'append', (a) => `ledger.append('${String(a[0])}') incl. group-commit wait + fsync`);
wrap(rig.cell.gateway.ledger, 'isConsumed', () => 'ledger.isConsumed (jti lookup in verify)');
if (mode === 'staged') {
  const values = Array.from({ length: n }, (_, i) => valueAt(i));
  await stageTaos(rig.cell, 'optimizer-1', 'skid.flow_sp', values);
  times.clear();
}
const total = await timedWrites(rig.clients.inline, n);
await rig.close();
const rows = [['whole write, client side', total] as const, ...[...times].map(([k, v]) => [k, v] as const)].map(([k, v]) => {
  const s = summarize(v);
  return [k, String(s.n), fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.mean)];
});
process.stdout.write(`${mode} path, ${n} sequential writes (ms)\n${table(['stage', 'n', 'p50', 'p90', 'p99', 'mean'], rows)}\n`);
