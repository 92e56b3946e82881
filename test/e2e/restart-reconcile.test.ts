/**
 * Issue 11, defect 2, through real processes: the demo is SIGKILLed twice
 * while clients keep writing, and restarted while they keep writing. Start-up
 * reconciliation must close only the intents of earlier runs, before any
 * write of the new run is decided: every intent ends with exactly one
 * outcome, and no reconciled outcome names an intent of its own run.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Receipt } from '../../src/ledger/index.js';
import { freePortBase, runCli, startDemo, type DemoProcess } from '../helpers/cli.js';
import { closeClient, f32, modbusClient } from '../simulators/modbus-helpers.js';

describe('restart reconciliation: only earlier runs, before any new write', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-reconcile-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when the gateway is killed and restarted under load, every intent has exactly one outcome and reconciled outcomes name only intents of earlier runs', async () => {
    const base = await freePortBase();
    const port = base + 1;
    let stop = false;
    let applied = 0;
    // Writers that keep trying through the kills and restarts (a new connection per attempt).
    const writers = [0, 1, 2].map(async (w) => {
      for (let i = 0; !stop; i++) {
        try {
          const c = await modbusClient(port, 1, '127.0.0.1');
          c.setTimeout(2000);
          try {
            for (let k = 0; k < 20 && !stop; k++, i++) {
              await c.writeRegisters(100, f32(30 + ((w * 7 + i) % 20)));
              applied += 1;
            }
          } finally {
            await closeClient(c).catch(() => {});
          }
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    let demo: DemoProcess = await startDemo(dir, base);
    for (let cycle = 0; cycle < 2; cycle++) {
      const target = applied + 15;
      while (applied < target) await new Promise((r) => setTimeout(r, 10));
      await demo.stop('SIGKILL');
      demo = await startDemo(dir, base);
    }
    const target = applied + 10;
    while (applied < target) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await Promise.allSettled(writers);
    expect(await demo.stop('SIGTERM'), demo.stderr()).to.equal(0);

    const exported = await runCli(['ledger', 'export', '--data', dir, '--format', 'jsonl']);
    expect(exported.code, exported.stderr).to.equal(0);
    const receipts = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Receipt);
    const body = (r: Receipt) => r.body as Record<string, unknown>;
    const starts = receipts.filter((r) => r.kind === 'start').map((r) => r.seq);
    expect(starts.length, 'three runs').to.equal(3);
    const runOf = (seq: number) => starts.filter((s) => s <= seq).length;

    const outcomes = new Map<number, Receipt[]>();
    for (const r of receipts) {
      if (!['committed', 'voided', 'indeterminate'].includes(r.kind)) continue;
      const intent = body(r).intent as number;
      outcomes.set(intent, [...(outcomes.get(intent) ?? []), r]);
    }
    const intents = receipts.filter((r) => r.kind === 'intent');
    expect(intents.length).to.be.greaterThan(30);
    for (const i of intents) {
      const o = outcomes.get(i.seq) ?? [];
      expect(o.map((r) => r.kind), `intent ${i.seq} has exactly one outcome`).to.have.length(1);
      if (body(o[0]!).reconciled === true) {
        expect(runOf(i.seq), `intent ${i.seq} reconciled at seq ${o[0]!.seq} belongs to an earlier run`).to.be.lessThan(runOf(o[0]!.seq));
      }
    }
    const verify = await runCli(['ledger', 'verify', '--data', dir, '--json']);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });
});
