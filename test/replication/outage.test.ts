/**
 * Issue 5 acceptance: gateway + upstream on loopback, 5,000+ writes, the
 * upstream (a real `taogate upstream` process) SIGKILLed twice and the
 * broker restarted once during the run. The upstream ends with exactly the
 * gateway's chain (same head hash, same count), every entry verified; a
 * portion of the writes goes through the real Modbus front.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { keyPaths } from '../../src/cli/paths.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { runCli } from '../helpers/cli.js';
import { closeClient, modbusClient, f32 } from '../simulators/modbus-helpers.js';
import { spawnUpstream, upstreamDir, waitFor, type UpstreamChild } from './helpers.js';


describe('replication: outages lose nothing and duplicate nothing', function () {
  this.timeout(240_000);
  let cell: Cell;
  let up: UpstreamChild | undefined;
  afterEach(async () => {
    await up?.kill('SIGKILL');
    await cell?.close();
  });

  it('when the upstream is killed twice and the broker restarted once during 5,000 writes, the upstream ends with exactly the gateway chain', async () => {
    cell = await startCell({ modbus: true, replication: { ackTimeoutMs: 1000 } });
    const gwId = cell.profile.gateway.id;
    let appended = 0;
    const burst = async (n: number) => {
      for (let i = 0; i < n; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, n - i) }, (_, j) => cell.gateway.ledger.append('denied', { actor: 'load', target: 'skid.flow_sp', value: String(i + j), code: 'test_load', reason: 'replication load' })),
        );
        appended += Math.min(100, n - i);
      }
    };
    const modbusWrites = async (n: number) => {
      const hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
      hmi.setTimeout(3000);
      try {
        for (let i = 0; i < n; i++) await hmi.writeRegisters(100, f32(i % 2 === 0 ? 40 : 50));
      } finally {
        await closeClient(hmi);
      }
    };
    const started = performance.now();
    up = await spawnUpstream(cell);
    await modbusWrites(40);
    await burst(1000);
    await up.kill('SIGKILL'); // 1st kill
    await burst(1000);
    up = await spawnUpstream(cell);
    const restartBroker = (async () => {
      await new Promise((r) => setTimeout(r, 150));
      await cell.restartBroker(300);
    })();
    await burst(1000);
    await restartBroker;
    await burst(500);
    await up.kill('SIGKILL'); // 2nd kill
    await burst(1000);
    up = await spawnUpstream(cell);
    await burst(500);
    await waitFor(() => cell.gateway.client.connected, 10_000, 'gateway reconnected');
    await modbusWrites(40);
    expect(appended).to.equal(5000);

    const gw = cell.gateway;
    // Quiesce: one last checkpoint, then no more (the 1 s timer would append another after the drain).
    await gw.checkpointer!.checkpointNow();
    await gw.checkpointer!.stop();
    await waitFor(() => gw.replicator!.lag === 0, 60_000, `replication to drain (lag ${gw.replicator!.lag})`);
    const seconds = (performance.now() - started) / 1000;
    const head = gw.ledger.head;
    const count = gw.ledger.count;
    expect(count).to.be.greaterThan(5000 + 80);
    await up.kill('SIGTERM');
    up = undefined;

    const copy = join(upstreamDir(cell), gwId);
    const res = await runCli(['ledger', 'verify', '--data', copy, '--trust', keyPaths(cell.keysDir).trust, '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(res.stdout) as { ok: boolean; count: number; head: string };
    expect(report).to.include({ ok: true, count, head: head.hash });
    const check = await runCli(['upstream', '--check', '--dir', upstreamDir(cell), '--json']);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    const status = JSON.parse(check.stdout) as { gateways: { held: { seq: number; hash: string }; checkpoint?: { size: number } }[] };
    expect(status.gateways[0]!.held).to.deep.equal(head);
    expect(status.gateways[0]!.checkpoint?.size).to.be.greaterThan(0);
    // Measured numbers for docs/ledger.md.
    console.log(`      replication run: ${count} receipts in ${seconds.toFixed(1)} s with 2 upstream kills + 1 broker restart; replicator ${JSON.stringify(gw.replicator!.stats)}; checkpoints ${gw.checkpointer!.stats.checkpoints}`);
  });
});
