/**
 * Sequential write latency through a running topology (deployed parts or
 * `taogate demo`), paths interleaved in rounds so that load from other
 * processes falls on every path alike:
 *
 *   Modbus (pymodbus, one connection per round, FC16 skid.flow_sp 50/60):
 *     direct -> PLC simulator; proxy -> raw MBAP proxy (bench process) -> PLC;
 *     staged -> gateway with TAOs staged before the round; inline -> gateway.
 *   OPC UA (node-opcua, reactor.temp_sp 80/90):
 *     direct -> PLC simulator, as the gateway reaches it (a hardened PLC: Basic256Sha256
 *     SignAndEncrypt, user gateway); inline -> gateway front as alice, Security None.
 *
 * Around every round the CPU time (utime + stime from /proc/PID/stat) of each
 * part is read; per path the CPU ms per write of every part is reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPassthroughProxy, type PassthroughProxy } from '../passthrough-proxy.js';
import { summarize, type Summary } from '../stats.js';
import { MODBUS_VALUES, opcuaWriter, pymodbusWrites, stageTaos, type Timed, type Writer } from './clients.js';
import { cpuDelta, cpuSnapshot, type Proc } from './procs.js';
import type { Endpoints } from './topology.js';

export type PathName = 'modbus.direct' | 'modbus.proxy' | 'modbus.staged' | 'modbus.inline' | 'opcua.direct' | 'opcua.inline';

export interface PathResult {
  readonly stats: Summary;
  /** CPU ms per write, by process name (everything the process did during the rounds). */
  readonly cpuPerWrite: Record<string, number>;
  /** The same minus what the process burns when idle (its idle CPU rate times the rounds' wall time). */
  readonly cpuPerWriteAboveIdle: Record<string, number>;
  readonly samples: number;
  /** Writes that failed (exception / Bad status / timeout), not timed. */
  readonly errors: number;
}

export interface LatencyOptions {
  readonly rounds: number;
  readonly perRound: number;
  readonly warmup: number;
  readonly paths: readonly PathName[];
  /** The demo's OPC UA PLC wants a login (user gateway, KEYS/plc/reactor.secret). */
  readonly plcOpcuaLogin?: { userName: string; password: string };
  log(msg: string): void;
}

export interface LatencyRun {
  readonly paths: Partial<Record<PathName, PathResult>>;
  /** CPU ms per second of each process with no writes (5 s before the rounds). */
  readonly idleCpuMsPerS: Record<string, number>;
  readonly skipped: Partial<Record<PathName, string>>;
}

