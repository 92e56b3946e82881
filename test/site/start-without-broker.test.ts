/**
 * Issue 12, section 3, with the real CLI processes: the gateway, governance
 * and upstream start while the broker is down and stay up; the gateway
 * serves reads and refuses writes (0x0B, PLC untouched), /readyz is 503
 * naming the broker; when the broker comes they connect and become ready.
 * Broker loss and return are logged. The environment form of --log-level
 * is honoured, and a flag beats it.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPaths } from '../../src/cli/paths.js';
import { readUsersFile, startBroker, type Broker } from '../../src/mqtt/index.js';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { runCli, startCliPart, type CliPart } from '../helpers/cli.js';
import { closeClient, f32, modbusClient } from '../simulators/modbus-helpers.js';
import { freePort } from './mosquitto.js';

type Part = CliPart;

/** Every part starts without TAOGATE_LOG_LEVEL from this process: the test sets it where it checks it. */
const startPart = (args: string[], env: Record<string, string | undefined>): Part => startCliPart(args, { TAOGATE_LOG_LEVEL: undefined, ...env });

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readyz(url: string): Promise<{ status: number; body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } }> {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as never };
}

describe('site: start without the broker, stay up, become ready when it comes', function () {
  let dir: string;
  let plc: ModbusSim;
  let broker: Broker | undefined;
  const parts: Part[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-nobroker-'));
    expect((await runCli(['keys', 'init', '--dir', join(dir, 'keys')])).code).to.equal(0);
    plc = await startModbusSim({ host: '127.0.0.1', port: 0, tickMs: 100 });
  });
  after(async () => {
    for (const p of parts) await p.stop();
    await broker?.close();
    await plc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the broker is down at start every part stays up; the gateway reads, refuses writes 0x0B and is not ready; then all connect', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const keys = join(dir, 'keys');
    // flag beats environment: the gateway logs nothing below warn although TAOGATE_LOG_LEVEL=debug
    const gateway = startPart(['gateway', '--broker', url, '--keys', keys, '--ledger', join(dir, 'gateway'), '--modbus-port', '0', '--http', '0', '--device', `skid=127.0.0.1:${plc.port}`, '--log-level', 'warn'], { TAOGATE_LOG_LEVEL: 'debug' });
    // environment beats the default: governance logs debug lines
    const governance = startPart(['governance', '--broker', url, '--keys', keys, '--state', join(dir, 'approvals.json')], { TAOGATE_LOG_LEVEL: 'debug' });
    // the environment form of --broker
    const upstream = startPart(['upstream', '--keys', keys, '--dir', join(dir, 'upstream'), '--http', '0'], { TAOGATE_BROKER: url });
    parts.push(gateway, governance, upstream);
    const [gw, , up] = await Promise.all([gateway.ready, governance.ready, upstream.ready]);

    const gwHttp = gw.http as string;
    const before = await readyz(gwHttp);
    expect(before.status).to.equal(503);
    expect(before.body.checks.broker!.ok).to.equal(false);
    expect(before.body.checks.broker!.detail).to.include(`not connected to the broker at ${url}`);
    expect((await readyz(up.http as string)).status).to.equal(503);

    const modbusPort = Number(String(gw.modbus).split(':').pop());
    const hmi = await modbusClient(modbusPort, 1, '127.0.0.1');
    hmi.setTimeout(10_000);
    try {
      expect((await hmi.readHoldingRegisters(100, 2)).data).to.deep.equal(f32(30)); // reads pass
      const refused = await hmi.writeRegisters(100, f32(40)).then(
        () => undefined,
        (err: { modbusCode?: number }) => err.modbusCode,
      );
      expect(refused).to.equal(0x0b);
      expect(plc.readFloat32(100)).to.equal(30);
      for (const p of parts) expect(p.proc.exitCode).to.equal(null);

      // the broker comes: every part connects and the gateway becomes ready
      broker = await startBroker({ host: '127.0.0.1', port, users: readUsersFile(keyPaths(keys).mqttUsers) });
      await until('the gateway to be ready', async () => ((await readyz(gwHttp)).status === 200 ? true : undefined));
      await until('the upstream to be ready', async () => ((await readyz(up.http as string)).status === 200 ? true : undefined));
      await hmi.writeRegisters(100, f32(40));
      expect(plc.readFloat32(100)).to.equal(40);
      // the committed outcome is recorded after the PLC answered: poll for it
      const committed = /^taogate_tag_writes_total\{tag="skid.flow_sp",actor_kind="[a-z]*",outcome="committed"\} 1$/m;
      const metrics = await until('the committed write in /metrics', async () => {
        const text = await (await fetch(`${gwHttp}/metrics`)).text();
        return committed.test(text) ? text : undefined;
      }, 20_000);
      expect(metrics).to.match(/^taogate_broker_up 1$/m).and.match(/^taogate_governance_up 1$/m).and.match(/^process_resident_memory_bytes \d+/m);

      // loss and return are logged (warn / info)
      await broker.close();
      await until('the loss to be logged', async () => (upstream.stderr().includes('mqtt connection lost') && gateway.stderr().includes('mqtt connection lost') ? true : undefined));
      broker = await startBroker({ host: '127.0.0.1', port, users: readUsersFile(keyPaths(keys).mqttUsers) });
      await until('the return to be logged', async () => (upstream.stderr().includes('mqtt connection back') ? true : undefined));
      await until('the gateway to be ready again', async () => ((await readyz(gwHttp)).status === 200 ? true : undefined));
    } finally {
      await closeClient(hmi);
    }
    const levels = (s: string) => new Set(s.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { level: number }).level));
    expect([...levels(gateway.stderr())].every((l) => l >= 40), 'gateway: --log-level warn beats TAOGATE_LOG_LEVEL=debug').to.equal(true);
    expect(levels(governance.stderr()).has(20), 'governance: TAOGATE_LOG_LEVEL=debug beats the default').to.equal(true);
    expect(levels(upstream.stderr()).has(20), 'upstream: default info').to.equal(false);
  });
});
