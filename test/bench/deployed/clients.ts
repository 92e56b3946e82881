/**
 * Clients of the deployed benchmark, each over a real socket: the
 * independent pymodbus client (a python3 child process per run), a
 * node-opcua client, and TAOs requested and staged over one operator MQTT
 * connection.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateKeyFile } from '../../../src/crypto/keyfile.js';
import { keyPaths } from '../../../src/cli/paths.js';
import { connectMqtt, Requester, topics } from '../../../src/mqtt/index.js';
import { MESSAGE_TYPES, signMessage } from '../../../src/tao/signed.js';
import { ROOT } from './procs.js';
import { GATEWAY_ID } from './topology.js';

export { connect as opcuaWriter, type Writer } from '../opcua-latency.js';

const SCRIPT = join(ROOT, 'test/bench/deployed/pymodbus-writes.py');
/** Debian's python3 (python3-pymodbus), not a pyenv shim. */
const PYTHON = '/usr/bin/python3';
export const MODBUS_VALUES = ['50', '60'] as const;

export interface Timed {
  /** Latencies (ms) of the writes that succeeded, warm-up excluded. */
  readonly ms: number[];
  /** Writes answered with an exception (or a Bad status), warm-up included. */
  readonly errors: number;
}

/** `warmup + n` sequential FC16 writes of skid.flow_sp over one pymodbus connection from 127.0.0.2. */
export function pymodbusWrites(address: string, warmup: number, n: number, unit = 1): Promise<Timed> {
  const i = address.lastIndexOf(':');
  const args = [SCRIPT, address.slice(0, i), address.slice(i + 1), '127.0.0.2', String(unit), String(warmup), String(n), ...MODBUS_VALUES];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { maxBuffer: 16 * 2 ** 20, timeout: 600_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      let r: { ms?: number[]; errors?: number; error?: string };
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        return reject(new Error(`pymodbus to ${address}: ${err?.message ?? ''} ${stderr.slice(-400)}`));
      }
      if (r.error || !r.ms) return reject(new Error(`pymodbus to ${address}: ${r.error ?? 'no result'}`));
      resolve({ ms: r.ms, errors: r.errors ?? 0 });
    });
  });
}

export function pymodbusAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pymodbus']).status === 0;
}

/** Requests one TAO per value (as `actor`) from governance and stages it at the gateway, 32 at a time, over one operator connection. */
export async function stageTaos(mqtt: string, keys: string, actor: string, target: string, values: readonly string[], concurrency = 32): Promise<void> {
  const key = readPrivateKeyFile(keyPaths(keys).actor(actor));
  const password = readFileSync(join(keys, 'mqtt', 'operator.secret'), 'utf8').trim();
  const client = await connectMqtt(mqtt, { username: 'operator', password });
  const decisions = new Requester(client, topics.decisionBase('operator'));
  const replies = new Requester(client, topics.replyBase('operator'));
  try {
    let next = 0;
    const worker = async () => {
      while (next < values.length) {
        const value = values[next++]!;
        const signed = signMessage(MESSAGE_TYPES.taoRequest, { proposal: { actor, op: 'write', target, value } }, key.signer);
        const answer = (await decisions.request(topics.govRequest, { type: 'tao.request', signed }, 10_000)) as Record<string, unknown>;
        const tao = answer.tao ?? answer.envelope;
        if (!tao) throw new Error(`governance did not issue a TAO for ${target}=${value}: ${JSON.stringify(answer).slice(0, 200)}`);
        const staged = (await replies.request(topics.stage(GATEWAY_ID), { tao, source: 'bench' }, 10_000)) as Record<string, unknown>;
        if (staged.ok === false || staged.code) throw new Error(`staging refused: ${JSON.stringify(staged).slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    decisions.close();
    replies.close();
    await client.endAsync();
  }
}