export async function measureLatency(ends: Endpoints, procs: () => readonly Proc[], o: LatencyOptions): Promise<LatencyRun> {
  const samples = new Map<PathName, number[]>();
  const cpu = new Map<PathName, Record<string, number>>();
  const skipped: Partial<Record<PathName, string>> = {};
  let idleRate: Record<string, number> = {};
  const errors = new Map<PathName, number>();
  const wallMs = new Map<PathName, number>();
  const failures = new Map<PathName, string>();
  const pki = mkdtempSync(join(tmpdir(), 'taogate-bench-deployed-opcua-'));
  let proxy: PassthroughProxy | undefined;
  const writers: Partial<Record<PathName, Writer>> = {};
  try {
    if (o.paths.includes('modbus.proxy')) {
      const [h, p] = ends.plcModbus.split(':');
      proxy = await startPassthroughProxy(h!, Number(p));
    }
    // The direct path logs in to the PLC as the gateway does: a hardened PLC (the deployed one) trusts the bench
    // client's certificate under ends.benchOpcuaPki; the demo's trusts only the gateway's (the path is then skipped).
    const plcLogin = ends.plcOpcuaLogin ?? o.plcOpcuaLogin;
    for (const [path, endpoint, user, secured, clientPki] of [
      ['opcua.direct', ends.plcOpcua, plcLogin, plcLogin !== undefined, ends.benchOpcuaPki ?? pki],
      ['opcua.inline', ends.opcua, { userName: 'alice', password: 'alice-demo' }, false, pki],
    ] as const) {
      if (!o.paths.includes(path)) continue;
      try {
        writers[path] = await opcuaWriter(endpoint.startsWith('opc.tcp://') ? endpoint : `opc.tcp://${endpoint}`, clientPki, user, secured);
      } catch (err) {
        skipped[path] = `cannot connect to ${endpoint}: ${(err as Error).message}`;
      }
    }
    const one = async (path: PathName, warmup: number, n: number): Promise<Timed> => {
      switch (path) {
        case 'modbus.direct':
          return pymodbusWrites(ends.plcModbus, warmup, n);
        case 'modbus.proxy':
          return pymodbusWrites(`127.0.0.1:${proxy!.port}`, warmup, n);
        case 'modbus.staged':
        case 'modbus.inline':
          return pymodbusWrites(ends.modbus, warmup, n);
        default: {
          const w = writers[path]!;
          let errors = 0;
          for (let i = 0; i < warmup; i++) await w.write(i % 2 ? 90 : 80).catch(() => errors++);
          const out: number[] = [];
          for (let i = 0; i < n; i++) {
            const t0 = performance.now();
            try {
              await w.write(i % 2 ? 90 : 80);
              out.push(performance.now() - t0);
            } catch {
              errors++;
            }
          }
          return { ms: out, errors };
        }
      }
    };
    // Background CPU (timers, the OPC UA PLC link's monitored items, the console's poll): 5 s with no writes.
    const i0 = cpuSnapshot(procs());
    const iT = performance.now();
    await new Promise((res) => setTimeout(res, 5000));
    const idleMs = cpuDelta(i0, cpuSnapshot(procs()));
    const idleS = (performance.now() - iT) / 1000;
    idleRate = Object.fromEntries(Object.entries(idleMs).map(([k, v]) => [k, v / idleS]));
    for (let r = 0; r < o.rounds; r++) {
      for (const path of o.paths) {
        if (skipped[path]) continue;
        try {
          // Staging happens inside one(); its CPU is not the write's: snapshot after staging for that path.
          let before = cpuSnapshot(procs());
          let t0 = performance.now();
          let t: Timed;
          if (path === 'modbus.staged') {
            const values = Array.from({ length: o.warmup + o.perRound }, (_, i) => MODBUS_VALUES[i % 2]!);
            await stageTaos(ends.mqtt, ends.keys, 'optimizer-1', 'skid.flow_sp', values);
            before = cpuSnapshot(procs());
            t0 = performance.now();
            t = await pymodbusWrites(ends.modbus, o.warmup, o.perRound);
          } else t = await one(path, o.warmup, o.perRound);
          const d = cpuDelta(before, cpuSnapshot(procs()));
          wallMs.set(path, (wallMs.get(path) ?? 0) + performance.now() - t0);
          const acc = cpu.get(path) ?? {};
          for (const [k, v] of Object.entries(d)) acc[k] = (acc[k] ?? 0) + v;
          cpu.set(path, acc);
          (samples.get(path) ?? samples.set(path, []).get(path)!).push(...t.ms);
          errors.set(path, (errors.get(path) ?? 0) + t.errors);
          o.log(`    round ${r + 1}/${o.rounds} ${path}: p50 ${summarize(t.ms).p50.toFixed(3)} ms${t.errors ? `, ${t.errors} failed` : ''}`);
        } catch (err) {
          // A round that could not run at all (connection lost, staging failed): the path keeps its earlier rounds.
          failures.set(path, (err as Error).message.slice(0, 300));
          o.log(`    round ${r + 1}/${o.rounds} ${path}: failed: ${failures.get(path)}`);
        }
      }
    }
  } finally {
    for (const w of Object.values(writers)) await w.close().catch(() => undefined);
    await proxy?.close();
    rmSync(pki, { recursive: true, force: true });
  }
  const paths: Partial<Record<PathName, PathResult>> = {};
  for (const [path, why] of failures) if (!samples.get(path)?.length) skipped[path] = why;
  for (const [path, ms] of samples) {
    if (skipped[path] || ms.length === 0) continue;
    // CPU per write counts the warm-up writes too (they ran inside the snapshot window).
    const writes = ms.length + o.warmup * o.rounds;
    const c = cpu.get(path) ?? {};
    const wallS = (wallMs.get(path) ?? 0) / 1000;
    paths[path] = {
      stats: summarize(ms),
      samples: ms.length,
      errors: errors.get(path) ?? 0,
      cpuPerWrite: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / writes])),
      cpuPerWriteAboveIdle: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v - (idleRate[k] ?? 0) * wallS) / writes])),
    };
  }
  return { paths, skipped, idleCpuMsPerS: idleRate };
}

export function readSecret(file: string): string {
  return readFileSync(file, 'utf8').trim();
}
