/**
 * Issue 3: the gateway is killed with SIGKILL in the middle of a write
 * burst and restarted. The ledger still verifies, every intent is closed by
 * start-up reconciliation, and every write the PLC applied has an intent
 * receipt that precedes it.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { valuesEqual } from '../../src/policy/values.js';
import type { Receipt } from '../../src/ledger/index.js';
import { freePortBase, runCli, startDemo } from '../helpers/cli.js';
import { closeClient, modbusClient, f32 } from '../simulators/modbus-helpers.js';


function wordsToFloat(words: number[]): number {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(words[0]!, 0);
  b.writeUInt16BE(words[1]!, 2);
  return b.readFloatBE(0);
}

describe('gateway crash: SIGKILL during a write burst', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-crash-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when restarted, ledger verify passes and every PLC write has an earlier intent receipt', async () => {
    const base = await freePortBase();
    const demo = await startDemo(dir, base);
    const port = Number(demo.ready.modbus.split(':')[1]);
    const writers = await Promise.all([0, 1, 2].map(() => modbusClient(port, 1, '127.0.0.1')));
    let sent = 0;
    let stop = false;
    const bursts = writers.map(async (c, w) => {
      c.setTimeout(1500);
      for (let i = 0; !stop; i++) {
        try {
          await c.writeRegisters(100, f32(30 + ((w * 7 + i) % 20)));
          sent += 1;
        } catch {
          return;
        }
      }
    });
    while (sent < 60) await new Promise((r) => setTimeout(r, 10));
    await demo.stop('SIGKILL');
    stop = true;
    await Promise.allSettled(bursts);
    for (const c of writers) await closeClient(c).catch(() => {});

    const again = await startDemo(dir, base);
    const code = await again.stop('SIGTERM');
    expect(code, `${again.proc.signalCode ?? ''} ${again.stderr()}`).to.equal(0);

    const verify = await runCli(['ledger', 'verify', '--data', dir, '--json']);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect(JSON.parse(verify.stdout).ok).to.equal(true);

    const exported = await runCli(['ledger', 'export', '--data', dir, '--format', 'jsonl']);
    expect(exported.code, exported.stderr).to.equal(0);
    const receipts = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Receipt);
    const body = (r: Receipt) => r.body as Record<string, unknown>;
    const intents = receipts.filter((r) => r.kind === 'intent' && body(r).target === 'skid.flow_sp');
    const closed = new Set(receipts.filter((r) => ['committed', 'voided', 'indeterminate'].includes(r.kind)).map((r) => body(r).intent));
    for (const i of intents) expect(closed.has(i.seq), `intent ${i.seq} has an outcome`).to.equal(true);

    const plcWrites = readFileSync(join(dir, 'plc-modbus-writes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ts: number; address: number; values: number[] });
    const flowWrites = plcWrites.filter((w) => w.address === 100);
    expect(flowWrites.length).to.be.greaterThan(20);
    const used = new Set<number>();
    for (const w of flowWrites) {
      const value = String(wordsToFloat(w.values));
      const match = intents.find((i) => !used.has(i.seq) && i.ts <= w.ts && valuesEqual('float32', String(body(i).value), value));
      expect(match, `PLC write of ${value} at ${w.ts} has an earlier intent`).to.not.equal(undefined);
      used.add(match!.seq);
    }
  });
});
