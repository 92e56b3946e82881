/**
 * The floor of a gated write on this machine, measured in the same run as the
 * deployed figures: each part a gated write is made of, alone and unloaded.
 *
 * - durable append: 1.3 KB appended to a file on the ledger's filesystem, then
 *   fdatasync (what the gateway's LevelDB log does for an intent batch);
 * - Ed25519 sign and verify through src/crypto (node:crypto, as the gateway,
 *   governance and upstream do);
 * - one message between two Node processes over loopback TCP: a ping-pong of
 *   20-byte writes between this process and a child, no-delay sockets; the
 *   round trip, and the CPU each side spends per round trip.
 *
 * floorOf() adds the parts up along the critical path of each latency path
 * (what the gate does, src/gateway/gate/gate.ts, for skid.flow_sp, which has
 * a max_step and so reads the PLC's current value first). It is a lower
 * bound with no queueing and no JavaScript: the distance between it and the
 * measured figure is what the processes themselves cost.
 */
import { fork } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ed25519Signer, generateRawKeyPair } from '../../../src/crypto/ed25519.js';
import { verifySignature } from '../../../src/crypto/verify.js';
import { summarize, type Summary } from '../stats.js';

export interface Floor {
  /** ms per 1.3 KB append + fdatasync, on the ledger's filesystem. */
  readonly appendSync: Summary;
  /** ms per Ed25519 signature of a 32-byte receipt hash. */
  readonly sign: Summary;
  /** ms per Ed25519 verify. */
  readonly verify: Summary;
  /** ms per round trip between two processes over loopback TCP. */
  readonly roundTrip: Summary;
  /** CPU ms per round trip: this side, the echoing child. */
  readonly roundTripCpu: { readonly client: number; readonly server: number };
  /** Added ms over the direct path that each gated path cannot go under (p50 parts). */
  readonly added: Readonly<Record<'modbus.staged' | 'modbus.inline', number>>;
  /** Gateway CPU ms per sequential inline write that its socket operations and signatures alone cost. */
  readonly gatewayCpuInline: number;
}

const RECORD = Buffer.alloc(1300, 0x61);

function timeEach(n: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

function appendSyncMs(dir: string, n: number): number[] {
  const file = join(dir, `floor-${process.pid}.log`);
  const fd = openSync(file, 'a');
  try {
    return timeEach(n, () => {
      writeSync(fd, RECORD);
      fdatasyncSync(fd);
    });
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

/** The echoing side, when this file runs as a child: `node floor.ts echo`. */
function echo(): void {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    if (m === 'stop') process.exit(0);
  });
}

async function pingPong(n: number): Promise<{ rtt: number[]; clientCpuMs: number; serverCpuMs: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['echo'], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ask = <T>(msg: string | undefined, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', onMsg);
          resolve(m[key] as T);
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => reject(new Error(`floor: echo child exited (${code})`)));
      if (msg) child.send(msg);
    });
  try {
    const port = await ask<number>(undefined, 'port');
    const sock: Socket = await new Promise((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    sock.setNoDelay(true);
    const msg = Buffer.alloc(20, 1);
    const rtt: number[] = [];
    const warm = Math.min(200, n);
    const serverBefore = await ask<NodeJS.CpuUsage>('cpu', 'cpu');
    const cpu0 = process.cpuUsage();
    await new Promise<void>((resolve) => {
      let i = 0;
      let t = performance.now();
      sock.on('data', () => {
        const now = performance.now();
        if (i >= warm) rtt.push(now - t);
        if (++i >= n + warm) return resolve();
        t = performance.now();
        sock.write(msg);
      });
      sock.write(msg);
    });
    const cpu = process.cpuUsage(cpu0);
    const serverAfter = await ask<NodeJS.CpuUsage>('cpu', 'cpu');
    sock.destroy();
    const per = (u: number) => u / 1000 / (n + warm);
    return { rtt, clientCpuMs: per(cpu.user + cpu.system), serverCpuMs: per(serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system) };
  } finally {
    child.send('stop');
    child.kill();
  }
}

/** Measures the parts, unloaded: run it while the topology is idle. dir: a folder on the ledger's filesystem. */
export async function measureFloor(dir: string, opts: { quick?: boolean } = {}): Promise<Floor> {
  const n = opts.quick ? 200 : 1000;
  const appendSync = summarize(appendSyncMs(dir, n));
  const signer = new Ed25519Signer(generateRawKeyPair());
  const hash = new Uint8Array(32).fill(7);
  const sig = signer.sign(hash);
  timeEach(200, () => signer.sign(hash));
  const sign = summarize(timeEach(n * 2, () => signer.sign(hash)));
  timeEach(200, () => verifySignature(signer.publicKey, hash, sig));
  const verify = summarize(timeEach(n * 2, () => verifySignature(signer.publicKey, hash, sig)));
  const pp = await pingPong(n * 2);
  const roundTrip = summarize(pp.rtt);
  const parts = { rtt: roundTrip.p50, append: appendSync.p50, sign: sign.p50, verify: verify.p50 };
  const perSocketOp = (pp.clientCpuMs + pp.serverCpuMs) / 4; // a round trip is one write and one read on each side
  return {
    appendSync,
    sign,
    verify,
    roundTrip,
    roundTripCpu: { client: pp.clientCpuMs, server: pp.serverCpuMs },
    added: floorOf(parts),
    gatewayCpuInline: GATEWAY_INLINE_SOCKET_OPS * perSocketOp + 3 * sign.p50 + verify.p50,
  };
}

/**
 * Socket reads and writes of the gateway per sequential inline Modbus write
 * (counted with strace on the deployed gateway): reads of the client's
 * request, the step check's PLC answer, the TAO, the PLC's write answer and
 * read-back answer, the broker's PUBACK of the replicated batch and the
 * upstream's ack (7); writes of the step check's read, the proposal, the
 * PLC write, the read-back, the client's answer and the replicated batch (6).
 * With the proposal, intent and outcome signatures and the TAO's verify, this
 * is what the gateway cannot spend less CPU on without fewer messages.
 */
export const GATEWAY_INLINE_SOCKET_OPS = 13;

/**
 * The critical path of a sequential gated Modbus write beyond the direct one
 * (client -> PLC -> client), in round trips between processes and steps:
 *
 * - staged: the PLC read for the step check (1 round trip), the intent
 *   receipt signed (the staged TAO's signature was checked when it was
 *   presented) and made durable;
 * - inline: the same, plus the proposal signed by the gateway and carried to
 *   governance through the broker, governance verifying it and signing the
 *   TAO, the TAO carried back through the broker (two round trips between
 *   processes), and the gateway verifying it.
 *
 * Replication, the PLC read-back and the outcome receipt follow the answer to
 * the client and are not on this path (they cost CPU, not latency, when the
 * machine has a core to spare).
 */
export function floorOf(p: { rtt: number; append: number; sign: number; verify: number }): Floor['added'] {
  const staged = p.rtt + p.sign + p.append;
  return { 'modbus.staged': staged, 'modbus.inline': staged + 2 * p.rtt + 2 * p.sign + 2 * p.verify };
}

if (process.argv[2] === 'echo' && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) echo();
