/**
 * Scenario 6, footprint: `taogate demo` as a child process (the gateway with
 * the broker, governance, both PLC simulators and the HTTP endpoint in ONE
 * process, so its RSS is an upper bound for the gateway alone). Measured:
 * spawn -> READY line (cold: empty data dir, keys created; warm: restart on
 * the same dir), VmRSS / VmHWM from /proc/<pid>/status at idle and after
 * 100,000 gated Modbus writes (10,000 with --quick) from 32 clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { closeClient, optimizerClient, type ModbusClient } from './modbus-tools.js';
import { drive, type LoadResult } from './throughput.js';
import { atMost, sleep, type BenchContext, type Row, type ScenarioResult } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Demo {
  child: ChildProcess;
  readyMs: number;
  ready: { modbus: string };
}

/** The demo's stderr (pino JSON lines) goes to this file, so a crash can be explained. */
export const DEMO_LOG = join(tmpdir(), 'taogate-bench-demo-stderr.log');

function startDemo(data: string, portBase: number): Promise<Demo> {
  const t0 = performance.now();
  const err = openSync(DEMO_LOG, 'w');
  const child = spawn(process.execPath, [join(ROOT, 'src/cli/taogate.mjs'), 'demo', '--data', data, '--port-base', String(portBase)], { cwd: ROOT, stdio: ['ignore', 'pipe', err] });
  closeSync(err);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('taogate demo: no READY line within 30 s')); }, 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`taogate demo exited with ${code} before READY`)); });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, readyMs: performance.now() - t0, ready: JSON.parse(line.slice(6)) as { modbus: string } });
    });
  });
}

async function stopDemo(d: Demo): Promise<number | null> {
  const exited = new Promise<number | null>((r) => d.child.once('exit', (code) => r(code)));
  d.child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') { d.child.kill('SIGKILL'); return null; }
  return code;
}

function logTail(): string {
  try {
    return readFileSync(DEMO_LOG, 'utf8').trim().split('\n').filter((l) => !/"level":(20|30)\b/.test(l)).slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

function memOf(d: Demo): { rssMB: number; hwmMB: number } {
  if (d.child.exitCode !== null || d.child.signalCode !== null) {
    throw new Error(`taogate demo died (exit ${d.child.exitCode}, signal ${d.child.signalCode}); last warn/error lines of ${DEMO_LOG}:\n${logTail()}`);
  }
  const status = readFileSync(`/proc/${d.child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const writes = ctx.quick ? 10_000 : 100_000;
  const data = mkdtempSync(join(tmpdir(), 'taogate-bench-demo-'));
  const portBase = 20_000 + 10 * Math.floor(Math.random() * 3000);
  let demo: Demo | undefined;
  let coldMs = NaN;
  let warmMs: number | undefined;
  let idle = { rssMB: NaN, hwmMB: NaN };
  let after = { rssMB: NaN, hwmMB: NaN };
  let load: LoadResult | undefined;
  let exitCode: number | null = null;
  try {
    demo = await startDemo(data, portBase);
    coldMs = demo.readyMs;
    ctx.log(`  READY (cold) after ${coldMs.toFixed(0)} ms`);
    await sleep(ctx.quick ? 1000 : 3000);
    idle = memOf(demo);
    const port = Number(demo.ready.modbus.split(':').pop());
    const clients: ModbusClient[] = [];
    for (let i = 0; i < 32; i++) clients.push(await optimizerClient(port));
    load = await drive(clients, 3600, writes);
    for (const c of clients) await closeClient(c);
    ctx.log(`  ${load.ok} writes in ${load.seconds.toFixed(1)} s`);
    await sleep(ctx.quick ? 1000 : 3000);
    after = memOf(demo);
    exitCode = await stopDemo(demo);
    demo = undefined;
    if (!ctx.quick) {
      demo = await startDemo(data, portBase);
      warmMs = demo.readyMs;
      ctx.log(`  READY (warm restart, ${writes} writes in the ledger) after ${warmMs.toFixed(0)} ms`);
      await stopDemo(demo);
      demo = undefined;
    }
  } finally {
    if (demo) demo.child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
  const rows: Row[] = [
    { label: 'spawn -> READY, cold (new data dir, creates keys)', unit: 'ms', note: `${coldMs.toFixed(0)} ms` },
    ...(warmMs !== undefined ? [{ label: 'spawn -> READY, warm restart (same data dir)', unit: 'ms', note: `${warmMs.toFixed(0)} ms` }] : []),
    { label: 'RSS at idle (VmRSS / VmHWM)', unit: 'MB', note: `${idle.rssMB.toFixed(0)} / ${idle.hwmMB.toFixed(0)} MB` },
    { label: `RSS after ${writes.toLocaleString('en-US')} writes (VmRSS / VmHWM)`, unit: 'MB', note: `${after.rssMB.toFixed(0)} / ${after.hwmMB.toFixed(0)} MB` },
    { label: 'writes through the demo process (32 clients)', opsPerSec: load ? load.ok / load.seconds : undefined, note: load ? `${load.ok} ok, ${load.refused} refused` : '' },
  ];
  return {
    scenario: 'footprint',
    title: `Footprint: taogate demo process, idle and after ${writes.toLocaleString('en-US')} writes; start to READY`,
    params: { writes, clients: 32, portBase, logLevel: 'info (default), stderr discarded', process: 'taogate demo = broker + governance + both PLC simulators + gateway + HTTP in one process' },
    rows,
    checks: { idle, after, coldReadyMs: coldMs, warmReadyMs: warmMs, exitCodeOnSigterm: exitCode, errors: load ? Object.fromEntries(load.errors) : {} },
    targets: [
      atMost('RSS after writes (whole demo process)', after.rssMB, 200, 'MB'),
      atMost('spawn -> READY (cold)', coldMs / 1000, 2, 's'),
      ...(warmMs !== undefined ? [atMost('spawn -> READY (warm)', warmMs / 1000, 2, 's')] : []),
    ],
    notes: ['RSS is the whole demo process (an upper bound for the gateway alone).'],
  };
}
