/**
 * Scenario "deployed": taogate as users run it. Each part its own process,
 * wired as docker/compose.yaml does (deployed/topology.ts), and then the
 * same through `taogate demo` (one process). Measured in one run:
 *
 *  0. the floor: the parts of a gated write alone (an fdatasync'ed append, an
 *     Ed25519 sign and verify, a round trip between two processes), added up
 *     along each gated path's critical path (deployed/floor.ts);
 *  1. sequential write latency per path, interleaved rounds (deployed/latency.ts):
 *     Modbus direct / raw proxy / staged / inline from the independent pymodbus
 *     client, OPC UA direct / inline from node-opcua; CPU ms per write of every
 *     process (from /proc/PID/stat);
 *  2. throughput: 32 modbus-serial clients, inline TAOs, upstream on: intent
 *     receipts replicated to the upstream per second;
 *  3. replication lag (ms from append to the upstream's ack; receipts not yet
 *     acknowledged, from the gateway's /metrics) at a paced 1,000 writes/s;
 *  4. gateway RSS over a long run of gated writes (the trend);
 *  5. start-up: gateway alone READY warm; `taogate demo` READY cold and warm;
 *  6. the latency paths again through `taogate demo`.
 *
 * DEPLOYED_PARTS=floor,latency,throughput,lag,rss,startup,demo runs a subset;
 * DEPLOYED_PATHS=modbus.direct,modbus.inline,... limits the latency paths;
 * DEPLOYED_RSS_SECONDS sets the RSS run's length (default 300; 10 with --quick);
 * DEPLOYED_CPU_PROF=DIR makes the gateway write a CPU profile there when it stops.
 * DEPLOYED_BROKER=mosquitto runs Mosquitto as the site broker (configured by `taogate broker mosquitto-config`).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { added, atLeast, atMost, fmt, leastSquaresSlope, sleep, summarize, type BenchContext, type Row, type ScenarioResult, type Summary, type Target } from './stats.js';
import { pymodbusAvailable } from './deployed/clients.js';
import { measureLatency, type LatencyRun, type PathName } from './deployed/latency.js';
import { closeClients, drive, openClients, paced } from './deployed/load.js';
import { measureFloor, type Floor } from './deployed/floor.js';
import { cpuDelta, cpuSnapshot, memOf, spawnedFromSources, type Mem } from './deployed/procs.js';
import { ReplicationWatch } from './deployed/replication-watch.js';
import { DEPLOYED_ENV, SITE_BROKER, startDemo, startDeployed, type Deployed } from './deployed/topology.js';

const ALL_PATHS: readonly PathName[] = ['modbus.direct', 'modbus.proxy', 'modbus.staged', 'modbus.inline', 'opcua.direct', 'opcua.inline'];
const DEMO_PATHS: readonly PathName[] = ['modbus.direct', 'modbus.staged', 'modbus.inline', 'opcua.direct', 'opcua.inline'];

/** DEPLOYED_PATHS=modbus.direct,modbus.inline limits the latency paths (for before/after work on one of them). */
const pathsFrom = (all: readonly PathName[]) => (process.env.DEPLOYED_PATHS ? all.filter((p) => process.env.DEPLOYED_PATHS!.split(',').includes(p)) : all);

/** One read of the gateway's /metrics: a gauge's value by name (NaN when absent, or when /metrics did not answer). */
async function scrapeGauges(http: string | undefined): Promise<(name: string) => number> {
  const text = http ? await fetch(`${http}/metrics`).then((r) => r.text()).catch(() => '') : '';
  return (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

interface Throughput {
  seconds: number;
  acknowledged: number;
  replicatedIntents: number;
  perSec: number;
  latency: Summary;
  cpuPerWrite: Record<string, number>;
  errors: Record<string, number>;
}

async function throughput(d: Deployed, watch: ReplicationWatch, seconds: number): Promise<Throughput> {
  const clients = await openClients(d.ends.modbus, 32);
  try {
    await drive(clients, 1);
    await sleep(1000);
    const i0 = watch.intents;
    const c0 = cpuSnapshot([...d.procs, d.gateway]);
    const load = await drive(clients, seconds);
    const c1 = cpuSnapshot([...d.procs, d.gateway]);
    const until = Date.now() + 15_000;
    while (Date.now() < until && watch.head.acked < watch.head.shipped) await sleep(100);
    await sleep(500);
    const replicated = watch.intents - i0;
    const cpu = cpuDelta(c0, c1);
    return {
      seconds: load.seconds,
      acknowledged: load.ok,
      replicatedIntents: replicated,
      perSec: replicated / load.seconds,
      latency: summarize(load.latencies),
      cpuPerWrite: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / Math.max(1, load.ok)])),
      errors: Object.fromEntries(load.errors),
    };
  } finally {
    await closeClients(clients);
  }
}

