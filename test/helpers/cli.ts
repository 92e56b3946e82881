/**
 * Drives the real `taogate` CLI as a child process: one-shot commands and
 * the long-running demo (READY line on stdout, clean exit on SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ReadyInfo } from '../../src/cli/demo/ports.js';

export const CLI = fileURLToPath(new URL('../../src/cli/taogate.mjs', import.meta.url));

/**
 * Demos this test process started and that still run: killed when it exits
 * (mocha --exit after a timed-out test, which never reached its own stop), so
 * no demo outlives the run holding ports, CPU and a deleted data dir.
 */
const liveDemos = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of liveDemos) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, collecting stdout and stderr; rejects (after SIGKILL) on timeout. */
export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; label?: string } = {},
): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, NODE_NO_WARNINGS: '1', ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.label ?? `${cmd} ${args.join(' ')}`} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export function runCli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], { ...opts, label: `taogate ${args.join(' ')}` });
}

/** A base port N such that N..N+6 are free on 127.0.0.1 right now. */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let p = base; p < base + 7 && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no 7 consecutive free ports found (the demo uses N..N+6)');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export type Ready = ReadyInfo;

export interface DemoProcess {
  readonly proc: ChildProcess;
  readonly ready: Ready;
  stderr(): string;
  stdout(): string;
  /** SIGTERM (or the given signal) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startDemo(data: string, portBase: number, extra: readonly string[] = []): Promise<DemoProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'demo', '--data', data, '--port-base', String(portBase), '--log-level', 'warn', ...extra], {
      cwd: REPO,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    let stderr = '';
    liveDemos.add(proc);
    const exited = new Promise<number | null>((r) =>
      proc.on('close', (code) => {
        liveDemos.delete(proc);
        r(code);
      }),
    );
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`demo did not print READY within 90 s\n${stderr}`));
    }, 90_000); // the first start makes keys and OPC UA certificates: tens of seconds on a loaded machine
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('READY '));
      if (line && stdout.endsWith('\n')) {
        clearTimeout(timer);
        resolve({
          proc,
          ready: JSON.parse(line.slice(6)) as Ready,
          stderr: () => stderr,
          stdout: () => stdout,
          stop: async (signal = 'SIGTERM') => {
            if (proc.exitCode !== null) return proc.exitCode;
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code} before READY\n${stderr}`));
    });
  });
}

/** A long-running `taogate` part (gateway, governance, sim ...) started as a child process. */
export interface CliPart {
  readonly proc: ChildProcess;
  /** The READY line's JSON; rejects if the process exits first. */
  readonly ready: Promise<Record<string, unknown>>;
  stderr(): string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `taogate ARGS`; `env` is laid over this process's environment (undefined removes a variable). */
export function startCliPart(args: readonly string[], env: Record<string, string | undefined> = {}): CliPart {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
    });
    proc.once('exit', (code) => reject(new Error(`taogate ${args.slice(0, 2).join(' ')} exited ${code} before READY:\n${err}`)));
  });
  ready.catch(() => undefined);
  return {
    proc,
    ready,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}
