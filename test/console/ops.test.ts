/**
 * Issue 7, metrics and health: after a scripted Modbus run /metrics agrees
 * with the ledger, and /readyz follows governance going away and coming back.
 * The cell runs with `http: true` (the ops endpoint and console, wired as in
 * the demo).
 */
import { expect } from 'chai';
import { startCell, type Cell } from '../helpers/cell.js';
import { closeClient, modbusClient, type ModbusClient, f32 } from '../simulators/modbus-helpers.js';
import { approve, pendingRequests } from '../helpers/requests.js';
import type { Receipt } from '../../src/ledger/index.js';


/** Parses Prometheus text into `name{labels}` -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function sum(m: Map<string, number>, name: string, match: Record<string, string>): number {
  let total = 0;
  for (const [key, v] of m) {
    if (!key.startsWith(`${name}{`)) continue;
    if (Object.entries(match).every(([k, val]) => key.includes(`${k}="${val}"`))) total += v;
  }
  return total;
}

async function readyz(cell: Cell): Promise<{ status: number; body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } }> {
  const res = await fetch(`${cell.http!.url}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

async function until(what: string, deadlineMs: number, test: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (await test()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

describe('ops endpoint: metrics and readiness', function () {
  let cell: Cell;
  const clients: ModbusClient[] = [];

  beforeEach(async () => {
    cell = await startCell({ modbus: true, http: true });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await closeClient(c);
    await cell.close();
  });

  it('when a scripted Modbus run is over, /metrics counts match the ledger receipt by receipt', async () => {
    const hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    const nobody = await modbusClient(cell.modbusPort, 1, '127.0.0.3');
    clients.push(hmi, nobody);
    hmi.setTimeout(3000);
    nobody.setTimeout(3000);
    const refused = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch {
        return;
      }
      expect.fail('expected a refusal');
    };
    // 4 committed writes, refusals of 4 different kinds, one write after an approval.
    for (const v of [35, 40, 45]) await hmi.writeRegisters(100, f32(v));
    await hmi.writeCoil(0, true);
    await refused(hmi.writeRegisters(100, f32(500))); // out of limits
    await refused(hmi.writeRegister(200, 7)); // not a tag
    await refused(nobody.writeRegisters(100, f32(50))); // unknown actor
    await refused(hmi.writeRegister(110, 500)); // approval pending
    const [request] = await pendingRequests(cell);
    expect((await approve(cell, request!.id, 'bob')).ok).to.equal(true);
    await hmi.writeRegister(110, 500);

    // the outcome receipt follows the PLC's answer (and read-back): wait for the last one
    const receipts: Receipt[] = [];
    await until('5 committed receipts', 3000, async () => {
      receipts.splice(0);
      for await (const r of cell.gateway.ledger.iterate()) receipts.push(r);
      return receipts.filter((r) => r.kind === 'committed').length === 5;
    });
    const count = (kind: string) => receipts.filter((r) => r.kind === kind).length;
    const denied = (code: string) => receipts.filter((r) => r.kind === 'denied' && (r.body as { code?: string }).code === code).length;

    const m = parseMetrics(await (await fetch(`${cell.http!.url}/metrics`)).text());
    expect(count('committed')).to.equal(5);
    expect(sum(m, 'taogate_writes_total', { outcome: 'committed' })).to.equal(count('committed'));
    expect(sum(m, 'taogate_writes_total', { outcome: 'allowed' })).to.equal(count('intent'));
    expect(sum(m, 'taogate_writes_total', { outcome: 'refused' })).to.equal(count('denied'));
    expect(sum(m, 'taogate_writes_total', { protocol: 'modbus', outcome: 'committed' })).to.equal(5);
    for (const code of ['out_of_range', 'unknown_tag', 'approval_pending', 'unknown_actor']) {
      expect(sum(m, 'taogate_writes_total', { outcome: 'refused', code }), code).to.equal(denied(code)).and.to.be.greaterThan(0);
    }
    expect(m.get('taogate_ledger_receipts')).to.equal(receipts.length);
    expect(m.get('taogate_ledger_head_seq')).to.equal(receipts.length - 1);
    // LevelDB's memtable holds at least the receipts just written (each well over 300 bytes)
    expect(m.get('taogate_ledger_leveldb_memory_bytes')).to.be.greaterThan(receipts.length * 300).and.below(64 * 1024 * 1024);
    // every append of this run was timed (the start receipt came before the hook)
    expect(m.get('taogate_ledger_append_seconds_count')).to.equal(receipts.length - 1);
    expect(m.get('taogate_governance_round_trip_seconds_count')).to.equal(5); // every inline TAO
    expect(m.get('taogate_pending_approvals')).to.equal(0);
    expect(m.get('taogate_staged_taos')).to.equal(0);
    expect(m.has('taogate_replication_lag_receipts')).to.equal(true);
  });

  it('when governance stops /readyz turns 503 within 2 s, and 200 again once it is back', async () => {
    await until('ready at start', 3000, async () => (await readyz(cell)).status === 200);
    const ready = await readyz(cell);
    expect(ready.body.checks).to.have.keys('breakglass', 'broker', 'governance', 'ledger', 'outcomes', 'plc', 'upstream');
    expect(ready.body.checks.plc!.ok).to.equal(true);

    const stopped = Date.now();
    await cell.stopGovernance();
    await until('unready after governance stopped', 2000 - (Date.now() - stopped), async () => (await readyz(cell)).status === 503);
    const down = await readyz(cell);
    expect(down.body.ok).to.equal(false);
    expect(down.body.checks.governance!.ok).to.equal(false);
    expect(down.body.checks.broker!.ok).to.equal(true);
    expect(down.body.checks.ledger!.ok).to.equal(true);

    await cell.startGovernance();
    await until('ready after governance returned', 3000, async () => (await readyz(cell)).status === 200);
  });

  it('when asked, /healthz answers 200 and the console page and its modules are served', async () => {
    expect((await fetch(`${cell.http!.url}/healthz`)).status).to.equal(200);
    const page = await fetch(`${cell.http!.url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    for (const path of ['/static/app.js', '/static/signing.js', '/static/verify.js', '/vendor/noble-ed25519/index.js', '/vendor/noble-hashes/sha2.js', '/vendor/noble-hashes/_md.js', '/vendor/noble-curves/nist.js', '/vendor/noble-curves/abstract/weierstrass.js']) {
      const res = await fetch(`${cell.http!.url}${path}`);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type'), path).to.match(/javascript/);
      // @noble/curves imports @noble/hashes by package name: served rewritten to the URL a browser can load.
      const body = await res.text();
      if (path.startsWith('/vendor/noble-curves/')) expect(body, path).to.not.match(/from\s*['"]@noble\/hashes\//);
      if (path === '/vendor/noble-curves/abstract/weierstrass.js') expect(body).to.include("from '/vendor/noble-hashes/hmac.js'");
    }
    for (const path of ['/static/../console.ts', '/vendor/noble-hashes/src/sha2.ts', '/static/%2e%2e%2fconsole.ts', '/vendor/noble-hashes/package.json', '/vendor/noble-curves/package.json', '/vendor/noble-curves/src/nist.ts', '/vendor/noble-curves/abstract/x/weierstrass.js', '/vendor/noble-hashes/abstract/weierstrass.js', '/vendor/noble-curves/abstract%2f..%2fpackage.json']) {
      expect((await fetch(`${cell.http!.url}${path}`)).status, path).to.equal(404);
    }
  });
});
