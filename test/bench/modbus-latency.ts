/**
 * Scenario 1, Modbus latency: sequential FC16 writes of skid.flow_sp
 * (float32 ABCD, holding 100-101) from a modbus-serial client as
 * optimizer-1, on four paths in the same process and the same run:
 *
 *   direct       client -> PLC simulator (the baseline)
 *   passthrough  client -> raw MBAP proxy (no gate) -> PLC
 *   staged       client -> gateway, TAO pre-issued and staged before the timed loop
 *   inline       client -> gateway, which asks governance for a TAO per write
 *
 * The paths run in interleaved rounds (direct, passthrough, staged, inline,
 * direct, ...) so that noise from other work on the machine spreads over all
 * of them. Added latency = path minus direct, per percentile.
 */
import { startCell, type Cell } from '../helpers/cell.js';
import { startPassthroughProxy, type PassthroughProxy } from './passthrough-proxy.js';
import { closeClient, optimizerClient, stageTaos, valueAt, writeFlow, type ModbusClient } from './modbus-tools.js';
import { added, atMost, summarize, type BenchContext, type Row, type ScenarioResult } from './stats.js';

type Path = 'direct' | 'passthrough' | 'staged' | 'inline';
const PATHS: readonly Path[] = ['direct', 'passthrough', 'staged', 'inline'];
const LABEL: Record<Path, string> = {
  direct: 'direct to PLC simulator (baseline)',
  passthrough: 'raw MBAP proxy, no gate',
  staged: 'gateway, staged pre-issued TAO',
  inline: 'gateway, inline TAO',
};

export interface ModbusLatencyRig {
  cell: Cell;
  proxy: PassthroughProxy;
  clients: Record<Path, ModbusClient>;
  close(): Promise<void>;
}

export async function startRig(): Promise<ModbusLatencyRig> {
  const cell = await startCell({ modbus: true });
  const proxy = await startPassthroughProxy('127.0.0.1', cell.plc!.port);
  const gw = await optimizerClient(cell.modbusPort);
  const clients: Record<Path, ModbusClient> = {
    direct: await optimizerClient(cell.plc!.port),
    passthrough: await optimizerClient(proxy.port),
    staged: gw,
    inline: await optimizerClient(cell.modbusPort),
  };
  return {
    cell,
    proxy,
    clients,
    async close() {
      for (const c of new Set(Object.values(clients))) await closeClient(c);
      await proxy.close();
      await cell.close();
    },
  };
}

let counter = 0;

/** Runs `n` sequential writes on one path; returns per-write ms. */
export async function timedWrites(client: ModbusClient, n: number): Promise<number[]> {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = valueAt(counter++);
    const t0 = performance.now();
    await writeFlow(client, v);
    out[i] = performance.now() - t0;
  }
  return out;
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 400 : 2000;
  const rounds = ctx.quick ? 2 : 4;
  const perRound = total / rounds;
  const warmup = ctx.quick ? 50 : 200;
  const rig = await startRig();
  const samples: Record<Path, number[]> = { direct: [], passthrough: [], staged: [], inline: [] };
  let stagingMs = 0;
  try {
    // Warm up every path (JIT, connections, LevelDB) outside the timed loops.
    for (const p of PATHS) {
      if (p === 'staged') continue;
      await timedWrites(rig.clients[p], warmup);
    }
    for (let r = 0; r < rounds; r++) {
      for (const p of PATHS) {
        if (p === 'staged') {
          // Request + present this round's TAOs ahead of time (outside the timed loop);
          // values follow the same alternation the timed loop will write.
          const values = Array.from({ length: perRound }, (_, i) => valueAt(counter + i));
          const t0 = performance.now();
          await stageTaos(rig.cell, 'optimizer-1', 'skid.flow_sp', values);
          stagingMs += performance.now() - t0;
        }
        samples[p].push(...(await timedWrites(rig.clients[p], perRound)));
        ctx.log(`  round ${r + 1}/${rounds} ${p}: ${perRound} writes`);
      }
    }
  } finally {
    await rig.close();
  }
  const s = Object.fromEntries(PATHS.map((p) => [p, summarize(samples[p])])) as Record<Path, ReturnType<typeof summarize>>;
  const rows: Row[] = PATHS.map((p) => ({ label: `${LABEL[p]}`, unit: 'ms', stats: s[p], opsPerSec: 1000 / s[p].mean }));
  const comparison = {
    addedVsDirect: { passthrough: added(s.passthrough, s.direct), staged: added(s.staged, s.direct), inline: added(s.inline, s.direct) },
    gateCostVsPassthrough: { staged: added(s.staged, s.passthrough), inline: added(s.inline, s.passthrough) },
  };
  for (const p of ['passthrough', 'staged', 'inline'] as const) {
    const a = comparison.addedVsDirect[p];
    rows.push({ label: `  added: ${p} - direct`, unit: 'ms', stats: { n: s[p].n, p50: a.p50, p90: a.p90, p99: a.p99, max: a.max, mean: s[p].mean - s.direct.mean } });
  }
  return {
    scenario: 'modbus-latency',
    title: `In-process cell: Modbus latency: ${total} sequential FC16 writes of skid.flow_sp per path (${rounds} interleaved rounds)`,
    params: { writesPerPath: total, rounds, warmupPerPath: warmup, values: 'alternating 50 / 60 (step 10 <= 30)', client: 'modbus-serial 8, source 127.0.0.2 (optimizer-1)', stagingMsTotal: Math.round(stagingMs) },
    rows,
    comparison,
    targets: [
      atMost('Modbus inline TAO: added p50', comparison.addedVsDirect.inline.p50, 1.0, 'ms'),
      atMost('Modbus inline TAO: added p99', comparison.addedVsDirect.inline.p99, 3, 'ms'),
      atMost('Modbus staged TAO: added p50', comparison.addedVsDirect.staged.p50, 0.5, 'ms'),
    ],
    notes: ['Everything (client, broker, governance, gateway, PLC simulator) runs in one Node process, as the in-process test cell does.'],
  };
}
