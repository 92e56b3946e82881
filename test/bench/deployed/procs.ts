/**
 * Child processes for the deployed-topology benchmark: spawn `taogate ARGS`
 * and wait for its READY line, stop it, and read its CPU time and memory
 * from /proc/<pid>/stat and /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runsBuild } from '../../../src/cli/build-stamp.mjs';
import { sleep } from '../stats.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'src/cli/taogate.mjs');

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Spawn -> READY line, ms. */
  readonly readyMs: number;
  readonly ready: Record<string, unknown>;
  readonly logFile: string;
}

export const logFileOf = (name: string) => join(tmpdir(), `taogate-bench-deployed-${name}-stderr.log`);

/** Parts still running: SIGKILLed when the bench exits or is interrupted, so no part outlives it. */
const running = new Set<ChildProcess>();
const killAll = () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  });

/**
 * Parts spawned while the build was not the build of the sources (a source
 * file edited after `npm run bench` built, or TAOGATE_FROM_SOURCE=1): the CLI
 * ran them from the TypeScript sources through tsx, which starts ~1 s slower
 * and costs more CPU, so their figures do not compare with the others'.
 * `name HH:MM:SS` each; deployed.ts reports them.
 */
export const spawnedFromSources: string[] = [];

/** Spawns `taogate ARGS` (stderr to a log file) and resolves at its READY line. */
export function startProc(name: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 240_000, nodeArgs: readonly string[] = []): Promise<Proc> {
  const childEnv = { ...process.env, NODE_NO_WARNINGS: '1', TAOGATE_LOG_LEVEL: 'info', ...env };
  if (!runsBuild(ROOT, childEnv)) {
    spawnedFromSources.push(`${name} ${new Date().toISOString().slice(11, 19)}`);
    process.stderr.write(`bench: WARNING: taogate ${name} starts from the sources, not the build (TAOGATE_FROM_SOURCE=1, or a source changed since the bench built): its figures do not compare\n`);
  }
  const logFile = logFileOf(name);
  const t0 = performance.now();
  const err = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', err], env: childEnv });
  closeSync(err);
  running.add(child);
  child.once('exit', () => running.delete(child));
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

/** Spawns a program that is not taogate (stdout and stderr to a log file) and resolves once its log matches `ready`. */
export async function startExternal(name: string, cmd: string, args: readonly string[], ready: RegExp, info: Record<string, unknown>, timeoutMs = 20_000): Promise<Proc> {
  const logFile = logFileOf(name);
  const t0 = performance.now();
  const out = openSync(logFile, 'w');
  const child = spawn(cmd, [...args], { stdio: ['ignore', out, out] });
  closeSync(out);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(readFileSync(logFile, 'utf8'))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} (${cmd}) did not start; last lines of ${logFile}:\n${logTail(logFile)}`);
    }
    await sleep(25);
  }
  return { name, child, readyMs: performance.now() - t0, ready: info, logFile };
}

export async function stopProc(p: Proc): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    p.child.kill('SIGKILL');
    return null;
  }
  return code;
}

export function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

function alive(p: Proc): void {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    throw new Error(`taogate ${p.name} died (exit ${p.child.exitCode}, signal ${p.child.signalCode}); last lines of ${p.logFile}:\n${logTail(p.logFile)}`);
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const HZ = 100;

/** utime + stime of a process (all its threads), in ms. */
export function cpuMs(p: Proc): number {
  alive(p);
  const stat = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8');
  // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / HZ;
}

export interface Mem {
  rssMB: number;
  hwmMB: number;
  /** RssAnon: the heap, V8's and native allocations. */
  anonMB: number;
  /** RssFile: mapped files (the node binary, LevelDB's table files). */
  fileMB: number;
}

export function memOf(p: Proc): Mem {
  alive(p);
  const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024, anonMB: kb('RssAnon') / 1024, fileMB: kb('RssFile') / 1024 };
}

/** CPU ms of each process, for before/after deltas around a measured stretch. */
export function cpuSnapshot(procs: readonly Proc[]): Record<string, number> {
  return Object.fromEntries(procs.map((p) => [p.name, cpuMs(p)]));
}

export function cpuDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]));
}
