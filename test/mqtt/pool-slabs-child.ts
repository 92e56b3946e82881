/**
 * Child process of pool-slabs.test.ts: how much ArrayBuffer memory stays
 * alive after MQTT packets of many distinct lengths were written, with small
 * pool allocations in between (as a real process makes: Buffer.from of a
 * JSON payload, socket bookkeeping). Prints one JSON line:
 * { retainedBytes, lengths }.
 *
 *   node --expose-gc --import tsx pool-slabs-child.ts raw      mqtt-packet's encoder as mqtt.js and aedes use it, nothing filled
 *   node --expose-gc --import tsx pool-slabs-child.ts product  taogate's broker and client (startBroker, connectMqtt) over 127.0.0.1
 */
import mqttPacket from 'mqtt-packet';
import { connectMqtt, generateCredentials, startBroker } from '../../src/mqtt/index.js';

const LENGTHS = 1500;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const mode = process.argv[2];
const pad = (n: number): Buffer => Buffer.alloc(100 + n, 0x61);
/** Pool use between two packets, as a busy process makes (three 4,000-byte slices, dropped). */
const usePool = (): void => {
  for (let k = 0; k < 3; k++) Buffer.allocUnsafe(4000);
};

function settle(): number {
  gc!();
  gc!();
  return process.memoryUsage().arrayBuffers;
}

async function raw(): Promise<number> {
  const sink = { write: () => true } as unknown as Parameters<typeof mqttPacket.writeToStream>[1];
  mqttPacket.writeToStream({ cmd: 'puback', messageId: 1 }, sink);
  const before = settle();
  for (let i = 0; i < LENGTHS; i++) {
    usePool();
    mqttPacket.writeToStream({ cmd: 'publish', topic: 't/x', payload: pad(i), qos: 0, dup: false, retain: false }, sink);
  }
  return settle() - before;
}

async function product(): Promise<number> {
  const { file, passwords } = generateCredentials([{ username: 'root', role: 'admin' }]);
  const broker = await startBroker({ host: '127.0.0.1', port: 0, users: file });
  const login = { username: 'root', password: passwords.root!, initialTimeoutMs: 5000 };
  const pub = await connectMqtt(broker.url, login);
  const sub = await connectMqtt(broker.url, login);
  let got = 0;
  sub.on('message', () => got++);
  await sub.subscribeAsync('t/x', { qos: 1 });
  await pub.publishAsync('t/x', 'warm', { qos: 1 });
  while (got < 1) await new Promise((r) => setTimeout(r, 10));
  const before = settle();
  for (let i = 0; i < LENGTHS; i++) {
    await pub.publishAsync('t/x', pad(i), { qos: 1 }); // the broker writes each again to the subscriber
    usePool();
  }
  while (got < LENGTHS + 1) await new Promise((r) => setTimeout(r, 10));
  const retained = settle() - before;
  await Promise.all([pub.endAsync(true), sub.endAsync(true)]);
  await broker.close();
  return retained;
}

const retainedBytes = mode === 'raw' ? await raw() : mode === 'product' ? await product() : Number.NaN;
if (Number.isNaN(retainedBytes)) throw new Error(`mode must be raw or product, not ${String(mode)}`);
process.stdout.write(`${JSON.stringify({ retainedBytes, lengths: LENGTHS })}\n`);
