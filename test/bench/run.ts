/**
 * `npm run bench [-- --quick] [-- --only modbus,ledger]`: runs every
 * scenario against its baseline in this one run, prints a table per scenario
 * and a PASS/MISS summary of the issue-6 targets, and writes
 * test/bench/results/<scenario>.json. No assertions: a MISS is a finding,
 * not a failure (exit code 0 unless a scenario crashed).
 */
import { machine, rowsTable, targetsTable, writeResult, type BenchContext, type ScenarioResult, type Target } from './stats.js';

const SCENARIOS: Record<string, { aliases: string[]; load: () => Promise<{ run(ctx: BenchContext): Promise<ScenarioResult> }> }> = {
  'modbus-latency': { aliases: ['modbus', 'in-process-modbus'], load: () => import('./modbus-latency.js') },
  'opcua-latency': { aliases: ['opcua'], load: () => import('./opcua-latency.js') },
  throughput: { aliases: ['tput'], load: () => import('./throughput.js') },
  ledger: { aliases: [], load: () => import('./ledger.js') },
  crypto: { aliases: [], load: () => import('./crypto.js') },
  footprint: { aliases: ['rss'], load: () => import('./footprint.js') },
  deployed: { aliases: ['deployed-topology'], load: () => import('./deployed.js') },
};

function parseArgs(argv: string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  let only = Object.keys(SCENARIOS);
  if (i >= 0) {
    const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1]! : (argv[i + 1] ?? '');
    only = raw.split(',').filter(Boolean).map((name) => {
      const hit = Object.entries(SCENARIOS).find(([k, v]) => k === name || v.aliases.includes(name));
      if (!hit) {
        process.stderr.write(`--only: unknown scenario '${name}' (one of ${Object.entries(SCENARIOS).map(([k, v]) => [k, ...v.aliases].join('|')).join(', ')})\n`);
        process.exit(2);
      }
      return hit[0];
    });
  }
  return { quick, only };
}

const { quick, only } = parseArgs(process.argv.slice(2));
const ctx: BenchContext = { quick, log: (m) => process.stderr.write(`${m}\n`) };
const m = machine();
process.stdout.write(`taogate bench${quick ? ' --quick' : ''} ${new Date().toISOString()}\n${m.cpuCount} x ${m.cpuModel}, node ${m.node}, ${m.os}, load ${(m.loadavg as number[]).join(' ')}\n`);
process.stdout.write('Shared machine: expect noise; compare p50 first, p99 moves 2-3x between runs.\n');

const started = performance.now();
const targets: Target[] = [];
let failed = 0;
for (const name of only) {
  const t0 = performance.now();
  process.stderr.write(`\n== ${name}\n`);
  try {
    const r = await (await SCENARIOS[name]!.load()).run(ctx);
    const file = writeResult(r, quick);
    process.stdout.write(`\n## ${r.title}  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    if (r.skipped) process.stdout.write(`SKIPPED in part: ${r.skipped}\n`);
    process.stdout.write(`${rowsTable(r.rows)}\n`);
    if (r.checks && 'everyPlcWriteHasEarlierIntent' in r.checks) {
      const c = r.checks;
      process.stdout.write(`check: ${c.plcWrites} PLC writes, ${c.intents} intent receipts, every PLC write has an earlier intent: ${c.everyPlcWriteHasEarlierIntent}\n`);
    }
    if (r.targets.length) process.stdout.write(`${targetsTable(r.targets)}\n`);
    process.stdout.write(`-> ${file}\n`);
    targets.push(...r.targets);
  } catch (err) {
    failed++;
    process.stdout.write(`\n## ${name}: FAILED: ${(err as Error).stack ?? err}\n`);
  }
}
process.stdout.write(`\n## Targets (issue 6)\n${targetsTable(targets)}\n`);
process.stdout.write(`total ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed ? 1 : 0);
