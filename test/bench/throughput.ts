/**
 * Scenario 3, throughput: 32 concurrent modbus-serial clients (optimizer-1,
 * source 127.0.0.2) write skid.flow_sp through the gateway as fast as it
 * answers, each with an inline TAO, for a fixed time. Counted afterwards:
 * intent receipts in the ledger for the run, and the PLC's write log; every
 * write the PLC applied must have an intent receipt with the same value that
 * was durable no later than the write (ms clock), and the counts must agree.
 */
import type { Receipt } from '../../src/ledger/index.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { wordsFloat } from '../simulators/modbus-helpers.js';
import { closeClient, FLOW_SP_ADDRESS, optimizerClient, valueAt, writeFlow, type ModbusClient } from './modbus-tools.js';
import { atLeast, sleep, summarize, type BenchContext, type Row, type ScenarioResult } from './stats.js';

export interface LoadResult {
  ok: number;
  refused: number;
  errors: Map<string, number>;
  latencies: number[];
  seconds: number;
}

/** `clients` loops writing alternating values until `seconds` elapse. */
export async function drive(clients: readonly ModbusClient[], seconds: number, maxWrites = Infinity): Promise<LoadResult> {
  const r: LoadResult = { ok: 0, refused: 0, errors: new Map(), latencies: [], seconds: 0 };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let issued = 0;
  await Promise.all(
    clients.map(async (c, k) => {
      let i = k;
      while (performance.now() < end && issued < maxWrites) {
        issued++;
        const s = performance.now();
        try {
          await writeFlow(c, valueAt(i++));
          r.ok++;
          r.latencies.push(performance.now() - s);
        } catch (err) {
          const msg = (err as Error).message ?? String(err);
          if (/exception/i.test(msg)) r.refused++;
          r.errors.set(msg.slice(0, 80), (r.errors.get(msg.slice(0, 80)) ?? 0) + 1);
        }
      }
    }),
  );
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

export async function startLoad(cell: Cell, n: number): Promise<ModbusClient[]> {
  const out: ModbusClient[] = [];
  for (let i = 0; i < n; i++) out.push(await optimizerClient(cell.modbusPort));
  return out;
}

/** Matches PLC writes to intent receipts by value; each intent must be durable no later than its write. */
export function matchWrites(intents: readonly Receipt[], plcWrites: readonly { ts: number; values: number[] }[]) {
  const byValue = new Map<string, { intents: number[]; writes: number[] }>();
  const slot = (v: string) => byValue.get(v) ?? byValue.set(v, { intents: [], writes: [] }).get(v)!;
  for (const r of intents) slot(String(Number((r.body as { value: string }).value))).intents.push(r.ts);
  for (const w of plcWrites) slot(String(Math.fround(wordsFloat(w.values[0]!, w.values[1]!)))).writes.push(w.ts);
  let unmatchedWrites = 0;
  let intentAfterWrite = 0;
  let intentsWithoutWrite = 0;
  for (const { intents: is, writes: ws } of byValue.values()) {
    is.sort((a, b) => a - b);
    ws.sort((a, b) => a - b);
    if (ws.length > is.length) unmatchedWrites += ws.length - is.length;
    if (is.length > ws.length) intentsWithoutWrite += is.length - ws.length;
    // Sorted pairing is a valid "intent before write" matching iff one exists.
    for (let i = 0; i < Math.min(is.length, ws.length); i++) if (is[i]! > ws[i]!) intentAfterWrite++;
  }
  return { unmatchedWrites, intentAfterWrite, intentsWithoutWrite };
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = ctx.quick ? 2 : 10;
  const nClients = 32;
  const cell = await startCell({ modbus: true });
  let load: LoadResult;
  let intents: Receipt[] = [];
  let committed = 0;
  let denied = 0;
  let plcWrites: { ts: number; values: number[] }[] = [];
  let batches = { receipts: 0, batches: 0, largestBatch: 0 };
  try {
    const clients = await startLoad(cell, nClients);
    await drive(clients, 0.5); // warm-up
    await sleep(300);
    const fromSeq = cell.gateway.ledger.head.seq + 1;
    const plcFrom = cell.plc!.writes().length;
    const s0 = cell.gateway.ledger.stats;
    load = await drive(clients, seconds);
    for (const c of clients) await closeClient(c);
    await sleep(500); // outcome receipts (committed, read-back) land after the answers
    const s1 = cell.gateway.ledger.stats;
    batches = { receipts: s1.receipts - s0.receipts, batches: s1.batches - s0.batches, largestBatch: s1.largestBatch };
    for await (const r of cell.gateway.ledger.iterate({ from: fromSeq })) {
      if (r.kind === 'intent') intents.push(r);
      else if (r.kind === 'committed') committed++;
      else if (r.kind === 'denied') denied++;
    }
    plcWrites = cell.plc!.writes().slice(plcFrom).filter((w) => w.address === FLOW_SP_ADDRESS);
  } finally {
    await cell.close();
  }
  const m = matchWrites(intents, plcWrites);
  const durable = intents.length / load.seconds;
  const lat = summarize(load.latencies);
  const rows: Row[] = [
    { label: `${nClients} clients, inline TAO: write latency`, unit: 'ms', stats: lat },
    { label: 'durable gated writes (intent receipts)', unit: '', opsPerSec: durable, note: `${intents.length} in ${load.seconds.toFixed(2)} s` },
    { label: 'acknowledged writes (client side)', unit: '', opsPerSec: load.ok / load.seconds, note: `${load.ok} ok, ${load.refused} refused` },
    { label: 'ledger: receipts per synced batch', unit: '', note: `${batches.receipts} receipts / ${batches.batches} batches = ${(batches.receipts / Math.max(1, batches.batches)).toFixed(1)}, largest ${batches.largestBatch}` },
  ];
  return {
    scenario: 'throughput',
    title: `In-process cell: throughput: ${nClients} concurrent Modbus clients, inline TAO, ${seconds} s`,
    params: { seconds, clients: nClients, client: 'modbus-serial 8, one connection each, source 127.0.0.2', values: 'alternating 50 / 60' },
    rows,
    checks: {
      intents: intents.length,
      plcWrites: plcWrites.length,
      acknowledged: load.ok,
      refused: load.refused,
      errors: Object.fromEntries(load.errors),
      committedReceipts: committed,
      deniedReceipts: denied,
      ...m,
      everyPlcWriteHasEarlierIntent: m.unmatchedWrites === 0 && m.intentAfterWrite === 0,
      ledgerBatches: batches.batches,
      ledgerReceipts: batches.receipts,
      meanReceiptsPerBatch: batches.receipts / Math.max(1, batches.batches),
    },
    targets: [atLeast('durable gated writes/s', durable, 3000, 'writes/s')],
    notes: ['Clients, broker, governance, gateway and PLC simulator share one Node process (one event loop) on a 2-core machine.'],
  };
}
