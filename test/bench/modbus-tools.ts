/**
 * Shared by the Modbus scenarios: modbus-serial clients (as optimizer-1,
 * source 127.0.0.2), float32 words for skid.flow_sp, and pre-issued TAOs
 * requested and staged over ONE operator MQTT connection (the test helpers
 * open a connection per call, which is too slow for thousands of TAOs).
 */
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { topics } from '../../src/mqtt/index.js';
import { MESSAGE_TYPES, signMessage } from '../../src/tao/signed.js';
import type { Cell } from '../helpers/cell.js';
import { closeClient, floatWords, modbusClient, type ModbusClient } from '../simulators/modbus-helpers.js';

export { closeClient, floatWords, modbusClient, type ModbusClient };

export const FLOW_SP_ADDRESS = 100;
export const OPTIMIZER_SOURCE = '127.0.0.2';
/** Alternating values stay within max_step 30 of the PLC's current value. */
export const ALTERNATE = ['50', '60'] as const;
export const valueAt = (i: number) => ALTERNATE[i % 2]!;

export async function optimizerClient(port: number): Promise<ModbusClient> {
  const c = await modbusClient(port, 1, OPTIMIZER_SOURCE);
  c.setTimeout(5000);
  return c;
}

export function writeFlow(client: ModbusClient, value: string): Promise<unknown> {
  return client.writeRegisters(FLOW_SP_ADDRESS, floatWords(Number(value)));
}

/** Requests one pre-issued TAO per value and stages it at the gateway, `concurrency` at a time. */
export async function stageTaos(cell: Cell, actor: string, target: string, values: readonly string[], concurrency = 32): Promise<void> {
  const key = readPrivateKeyFile(keyPaths(cell.keysDir).actor(actor));
  const op = await cell.operator();
  try {
    let next = 0;
    const worker = async () => {
      while (next < values.length) {
        const value = values[next++]!;
        const signed = signMessage(MESSAGE_TYPES.taoRequest, { proposal: { actor, op: 'write', target, value } }, key.signer);
        const answer = (await op.decisions.request(topics.govRequest, { type: 'tao.request', signed }, 10_000)) as Record<string, unknown>;
        const tao = answer.tao ?? answer.envelope;
        if (!tao) throw new Error(`governance did not issue a TAO for ${target}=${value}: ${JSON.stringify(answer).slice(0, 200)}`);
        const staged = (await op.replies.request(topics.stage(cell.profile.gateway.id), { tao, source: 'bench' }, 10_000)) as Record<string, unknown>;
        if (staged.ok === false || staged.code) throw new Error(`staging refused: ${JSON.stringify(staged).slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await op.close();
  }
}