interface Lag {
  rate: number;
  achieved: number;
  lagMs: Summary;
  lagReceipts: Summary;
}

async function lagAt(d: Deployed, watch: ReplicationWatch, rate: number, seconds: number): Promise<Lag> {
  const clients = await openClients(d.ends.modbus, 32);
  const receipts: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      receipts.push((await scrapeGauges(d.ends.http))('taogate_replication_lag_receipts'));
      await sleep(100);
    }
  })();
  try {
    watch.startWindow();
    const load = await paced(clients, rate, seconds);
    polling = false;
    await poller;
    const until = Date.now() + 10_000;
    while (Date.now() < until && watch.head.acked < watch.head.shipped) await sleep(100);
    return { rate, achieved: load.ok / load.seconds, lagMs: summarize(watch.stopWindow()), lagReceipts: summarize(receipts.filter((x) => !Number.isNaN(x))) };
  } finally {
    polling = false;
    await closeClients(clients);
  }
}

interface RssPoint extends Mem {
  writes: number;
  seconds: number;
  /** V8's heap from the gateway's /metrics: live objects, and what V8 holds for them. */
  heapUsedMB: number;
  heapTotalMB: number;
}

/**
 * "Flat after the first 100k writes", as a number: the least-squares slope of VmRSS over the samples
 * from 100k writes on, in MB per 100k writes (undefined with fewer than 3 such samples). The bench
 * reads flat as at most 1 MB per 100k writes (10 MB over 1M): the sawtooth of V8's collections
 * moves single samples by more than that, a slope over many does not.
 */
function rssSlopePer100k(points: readonly RssPoint[]): number | undefined {
  const after = points.filter((p) => p.writes >= 100_000);
  return after.length < 3 ? undefined : leastSquaresSlope(after.map((p) => p.writes / 100_000), after.map((p) => p.rssMB));
}

async function heapOf(http: string | undefined): Promise<{ heapUsedMB: number; heapTotalMB: number }> {
  const gauge = await scrapeGauges(http);
  return { heapUsedMB: gauge('nodejs_heap_size_used_bytes') / 2 ** 20, heapTotalMB: gauge('nodejs_heap_size_total_bytes') / 2 ** 20 };
}

async function rssTrend(d: Deployed, budgetS: number, log: (m: string) => void): Promise<RssPoint[]> {
  const clients = await openClients(d.ends.modbus, 32);
  const out: RssPoint[] = [{ writes: 0, seconds: 0, ...memOf(d.gateway), ...(await heapOf(d.ends.http)) }];
  const t0 = performance.now();
  let writes = 0;
  try {
    while ((performance.now() - t0) / 1000 < budgetS) {
      const l = await drive(clients, Math.min(20, budgetS));
      writes += l.ok;
      const m: Mem = memOf(d.gateway);
      const h = await heapOf(d.ends.http);
      out.push({ writes, seconds: (performance.now() - t0) / 1000, ...m, ...h });
      log(`    rss: ${writes} writes, VmRSS ${m.rssMB.toFixed(0)} MB (HWM ${m.hwmMB.toFixed(0)}; anon ${m.anonMB.toFixed(0)}, files ${m.fileMB.toFixed(0)}; V8 heap ${h.heapUsedMB.toFixed(0)} used of ${h.heapTotalMB.toFixed(0)})`);
    }
  } finally {
    await closeClients(clients);
  }
  return out;
}

