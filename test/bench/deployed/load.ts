/**
 * Load from 32 modbus-serial clients (optimizer-1, 127.0.0.2) on the
 * gateway's Modbus front: as fast as it answers (drive, from throughput.ts),
 * or paced at a fixed total rate.
 */
import { closeClient, optimizerClient, valueAt, writeFlow, type ModbusClient } from '../modbus-tools.js';
import { sleep } from '../stats.js';
import type { LoadResult } from '../throughput.js';

export { drive, type LoadResult } from '../throughput.js';

export async function openClients(address: string, n: number): Promise<ModbusClient[]> {
  const port = Number(address.split(':').pop());
  const out: ModbusClient[] = [];
  for (let i = 0; i < n; i++) out.push(await optimizerClient(port));
  return out;
}

export async function closeClients(clients: readonly ModbusClient[]): Promise<void> {
  for (const c of clients) await closeClient(c).catch(() => undefined);
}

/** `rate` writes/s in total, spread over the clients (each on its own schedule; a late client catches up without sleeping). */
export async function paced(clients: readonly ModbusClient[], rate: number, seconds: number): Promise<LoadResult> {
  const r: LoadResult = { ok: 0, refused: 0, errors: new Map(), latencies: [], seconds: 0 };
  const t0 = performance.now();
  const periodMs = (1000 * clients.length) / rate;
  const perClient = Math.floor((seconds * rate) / clients.length);
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; i < perClient; i++) {
        const due = t0 + (k * periodMs) / clients.length + i * periodMs;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const s = performance.now();
        try {
          await writeFlow(c, valueAt(i + k));
          r.ok++;
          r.latencies.push(performance.now() - s);
        } catch (err) {
          const msg = ((err as Error).message ?? String(err)).slice(0, 80);
          if (/exception/i.test(msg)) r.refused++;
          r.errors.set(msg, (r.errors.get(msg) ?? 0) + 1);
        }
      }
    }),
  );
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
