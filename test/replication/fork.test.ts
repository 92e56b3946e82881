/**
 * Issue 5 acceptance: a gateway whose data dir is replaced by an older copy
 * and then makes new writes: the upstream detects the fork and says where;
 * `taogate upstream --check` exits 1 naming it.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { runCli } from '../helpers/cli.js';
import { startUpstreamIn, upstreamDir, waitFor } from './helpers.js';

describe('replication: fork detection', function () {
  this.timeout(60_000);
  let cell: Cell;
  let up: UpstreamNode | undefined;
  afterEach(async () => {
    await up?.close();
    await cell.close();
  });

  const write = (n: number, tag: string) =>
    Promise.all(Array.from({ length: n }, (_, i) => cell.gateway.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: `${tag}${i}`, code: 'test' })));

  it('when the gateway dir is replaced by an older copy and new writes follow, the upstream raises a fork alarm at the first diverging seq', async () => {
    // No periodic checkpoints: one landing between reading `held` and the stop made the upstream hold
    // held + 3 on a loaded machine (full suite, load 8-12); the stop checkpoint is still written.
    cell = await startCell({ replication: { checkpoint: { every: 1_000_000, intervalMs: 3_600_000 } } });
    up = await startUpstreamIn(cell);
    const gwDir = join(cell.dir, 'gateway');
    await write(30, 'a');
    await waitFor(() => cell.gateway.replicator!.lag === 0, 10_000, 'first replication');
    await cell.gateway.close();
    const backup = join(cell.dir, 'gateway-backup');
    cpSync(gwDir, backup, { recursive: true });
    const backupHead = (await runCli(['ledger', 'verify', '--data', backup, '--trust', join(cell.keysDir, 'trust.json'), '--json'])).stdout;
    const oldSeq = (JSON.parse(backupHead) as { count: number }).count - 1;

    await cell.restartGateway().catch(() => undefined); // the gateway was closed: restart opens it again
    await write(40, 'b');
    await waitFor(() => cell.gateway.replicator!.lag === 0, 10_000, 'second replication');
    const held = up.copy(cell.profile.gateway.id)!.held.seq;
    expect(held).to.be.greaterThan(oldSeq + 40);

    // The dir is replaced by the older copy; the gateway starts on it and writes again.
    // (A clean stop is replicated: the upstream then holds the stop receipt and the stop checkpoint too.)
    await cell.gateway.close();
    const heldAtStop = up.copy(cell.profile.gateway.id)!.held.seq;
    expect(heldAtStop).to.equal(held + 2);
    rmSync(gwDir, { recursive: true, force: true });
    cpSync(backup, gwDir, { recursive: true });
    await cell.restartGateway().catch(() => undefined);
    await write(5, 'c');

    const gw = cell.profile.gateway.id;
    await waitFor(() => up!.status().gateways[0]!.alarms.some((a) => a.kind === 'fork'), 10_000, 'a fork alarm');
    const alarms = up.status().gateways[0]!.alarms;
    const fork = alarms.find((a) => a.kind === 'fork')!;
    // The restarted gateway's first receipt (its 'start' receipt) is the first one that differs.
    expect(fork.seq).to.equal(oldSeq + 1);
    expect(fork.detail).to.match(new RegExp(`fork at seq ${oldSeq + 1}`));
    expect(alarms.some((a) => a.kind === 'backwards')).to.equal(true);
    expect(up.copy(gw)!.held.seq).to.equal(heldAtStop); // the held chain is kept, not overwritten

    await up.close();
    up = undefined;
    const check = await runCli(['upstream', '--check', '--dir', upstreamDir(cell)]);
    expect(check.code).to.equal(1);
    expect(check.stdout).to.match(new RegExp(`ALARM fork at seq ${oldSeq + 1}`));
  });
});
