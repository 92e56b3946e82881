/**
 * `taogate demo` as a child process, the way a person runs it: spawned with
 * node, ready when it prints its READY line, stopped with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const TAOGATE = fileURLToPath(new URL('../../src/cli/taogate.mjs', import.meta.url));

export interface ReadyInfo {
  mqtt: string;
  modbus: string;
  opcua: string;
  plc: { modbus: string; opcua: string };
  http: string;
  data: string;
}

export interface DemoProcess {
  readonly ready: ReadyInfo;
  readonly child: ChildProcess;
  /** Everything the demo wrote on stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then the exit code (or the signal name that killed it). */
  stop(timeoutMs?: number): Promise<number | string>;
}

export async function startDemo(data: string, portBase: number, timeoutMs = 90_000): Promise<DemoProcess> {
  const child = spawn(process.execPath, [TAOGATE, 'demo', '--data', data, '--port-base', String(portBase), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const ready = await new Promise<ReadyInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo printed no READY line within ${timeoutMs} ms; stderr:\n${err.slice(-3000)}`)), timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('READY '.length)) as ReadyInfo);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited (${code}) before READY; stderr:\n${err.slice(-3000)}`));
    });
  });
  return {
    ready,
    child,
    stderr: () => err,
    async stop(stopTimeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A base port N such that N..N+5 are free on 127.0.0.1 right now. */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * 25_000);
    if (await allFree(base, 6)) return base;
  }
  throw new Error('no 6 consecutive free ports found');
}

async function allFree(base: number, n: number): Promise<boolean> {
  for (let p = base; p < base + n; p++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^.*\/\//, ''), port: Number(address.slice(i + 1)) };
}
