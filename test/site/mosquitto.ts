/**
 * A real Mosquitto 2.0 (Debian's /usr/sbin/mosquitto) for tests, configured
 * by `broker mosquitto-config` (writeMosquittoConfig) from a keys dir, on a
 * free port of 127.0.0.1. Skips the suite (with the reason) when Mosquitto
 * is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMosquittoConfig } from '../../src/cli/commands/broker-mosquitto.js';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

export interface RealMosquitto {
  readonly url: string;
  readonly port: number;
  readonly conf: string;
  log(): string;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `broker mosquitto-config` for a Mosquitto on 127.0.0.1:PORT run by this user, into `out`. */
export function writeLocalMosquittoConfig(keysDir: string, out: string, port: number, tls?: boolean): ReturnType<typeof writeMosquittoConfig> {
  // Started as root, Mosquitto would switch to the `mosquitto` account, which cannot read the 0600 password file.
  return writeMosquittoConfig({ keys: keysDir, out, host: '127.0.0.1', port, tls, ...(process.getuid?.() === 0 ? { user: 'root' } : {}) });
}

/** Writes the config for `keysDir` and starts Mosquitto; resolves once it listens. */
export async function startMosquitto(o: { keysDir: string; port?: number; tls?: boolean }): Promise<RealMosquitto> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed');
  const port = o.port || (await freePort());
  const out = mkdtempSync(join(tmpdir(), 'taogate-mosquitto-'));
  const files = writeLocalMosquittoConfig(o.keysDir, out, port, o.tls);
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', files.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!/running/.test(log)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      rmSync(out, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `${o.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    conf: files.conf,
    log: () => log,
    async close() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(out, { recursive: true, force: true });
    },
  };
}