const fmtCpu = (c: Record<string, number> | undefined) =>
  c ? Object.entries(c).filter(([, v]) => v > 0.005).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') : '';

function latencyRows(prefix: string, run: LatencyRun): Row[] {
  const rows: Row[] = [];
  for (const [path, r] of Object.entries(run.paths)) rows.push({ label: `${prefix} ${path}`, unit: 'ms', stats: r.stats, note: `${r.errors ? `${r.errors} failed; ` : ""}CPU ms/write: ${fmtCpu(r.cpuPerWrite)}; above idle: ${fmtCpu(r.cpuPerWriteAboveIdle)}` });
  for (const proto of ['modbus', 'opcua'] as const) {
    const direct = run.paths[`${proto}.direct`];
    if (!direct) continue;
    for (const p of ['proxy', 'staged', 'inline'] as const) {
      const g = run.paths[`${proto}.${p}` as PathName];
      if (!g) continue;
      const a = added(g.stats, direct.stats);
      rows.push({ label: `${prefix}   added: ${proto}.${p} - direct`, unit: 'ms', stats: { n: g.stats.n, ...a, mean: g.stats.mean - direct.stats.mean } });
    }
  }
  for (const [p, why] of Object.entries(run.skipped)) rows.push({ label: `${prefix} ${p}`, note: `SKIPPED: ${why}` });
  rows.push({ label: `${prefix} idle CPU per process (ms per s, 5 s without writes)`, note: fmtCpu(run.idleCpuMsPerS) });
  return rows;
}

const addedP = (run: LatencyRun | undefined, path: PathName, pct: 'p50' | 'p99') => {
  const g = run?.paths[path];
  const d = run?.paths[path.startsWith('modbus') ? 'modbus.direct' : 'opcua.direct'];
  return g && d ? g.stats[pct] - d.stats[pct] : undefined;
};

/** Runs one part of the scenario; a failure is recorded and the scenario goes on with the next part. */
async function guarded(name: string, failures: Record<string, string>, log: (m: string) => void, fn: () => Promise<void>, loads?: Record<string, string>): Promise<void> {
  const before = loadavg()[0]!.toFixed(2);
  try {
    await fn();
  } catch (err) {
    failures[name] = (err as Error).message.slice(0, 400);
    log(`  ${name}: FAILED: ${failures[name]}`);
  } finally {
    // The 1-minute load average before and after each part: the machine is shared.
    if (loads) loads[name] = `${before} -> ${loadavg()[0]!.toFixed(2)} (${new Date().toISOString().slice(11, 19)} UTC at the end)`;
  }
}

/**
 * The lag target is a p99 at 1,000 writes/s. When the cell cannot carry that
 * rate, the p99 is measured at a lower one: that is reported as a miss, with
 * the rate reached, never as a pass.
 */
