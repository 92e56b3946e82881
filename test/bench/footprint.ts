/**
 * Scenario 6, footprint. Two runs:
 *
 * 1. GATEWAY ALONE (what the issue-6 target is about): `taogate broker`,
 *    `taogate governance`, `taogate upstream`, `taogate sim modbus` and
 *    `taogate sim opcua` run as separate child processes (keys from `taogate
 *    keys init`, PLCs reached with `--device NAME=ADDRESS`, as in
 *    docker/compose.yaml); then `taogate gateway` (both fronts) is spawned and
 *    measured: spawn -> READY (cold: new ledger and OPC UA certificates; warm:
 *    restart on the same ledger after the writes), VmRSS / VmHWM from
 *    /proc/<pid>/status at idle and after 100,000 gated Modbus writes (10,000
 *    with --quick) from 32 clients through its Modbus front. Also one start
 *    of the gateway with the Modbus front only (no node-opcua in the process).
 * 2. WHOLE DEMO: `taogate demo` (broker + governance + both PLC simulators +
 *    gateway + upstream + HTTP console in ONE process): READY cold and warm,
 *    RSS at idle and after the same number of writes.
 *
 * The gateway run is done twice: with the memory settings the deployment
 * files give the gateway (DEPLOYED_ENV: docker/Dockerfile + compose.yaml,
 * docker/taogate-gateway.service) and with plain `node` (the bench's own
 * environment). The demo runs plain, as `taogate demo` is started by hand.
 * Each child's stderr (pino JSON) goes to
 * $TMPDIR/taogate-bench-<part>-stderr.log, so a crash can be explained.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { closeClient, optimizerClient, type ModbusClient } from './modbus-tools.js';
import { drive, type LoadResult } from './throughput.js';
import { atMost, sleep, type BenchContext, type Row, type ScenarioResult } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'src/cli/taogate.mjs');
const CLIENTS = 32;

/** The gateway's memory settings in docker/Dockerfile + compose.yaml and docker/taogate-gateway.service. */
export const DEPLOYED_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=256' };

interface Part {
  readonly name: string;
  readonly child: ChildProcess;
  readonly readyMs: number;
  readonly ready: Record<string, unknown>;
  readonly logFile: string;
}

interface Mem {
  rssMB: number;
  hwmMB: number;
}

const NO_MEM: Mem = { rssMB: NaN, hwmMB: NaN };

export const logFileOf = (name: string) => join(tmpdir(), `taogate-bench-${name}-stderr.log`);
/** The demo's stderr (pino JSON lines). */
export const DEMO_LOG = logFileOf('demo');

const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

/** Spawns `taogate ARGS` and resolves at its READY line, with the time from spawn. */
function startPart(name: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 60_000): Promise<Part> {
  const logFile = logFileOf(name);
  const t0 = performance.now();
  const err = openSync(logFile, 'w');
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', err], env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
  closeSync(err);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`taogate ${name}: no READY line within ${timeoutMs / 1000} s; last lines of ${logFile}:\n${logTail(logFile)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`taogate ${name} exited with ${code} before READY; last lines of ${logFile}:\n${logTail(logFile)}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name, child, readyMs: performance.now() - t0, ready: JSON.parse(line.slice(6)) as Record<string, unknown>, logFile });
    });
  });
}

async function stopPart(p: Part): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    p.child.kill('SIGKILL');
    return null;
  }
  return code;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => !/"level":(20|30)\b/.test(l)).slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

function memOf(p: Part): Mem {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    throw new Error(`taogate ${p.name} died (exit ${p.child.exitCode}, signal ${p.child.signalCode}); last warn/error lines of ${p.logFile}:\n${logTail(p.logFile)}`);
  }
  const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

/** `writes` gated FC16 writes of skid.flow_sp (alternating 50 / 60: within max_step 30) from 32 clients as optimizer-1. */
async function writeLoad(modbus: string, writes: number): Promise<LoadResult> {
  const port = Number(modbus.split(':').pop());
  const clients: ModbusClient[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await optimizerClient(port));
    return await drive(clients, 3600, writes);
  } finally {
    for (const c of clients) await closeClient(c).catch(() => undefined);
  }
}

const randomBase = () => 20_000 + 10 * Math.floor(Math.random() * 3000);

