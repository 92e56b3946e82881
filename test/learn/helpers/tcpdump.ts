/**
 * Real captures for the learn tests: tcpdump on the loopback interface,
 * writing a pcap (or pcapng) file. Needs root (or CAP_NET_RAW); when tcpdump
 * cannot capture, startTcpdump says why and the test skips with that reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Tcpdump {
  /** Stops the capture (SIGINT, which flushes the file) and waits for tcpdump to exit. */
  stop(): Promise<void>;
}

export async function startTcpdump(file: string, filter: string, opts: { pcapng?: boolean } = {}): Promise<Tcpdump | { skip: string }> {
  // -Z root: do not drop to the tcpdump user, who cannot write into a root-owned temp dir. -U: write each packet as it comes.
  const args = ['-i', 'lo', '-n', '-U', '--immediate-mode', '-Z', 'root', '-s', '0', '-w', file, ...(opts.pcapng ? ['--time-stamp-precision=nano'] : []), filter];
  let proc: ChildProcess;
  try {
    proc = spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    return { skip: `tcpdump cannot start: ${(err as Error).message}` };
  }
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    proc.on('error', (err) => {
      stderr += err.message;
      clearTimeout(timer);
      resolve(false);
    });
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    proc.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!started) {
    proc.kill('SIGKILL');
    await exited;
    return { skip: `tcpdump could not capture on lo: ${stderr.trim().split('\n').pop() ?? 'no output'}` };
  }
  return {
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGINT');
      await exited;
    },
  };
}