function lagTarget(lag: { rate: number; achieved: number; lagMs: { p99: number } } | undefined): Target {
  const t = atMost('replication lag at 1,000 writes/s: p99', lag?.lagMs.p99, 100, 'ms');
  if (lag === undefined || t.pass === undefined || lag.achieved >= 0.95 * lag.rate) return t;
  return { ...t, pass: false, gap: `${t.pass ? 'p99 within' : `p99 ${t.gap}`}, but at ${fmt(lag.achieved, 0)}/s: ${fmt(lag.rate, 0)}/s not reached` };
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const parts = (process.env.DEPLOYED_PARTS ?? 'floor,latency,throughput,lag,rss,startup,demo').split(',');
  const rounds = 3;
  const perRound = ctx.quick ? 100 : 300;
  const warmup = ctx.quick ? 20 : 50;
  const tputS = ctx.quick ? 3 : 10;
  const lagS = ctx.quick ? 3 : 10;
  const rssBudgetS = Number(process.env.DEPLOYED_RSS_SECONDS ?? (ctx.quick ? 10 : 300));
  if (!pymodbusAvailable()) throw new Error('python3-pymodbus is not installed (/usr/bin/python3 -c "import pymodbus" failed)');
  const rows: Row[] = [];
  const res: Record<string, unknown> = {};
  let floor: Floor | undefined;
  let deployedLat: LatencyRun | undefined;
  let demoLat: LatencyRun | undefined;
  let tp: Throughput | undefined;
  let lag: Lag | undefined;
  let rss: RssPoint[] = [];
  const ready: Record<string, number[]> = { gatewayWarm: [], demoCold: [], demoWarm: [] };
  const failures: Record<string, string> = {};
  const loads: Record<string, string> = {};
  const g = (name: string, fn: () => Promise<void>) => guarded(name, failures, ctx.log, fn, loads);

  const d = await startDeployed();
  res.partsReadyMs = Object.fromEntries([...d.procs, d.gateway].map((p) => [p.name, Math.round(p.readyMs)]));
  ctx.log(`  deployed: READY ms ${JSON.stringify(res.partsReadyMs)}`);
  // The watcher subscribes to every receipt batch and ack: extra broker deliveries and JSON
  // parsing in this process that a site does not have, so it opens after the latency rounds.
  let watch: ReplicationWatch | undefined;
  const openWatch = async (): Promise<ReplicationWatch> => (watch ??= await ReplicationWatch.open(d.ends.mqtt));
  try {
    if (parts.includes('floor')) await g('floor', async () => {
      ctx.log('  floor: the parts of a gated write alone, the topology idle');
      floor = await measureFloor(dirname(d.ends.keys), { quick: ctx.quick });
      const f = floor;
      rows.push({ label: 'FLOOR 1.3 KB append + fdatasync, on the ledger\'s filesystem', unit: 'ms', stats: f.appendSync });
      rows.push({ label: 'FLOOR Ed25519 sign (node:crypto)', unit: 'ms', stats: f.sign });
      rows.push({ label: 'FLOOR Ed25519 verify (node:crypto)', unit: 'ms', stats: f.verify });
      rows.push({ label: 'FLOOR round trip between two Node processes, loopback TCP', unit: 'ms', stats: f.roundTrip, note: `CPU ms per round trip: ${f.roundTripCpu.client.toFixed(3)} + ${f.roundTripCpu.server.toFixed(3)}` });
      rows.push({ label: 'FLOOR added over direct, sum of the parts on the critical path (p50)', note: `modbus.staged ${f.added['modbus.staged'].toFixed(2)} ms, modbus.inline ${f.added['modbus.inline'].toFixed(2)} ms; gateway CPU per inline write ${f.gatewayCpuInline.toFixed(2)} ms` });
    });
    if (parts.includes('latency')) await g('deployed latency', async () => {
      ctx.log('  deployed: latency rounds');
      deployedLat = await measureLatency(d.ends, () => [...d.procs, d.gateway], { rounds, perRound, warmup, paths: pathsFrom(ALL_PATHS), log: ctx.log });
      rows.push(...latencyRows('DEPLOYED', deployedLat));
    });
    if (parts.includes('throughput')) await g('deployed throughput', async () => {
      ctx.log('  deployed: throughput');
      tp = await throughput(d, await openWatch(), tputS);
      rows.push({ label: `DEPLOYED throughput, 32 clients, inline: intents replicated to the upstream`, opsPerSec: tp.perSec, note: `${tp.replicatedIntents} in ${tp.seconds.toFixed(1)} s; ${tp.acknowledged} acknowledged; CPU ms/write: ${fmtCpu(tp.cpuPerWrite)}` });
      rows.push({ label: 'DEPLOYED throughput: write latency under load', unit: 'ms', stats: tp.latency, note: Object.entries(tp.errors).map(([k, v]) => `${v}x ${k}`).join('; ').slice(0, 200) });
    });
    if (parts.includes('lag')) await g('deployed lag', async () => {
      ctx.log('  deployed: replication lag at 1,000 writes/s');
      lag = await lagAt(d, await openWatch(), 1000, lagS);
      rows.push({ label: `DEPLOYED replication lag at ${lag.rate}/s (achieved ${lag.achieved.toFixed(0)}/s): append -> upstream ack`, unit: 'ms', stats: lag.lagMs });
      rows.push({ label: 'DEPLOYED replication lag: receipts not yet acknowledged (/metrics, every 100 ms)', unit: 'receipts', stats: lag.lagReceipts });
    });
    if (parts.includes('rss')) await g('deployed rss', async () => {
      ctx.log(`  deployed: RSS over ${rssBudgetS} s of gated writes`);
      rss = await rssTrend(d, rssBudgetS, ctx.log);
      const last = rss[rss.length - 1]!;
      rows.push({ label: `DEPLOYED gateway RSS: idle -> after ${last.writes} writes (${last.seconds.toFixed(0)} s)`, unit: 'MB', note: rss.map((p) => `${Math.round(p.writes / 1000)}k:${p.rssMB.toFixed(0)}`).join(' ') });
      const first = rss[0]!;
      const mb = (p: RssPoint) => `anon ${p.anonMB.toFixed(0)}, files ${p.fileMB.toFixed(0)}, V8 heap ${p.heapUsedMB.toFixed(0)} used of ${p.heapTotalMB.toFixed(0)}`;
      rows.push({ label: 'DEPLOYED gateway memory, idle -> last sample', unit: 'MB', note: `${mb(first)} -> ${mb(last)}` });
    });
    if (parts.includes('startup')) await g('deployed startup', async () => {
      for (let i = 0; i < 3; i++) ready.gatewayWarm!.push((await d.restartGateway()).readyMs);
      rows.push({ label: 'DEPLOYED gateway alone: spawn -> READY, warm (3 restarts)', unit: 'ms', note: ready.gatewayWarm!.map((x) => x.toFixed(0)).join(' / ') });
    });
  } finally {
    await watch?.close().catch(() => undefined);
    await d.close();
  }

  if (parts.includes('demo') || parts.includes('startup')) await g('demo', async () => {
    const demo = await startDemo();
    ready.demoCold!.push(demo.proc.readyMs);
    let data = demo.data;
    try {
      if (parts.includes('demo')) {
        ctx.log('  demo: latency rounds');
        const plcOpcuaLogin = { userName: 'gateway', password: readFileSync(join(demo.ends.keys, 'plc', 'reactor.secret'), 'utf8').trim() };
        demoLat = await measureLatency(demo.ends, () => [demo.proc], { rounds, perRound, warmup, paths: pathsFrom(DEMO_PATHS), plcOpcuaLogin, log: ctx.log });
        rows.push(...latencyRows('DEMO', demoLat));
      }
    } finally {
      data = demo.data;
      await demo.close(true);
    }
    for (let i = 0; i < 2; i++) {
      const again = await startDemo(data);
      ready.demoWarm!.push(again.proc.readyMs);
      await again.close(i < 1);
    }
    rows.push({ label: 'DEMO spawn -> READY, cold (keys and certificates created) / warm (x2)', unit: 'ms', note: `${ready.demoCold!.map((x) => x.toFixed(0)).join(' / ')} ; ${ready.demoWarm!.map((x) => x.toFixed(0)).join(' / ')}` });
  });
  if (floor && deployedLat) {
    for (const path of ['modbus.staged', 'modbus.inline'] as const) {
      const measured = addedP(deployedLat, path, 'p50');
      if (measured !== undefined) rows.push({ label: `FLOOR vs DEPLOYED ${path}: added p50`, note: `floor ${floor.added[path].toFixed(2)} ms, measured ${measured.toFixed(2)} ms (${(measured / floor.added[path]).toFixed(1)}x)` });
    }
    const cpu = deployedLat.paths['modbus.inline']?.cpuPerWriteAboveIdle.gateway;
    if (cpu !== undefined) rows.push({ label: 'FLOOR vs DEPLOYED gateway CPU per inline write', note: `floor ${floor.gatewayCpuInline.toFixed(2)} ms, measured ${cpu.toFixed(2)} ms (${(cpu / floor.gatewayCpuInline).toFixed(1)}x)` });
  }
  for (const [k, v] of Object.entries(failures)) rows.push({ label: `${k}`, note: `FAILED: ${v.slice(0, 200)}` });

  const med = (xs: number[] | undefined) => (xs && xs.length ? summarize(xs).p50 : undefined);
  const gwCpu = deployedLat?.paths['modbus.inline']?.cpuPerWriteAboveIdle.gateway;
  const within = (demo: number | undefined, dep: number | undefined) => (demo === undefined || dep === undefined ? undefined : (100 * (demo - dep)) / dep);
  const rssAt100k = rss.find((p) => p.writes >= 100_000);
  const rssLast = rss[rss.length - 1];
  const targets: Target[] = [
    atMost('deployed Modbus inline: added p50', addedP(deployedLat, 'modbus.inline', 'p50'), 1.0, 'ms'),
    atMost('deployed Modbus inline: added p99', addedP(deployedLat, 'modbus.inline', 'p99'), 3, 'ms'),
    atMost('deployed Modbus staged: added p50', addedP(deployedLat, 'modbus.staged', 'p50'), 0.5, 'ms'),
    atMost('deployed OPC UA inline: added p50', addedP(deployedLat, 'opcua.inline', 'p50'), 1.5, 'ms'),
    atMost('demo vs deployed, Modbus inline added p50 (% over)', within(addedP(demoLat, 'modbus.inline', 'p50'), addedP(deployedLat, 'modbus.inline', 'p50')), 20, '%'),
    atMost('demo vs deployed, Modbus staged added p50 (% over)', within(addedP(demoLat, 'modbus.staged', 'p50'), addedP(deployedLat, 'modbus.staged', 'p50')), 20, '%'),
    atMost('demo vs deployed, OPC UA inline added p50 (% over)', within(addedP(demoLat, 'opcua.inline', 'p50'), addedP(deployedLat, 'opcua.inline', 'p50')), 20, '%'),
    atMost('gateway CPU per gated inline write (sequential, above idle)', gwCpu, 0.3, 'ms'),
    atLeast('durable gated writes/s, 32 clients, deployed, upstream on', tp?.perSec, 3000, 'writes/s'),
    lagTarget(lag),
    atMost('demo READY cold', (med(ready.demoCold) ?? NaN) / 1000, 4, 's'),
    atMost('demo READY warm', (med(ready.demoWarm) ?? NaN) / 1000, 2, 's'),
    atMost('gateway alone READY warm', (med(ready.gatewayWarm) ?? NaN) / 1000, 1, 's'),
    atMost(`gateway RSS after ${rssLast?.writes ?? 0} writes`, rssLast?.rssMB, 200, 'MB'),
    atMost('gateway RSS growth after the first 100k writes (slope; flat)', rssSlopePer100k(rss), 1, 'MB per 100k writes'),
  ];
  if (spawnedFromSources.length > 0) rows.push({ label: 'WARNING parts started from the sources, not the build (their figures do not compare)', note: spawnedFromSources.join(', ') });
  return {
    scenario: SITE_BROKER === 'mosquitto' ? 'deployed-mosquitto' : 'deployed',
    title: `Deployed topology (each part its own process, as docker/compose.yaml; site broker: ${SITE_BROKER === 'mosquitto' ? 'Mosquitto' : 'taogate broker'}) and taogate demo`,
    params: { siteBroker: SITE_BROKER, rounds, perRound, warmup, throughputSeconds: tputS, lagSeconds: lagS, rssBudgetSeconds: rssBudgetS, modbusClient: 'pymodbus 3 (python3-pymodbus), one connection per round, source 127.0.0.2', opcuaClient: 'node-opcua, Security None', gatewayEnv: DEPLOYED_ENV, parts },
    rows,
    comparison: { deployed: deployedLat, demo: demoLat },
    checks: { ...res, failures, loads, floor, throughput: tp, lag, rss, ready, rssAt100k, spawnedFromSources },
    targets,
    notes: ['CPU per write from /proc/PID/stat utime+stime deltas around each round (10 ms ticks), warm-up writes included.'],
  };
}