interface GatewayRun {
  coldMs: number;
  warmMs?: number;
  modbusOnlyMs?: number;
  modbusOnlyIdle: Mem;
  idle: Mem;
  after: Mem;
  warmIdle: Mem;
  load?: LoadResult;
  exitCode: number | null;
  partsReadyMs: Record<string, number>;
  load1: Record<string, number>;
}

/** The gateway as its own process, with every other part in a process of its own. */
async function gatewayAlone(ctx: BenchContext, writes: number, env: Readonly<Record<string, string>>, full: boolean): Promise<GatewayRun> {
  const label = Object.keys(env).length ? 'gateway alone (deployed env)' : 'gateway alone (plain node)';
  const data = mkdtempSync(join(tmpdir(), 'taogate-bench-gw-'));
  const keys = join(data, 'keys');
  const base = randomBase();
  const r: GatewayRun = { coldMs: NaN, idle: NO_MEM, after: NO_MEM, warmIdle: NO_MEM, modbusOnlyIdle: NO_MEM, exitCode: null, partsReadyMs: {}, load1: {} };
  const parts: Part[] = [];
  let gw: Part | undefined;
  try {
    const k = spawnSync(process.execPath, [CLI, 'keys', 'init', '--dir', keys], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    if (k.status !== 0) throw new Error(`taogate keys init: exit ${k.status}\n${k.stderr}`);
    const broker = await startPart('broker', ['broker', '--port', String(base), '--keys', keys]);
    parts.push(broker);
    const url = String(broker.ready.mqtt);
    const others = await Promise.all([
      startPart('governance', ['governance', '--broker', url, '--keys', keys]),
      startPart('upstream', ['upstream', '--broker', url, '--keys', keys, '--dir', join(data, 'upstream')]),
      startPart('sim-modbus', ['sim', 'modbus', '--port', String(base + 3)]),
      startPart('sim-opcua', ['sim', 'opcua', '--port', String(base + 4), '--pki', join(data, 'pki', 'plc-opcua')]),
    ]);
    parts.push(...others);
    for (const p of parts) r.partsReadyMs[p.name] = Math.round(p.readyMs);
    const devices = ['--device', `skid=127.0.0.1:${base + 3}`, '--device', `reactor=opc.tcp://127.0.0.1:${base + 4}`];
    const common = ['gateway', '--broker', url, '--keys', keys, '--ledger', join(data, 'gateway'), ...devices];
    const gwArgs = [...common, '--modbus-port', String(base + 1), '--opcua-port', String(base + 2), '--opcua-pki', join(data, 'pki', 'gateway-opcua')];

    r.load1.cold = load1();
    gw = await startPart('gateway', gwArgs, env);
    r.coldMs = gw.readyMs;
    ctx.log(`  ${label}: READY (cold: new ledger, OPC UA certificates created) after ${r.coldMs.toFixed(0)} ms (load ${r.load1.cold})`);
    await sleep(ctx.quick ? 300 : 3000);
    r.idle = memOf(gw);
    ctx.log(`  ${label}: idle VmRSS ${r.idle.rssMB.toFixed(0)} MB`);
    r.load1.writes = load1();
    r.load = await writeLoad(String(gw.ready.modbus), writes);
    ctx.log(`  ${label}: ${r.load.ok} writes in ${r.load.seconds.toFixed(1)} s (${(r.load.ok / r.load.seconds).toFixed(0)}/s), load ${load1()}`);
    await sleep(ctx.quick ? 300 : 3000);
    r.after = memOf(gw);
    ctx.log(`  ${label}: VmRSS after writes ${r.after.rssMB.toFixed(0)} MB (VmHWM ${r.after.hwmMB.toFixed(0)})`);
    r.exitCode = await stopPart(gw);
    gw = undefined;
    if (!full) return r;

    r.load1.warm = load1();
    gw = await startPart('gateway', gwArgs, env);
    r.warmMs = gw.readyMs;
    ctx.log(`  ${label}: READY (warm, ${writes} writes in the ledger) after ${r.warmMs.toFixed(0)} ms (load ${r.load1.warm})`);
    await sleep(ctx.quick ? 300 : 3000);
    r.warmIdle = memOf(gw);
    await stopPart(gw);
    gw = undefined;

    r.load1.modbusOnly = load1();
    gw = await startPart('gateway', [...common, '--modbus-port', String(base + 1)], env);
    r.modbusOnlyMs = gw.readyMs;
    await sleep(ctx.quick ? 300 : 3000);
    r.modbusOnlyIdle = memOf(gw);
    ctx.log(`  ${label}, Modbus front only: READY after ${r.modbusOnlyMs.toFixed(0)} ms, idle VmRSS ${r.modbusOnlyIdle.rssMB.toFixed(0)} MB`);
    await stopPart(gw);
    gw = undefined;
  } finally {
    if (gw) gw.child.kill('SIGKILL');
    await Promise.all(parts.reverse().map((p) => stopPart(p).catch(() => null)));
    rmSync(data, { recursive: true, force: true });
  }
  return r;
}

interface DemoRun {
  coldMs: number;
  warmMs?: number;
  idle: Mem;
  after: Mem;
  load?: LoadResult;
  exitCode: number | null;
  load1: Record<string, number>;
}

/** `taogate demo`: every part in one process. */
async function wholeDemo(ctx: BenchContext, writes: number): Promise<DemoRun> {
  const data = mkdtempSync(join(tmpdir(), 'taogate-bench-demo-'));
  const args = ['demo', '--data', data, '--port-base', String(randomBase())];
  const r: DemoRun = { coldMs: NaN, idle: NO_MEM, after: NO_MEM, exitCode: null, load1: {} };
  let demo: Part | undefined;
  try {
    r.load1.cold = load1();
    demo = await startPart('demo', args);
    r.coldMs = demo.readyMs;
    ctx.log(`  demo: READY (cold: keys and certificates created) after ${r.coldMs.toFixed(0)} ms (load ${r.load1.cold})`);
    await sleep(ctx.quick ? 300 : 3000);
    r.idle = memOf(demo);
    r.load1.writes = load1();
    r.load = await writeLoad(String(demo.ready.modbus), writes);
    ctx.log(`  demo: ${r.load.ok} writes in ${r.load.seconds.toFixed(1)} s, load ${load1()}`);
    await sleep(ctx.quick ? 300 : 3000);
    r.after = memOf(demo);
    r.exitCode = await stopPart(demo);
    demo = undefined;
    r.load1.warm = load1();
    demo = await startPart('demo', args);
    r.warmMs = demo.readyMs;
    ctx.log(`  demo: READY (warm, ${writes} writes in the ledger) after ${r.warmMs.toFixed(0)} ms (load ${r.load1.warm})`);
    await stopPart(demo);
    demo = undefined;
  } finally {
    if (demo) demo.child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
  return r;
}

const ms = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(0)} ms`);
const mem = (m: Mem) => `${m.rssMB.toFixed(0)} / ${m.hwmMB.toFixed(0)} MB`;
const rate = (l: LoadResult | undefined) => (l ? l.ok / l.seconds : undefined);
const loadNote = (l: LoadResult | undefined) => (l ? `${l.ok} ok, ${l.refused} refused${l.errors.size ? `: ${[...l.errors.keys()].join('; ').slice(0, 120)}` : ''}` : '');

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const writes = ctx.quick ? 3_000 : 100_000;
  const n = writes.toLocaleString('en-US');
  // FOOTPRINT_PARTS=gateway (deployed env), plain (plain node) and/or demo runs only those (for before/after work on one of them).
  // --quick (a smoke check under a minute): the deployed gateway only.
  const parts = process.env.FOOTPRINT_PARTS ?? (ctx.quick ? 'gateway' : 'gateway,plain,demo');
  const skipG: GatewayRun = { coldMs: NaN, idle: NO_MEM, after: NO_MEM, warmIdle: NO_MEM, modbusOnlyIdle: NO_MEM, exitCode: null, partsReadyMs: {}, load1: {} };
  const g = parts.includes('gateway') ? await gatewayAlone(ctx, writes, DEPLOYED_ENV, true) : skipG;
  const p = parts.includes('plain') ? await gatewayAlone(ctx, writes, {}, false) : skipG;
  const d = parts.includes('demo') ? await wholeDemo(ctx, writes) : { coldMs: NaN, idle: NO_MEM, after: NO_MEM, exitCode: null, load1: {} };
  const rows: Row[] = [
    { label: 'GATEWAY ALONE (deployed env): spawn -> READY, cold (new ledger, OPC UA certs created)', unit: 'ms', note: ms(g.coldMs) },
    { label: `GATEWAY ALONE (deployed env): spawn -> READY, warm (${n} writes in the ledger)`, unit: 'ms', note: ms(g.warmMs) },
    { label: 'GATEWAY ALONE (deployed env): RSS at idle (VmRSS / VmHWM)', unit: 'MB', note: mem(g.idle) },
    { label: `GATEWAY ALONE (deployed env): RSS after ${n} writes (VmRSS / VmHWM)`, unit: 'MB', note: mem(g.after) },
    { label: 'GATEWAY ALONE (deployed env): RSS at idle after the warm restart', unit: 'MB', note: mem(g.warmIdle) },
    { label: `GATEWAY ALONE (deployed env): writes through its Modbus front (${CLIENTS} clients)`, opsPerSec: rate(g.load), note: loadNote(g.load) },
    { label: 'GATEWAY (deployed env), Modbus front only: spawn -> READY / idle RSS', unit: 'ms', note: `${ms(g.modbusOnlyMs)}, ${mem(g.modbusOnlyIdle)}` },
    { label: 'GATEWAY ALONE, plain node (no MALLOC_ARENA_MAX, no V8 flags): READY cold', unit: 'ms', note: ms(p.coldMs) },
    { label: 'GATEWAY ALONE, plain node: RSS at idle (VmRSS / VmHWM)', unit: 'MB', note: mem(p.idle) },
    { label: `GATEWAY ALONE, plain node: RSS after ${n} writes (VmRSS / VmHWM)`, unit: 'MB', note: mem(p.after) },
    { label: 'WHOLE DEMO process: spawn -> READY, cold (keys and certs created)', unit: 'ms', note: ms(d.coldMs) },
    { label: `WHOLE DEMO process: spawn -> READY, warm (${n} writes in the ledger)`, unit: 'ms', note: ms(d.warmMs) },
    { label: 'WHOLE DEMO process: RSS at idle (VmRSS / VmHWM)', unit: 'MB', note: mem(d.idle) },
    { label: `WHOLE DEMO process: RSS after ${n} writes (VmRSS / VmHWM)`, unit: 'MB', note: mem(d.after) },
    { label: `WHOLE DEMO process: writes (${CLIENTS} clients)`, opsPerSec: rate(d.load), note: loadNote(d.load) },
  ];
  return {
    scenario: 'footprint',
    title: `Footprint: taogate gateway alone and the whole demo process, idle and after ${n} writes; start to READY`,
    params: {
      writes,
      clients: CLIENTS,
      deployedEnv: DEPLOYED_ENV,
      benchEnv: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '(unset)', NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' },
      gateway: 'taogate gateway, both fronts, with broker, governance, upstream, sim modbus, sim opcua each in its own process',
      demo: 'taogate demo = broker + governance + both PLC simulators + gateway + upstream + HTTP in one process',
    },
    rows,
    checks: { gateway: { ...g, load: undefined, errors: g.load ? Object.fromEntries(g.load.errors) : {} }, gatewayPlain: { ...p, load: undefined }, demo: { ...d, load: undefined, errors: d.load ? Object.fromEntries(d.load.errors) : {} } },
    targets: [
      atMost('gateway alone: RSS at idle', g.idle.rssMB, 200, 'MB'),
      atMost(`gateway alone: RSS after ${n} writes`, g.after.rssMB, 200, 'MB'),
      atMost(`gateway alone, plain node: RSS after ${n} writes`, p.after.rssMB, 200, 'MB'),
      atMost('gateway alone: spawn -> READY (cold)', g.coldMs / 1000, 2, 's'),
      atMost('gateway alone: spawn -> READY (warm)', (g.warmMs ?? NaN) / 1000, 2, 's'),
      atMost('whole demo: spawn -> READY (cold)', d.coldMs / 1000, 2, 's'),
      atMost('whole demo: spawn -> READY (warm)', (d.warmMs ?? NaN) / 1000, 2, 's'),
    ],
    notes: ['The RSS target is about the gateway process; the whole demo process also holds the broker, governance, both PLC simulators, the upstream and the console.'],
  };
}
