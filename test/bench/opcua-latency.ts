/**
 * Scenario 2, OPC UA latency: sequential Writes of reactor.temp_sp (Double)
 * from a node-opcua client.
 *
 *   direct   client (anonymous) -> OPC UA PLC simulator (the baseline)
 *   gateway  client (alice / alice-demo) -> gateway OPC UA front -> PLC, inline TAO
 *
 * The gateway path runs only when src/gateway/opcua exists and the test cell
 * can start it (`startCell({ opcua: true })`); otherwise the scenario says so
 * and reports the baseline alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, StatusCodes, UserTokenType, type ClientSession } from 'node-opcua';
import { startOpcuaSim, tagNodeId } from '../../simulators/opcua/index.js';
import { added, atMost, summarize, type BenchContext, type Row, type ScenarioResult, type Summary } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = tagNodeId('reactor.temp_sp');
const VALUES = [80, 90] as const; // step 10 <= 25, inside 20..180

export interface Writer {
  write(value: number): Promise<void>;
  close(): Promise<void>;
}

/** The bench client's application name (its certificate, made with ensureClientCertificate, must carry it). */
export const BENCH_CLIENT_APPLICATION = 'taogate-bench';

/** `secured`: Basic256Sha256 SignAndEncrypt with the certificate under PKI/client (a hardened PLC must trust it); else Security None. */
export async function connect(endpoint: string, pki: string, user?: { userName: string; password: string }, secured = false): Promise<Writer> {
  const client = OPCUAClient.create({
    applicationName: BENCH_CLIENT_APPLICATION,
    endpointMustExist: false,
    securityMode: secured ? MessageSecurityMode.SignAndEncrypt : MessageSecurityMode.None,
    securityPolicy: secured ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(pki, 'client') }),
  });
  await client.connect(endpoint);
  const session: ClientSession = user ? await client.createSession({ type: UserTokenType.UserName, ...user }) : await client.createSession();
  return {
    async write(value) {
      const status = await session.write({ nodeId: NODE, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value } } });
      if (status.value !== StatusCodes.Good.value) throw new Error(`write ${value} answered ${status.toString()}`);
    },
    async close() {
      await session.close().catch(() => undefined);
      await client.disconnect();
    },
  };
}

async function timed(w: Writer, n: number, offset: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await w.write(VALUES[(offset + i) % 2]!);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Starts the gateway path, or returns why it cannot run yet. */
async function gatewayPath(pki: string): Promise<{ writer: Writer; close(): Promise<void> } | string> {
  if (!existsSync(join(ROOT, 'src', 'gateway', 'opcua'))) return 'src/gateway/opcua does not exist yet: gateway path skipped (baseline only)';
  const { startCell } = await import('../helpers/cell.js');
  let cell;
  try {
    cell = await startCell({ modbus: false, opcua: true } as Parameters<typeof startCell>[0]);
  } catch (err) {
    return `startCell({ opcua: true }) failed: ${(err as Error).message}`;
  }
  const raw = cell.gateway.addresses.opcua;
  if (!raw) {
    await cell.close();
    return 'the test cell started no OPC UA front (startCell({ opcua: true }) not supported yet): gateway path skipped';
  }
  const endpoint = raw.startsWith('opc.tcp://') ? raw : `opc.tcp://${raw}`;
  try {
    const writer = await connect(endpoint, pki, { userName: 'alice', password: 'alice-demo' });
    return { writer, close: async () => { await writer.close(); await cell.close(); } };
  } catch (err) {
    await cell.close();
    return `could not write through the gateway OPC UA front at ${endpoint}: ${(err as Error).message}`;
  }
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 300 : 2000;
  const rounds = ctx.quick ? 1 : 4;
  const per = total / rounds;
  const warmup = ctx.quick ? 30 : 200;
  const pki = mkdtempSync(join(tmpdir(), 'taogate-bench-opcua-'));
  const t0 = performance.now();
  const sim = await startOpcuaSim({ host: '127.0.0.1', port: 0, pkiDir: join(pki, 'sim') });
  const simStartMs = performance.now() - t0;
  const direct = await connect(sim.endpoint, pki);
  const gw = await gatewayPath(pki);
  const samples: { direct: number[]; gateway: number[] } = { direct: [], gateway: [] };
  try {
    await timed(direct, warmup, 0);
    if (typeof gw !== 'string') await timed(gw.writer, warmup, 0);
    for (let r = 0; r < rounds; r++) {
      samples.direct.push(...(await timed(direct, per, 0)));
      if (typeof gw !== 'string') samples.gateway.push(...(await timed(gw.writer, per, 0)));
      ctx.log(`  round ${r + 1}/${rounds}: ${per} writes per path`);
    }
  } finally {
    await direct.close();
    if (typeof gw !== 'string') await gw.close();
    await sim.close();
    rmSync(pki, { recursive: true, force: true });
  }
  const sd = summarize(samples.direct);
  const rows: Row[] = [{ label: 'direct to OPC UA PLC simulator (baseline)', unit: 'ms', stats: sd, opsPerSec: 1000 / sd.mean }];
  let sg: Summary | undefined;
  let add: ReturnType<typeof added> | undefined;
  if (typeof gw === 'string') {
    rows.push({ label: 'gateway, alice, inline TAO', note: 'SKIPPED' });
  } else {
    sg = summarize(samples.gateway);
    add = added(sg, sd);
    rows.push({ label: 'gateway, alice, inline TAO', unit: 'ms', stats: sg, opsPerSec: 1000 / sg.mean });
    rows.push({ label: '  added: gateway - direct', unit: 'ms', stats: { n: sg.n, ...add, mean: sg.mean - sd.mean } });
  }
  return {
    scenario: 'opcua-latency',
    title: `In-process cell: OPC UA latency: ${total} sequential Writes of reactor.temp_sp per path`,
    params: { writesPerPath: total, rounds, warmup, values: 'alternating 80 / 90 (step 10 <= 25)', security: 'None', simStartMs: Math.round(simStartMs) },
    rows,
    comparison: add ? { addedVsDirect: add } : undefined,
    targets: [atMost('OPC UA inline TAO: added p50', add?.p50, 1.5, 'ms')],
    skipped: typeof gw === 'string' ? gw : undefined,
    notes: typeof gw === 'string' ? [gw] : [],
  };
}
