/**
 * Issue 11, defect 9: a clean stop is replicated. Broker, upstream and
 * gateway each run as their own `taogate` process; the gateway gets SIGTERM,
 * exits 0, and the upstream holds exactly as many receipts as the gateway's
 * ledger, the `stop` receipt last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { initKeys } from '../../src/cli/keys-init.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { levelRecords, verifyRecords, type Receipt } from '../../src/ledger/index.js';
import { loadProfile } from '../../src/policy/index.js';
import { readUpstreamStatus } from '../../src/replication/upstream.js';
import { receiptKeyLookup } from '../../src/tao/receipt-keys.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { CLI, REPO } from '../helpers/cli.js';
import { waitFor } from './helpers.js';
import { buildIsFresh } from '../../src/cli/build-stamp.mjs';
import { PACKAGE_ROOT } from '../../src/package-root.js';

interface Child {
  readonly proc: ChildProcess;
  readonly ready: Record<string, unknown>;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A `taogate` service process, resolved on its READY line. */
function service(args: readonly string[], logLevel = 'warn'): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args, '--log-level', logLevel], { cwd: REPO, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`taogate ${args[0]} did not print READY in 30 s\n${err}`));
    }, 30_000);
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line && out.includes('\n', out.indexOf(line))) {
        clearTimeout(timer);
        resolve({
          proc,
          ready: JSON.parse(line.slice(6)) as Record<string, unknown>,
          stderr: () => err,
          stop: async (signal = 'SIGTERM') => {
            if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`taogate ${args[0]} exited with ${code} before READY\n${err}`));
    });
  });
}

describe('clean stop is replicated (issue 11, defect 9; real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  const children: Child[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-cleanstop-'));
  });
  after(async () => {
    for (const c of children.reverse()) await c.stop('SIGKILL').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the gateway gets SIGTERM, the upstream ends up holding every receipt, the stop receipt included', async () => {
    const keys = join(dir, 'keys');
    const ledger = join(dir, 'gateway');
    const upDir = join(dir, 'upstream');
    initKeys(keys, loadProfile(DEMO_PROFILE));
    const broker = await service(['broker', '--keys', keys, '--port', '0']);
    children.push(broker);
    const url = String(broker.ready.mqtt);
    const upstream = await service(['upstream', '--broker', url, '--keys', keys, '--dir', upDir]);
    children.push(upstream);
    const gateway = await service(['gateway', '--broker', url, '--keys', keys, '--ledger', ledger], 'info');
    children.push(gateway);

    const held = () => readUpstreamStatus(upDir)?.gateways.find((g) => g.gateway === 'gw-cell-1')?.held.seq ?? -1;
    await waitFor(() => held() >= 0, 20_000, 'the upstream to hold the start receipt');
    const code = await gateway.stop('SIGTERM');
    expect(code, gateway.stderr().slice(-2000)).to.equal(0);
    // (Logs are buffered: read once it exited.) It runs the compiled build while that is fresh (npm test builds first), else the sources.
    const started = gateway.stderr().split('\n').find((l) => l.includes('"gateway started"'));
    expect(started, gateway.stderr().slice(-2000)).to.be.a('string');
    expect((JSON.parse(started!) as { code?: string }).code).to.equal(buildIsFresh(PACKAGE_ROOT) ? 'build' : 'sources');

    // The gateway process is gone: its ledger is free to read here.
    const report = await verifyRecords(levelRecords(ledger), receiptKeyLookup(TrustStore.load(join(keys, 'trust.json'))));
    expect(report.ok, report.reason).to.equal(true);
    const all: Receipt[] = [];
    for await (const rec of levelRecords(ledger)) all.push(JSON.parse(rec.raw) as Receipt);
    // The stop receipt, then the stop checkpoint over the chain up to it.
    expect(all.slice(-2).map((r) => r.kind)).to.deep.equal(['stop', 'checkpoint']);
    expect((all.at(-1)!.body as { size: number }).size).to.equal(all.length - 1);
    // The upstream writes its status file within ~250 ms of a batch: wait generously, then compare.
    await waitFor(() => held() === report.count - 1, 15_000, `the upstream to hold all ${report.count} receipts (it holds ${held() + 1})`);
    const status = readUpstreamStatus(upDir)!.gateways[0]!;
    expect(status.held.hash).to.equal(report.head);
    expect(status.alarms).to.deep.equal([]);
  });
});
