/** Replication test helpers: an upstream node in-process or as a real `taogate upstream` child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { startUpstream, type UpstreamNode } from '../../src/replication/upstream.js';
import type { Cell } from '../helpers/cell.js';
import { CLI, REPO } from '../helpers/cli.js';

export function upstreamDir(cell: Cell): string {
  return join(cell.dir, 'upstream');
}

export function startUpstreamIn(cell: Cell): Promise<UpstreamNode> {
  const kp = keyPaths(cell.keysDir);
  return startUpstream({
    dir: upstreamDir(cell),
    trust: cell.trust,
    signer: readPrivateKeyFile(kp.upstream).signer,
    mqtt: { url: cell.broker.url, username: 'upstream', password: cell.secret('upstream') },
  });
}

export interface UpstreamChild {
  readonly proc: ChildProcess;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `taogate upstream` as a child process; resolves on its READY line. */
export function spawnUpstream(cell: Cell, extra: readonly string[] = []): Promise<UpstreamChild> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'upstream', '--broker', cell.broker.url, '--keys', cell.keysDir, '--dir', upstreamDir(cell), '--log-level', 'warn', ...extra], {
      cwd: REPO,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => proc.on('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
    const timer = setTimeout(() => reject(new Error(`upstream did not print READY in 20 s\n${err}`)), 20_000);
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY ')) {
        clearTimeout(timer);
        resolve({
          proc,
          stderr: () => err,
          kill: async (signal = 'SIGKILL') => {
            if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`upstream exited with ${code} before READY\n${err}`));
    });
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
