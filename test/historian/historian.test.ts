/**
 * Issue 5 acceptance, historian: export line counts equal the receipt count
 * (csv, jsonl, influx), and the push into a REAL InfluxDB counts every
 * receipt exactly once after the pusher was SIGKILLed and restarted
 * mid-stream. Skipped (with a message) only when influxd is missing and CI
 * is unset; .ci/run installs the Debian package.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateRawKeyPair, Signer } from '../../src/crypto/ed25519.js';
import { receiptToLine, pointTime, escapeTag, escapeFieldString } from '../../src/historian/influx.js';
import { Ledger, type Receipt } from '../../src/ledger/index.js';
import { CLI, REPO, freePortBase, runCli, startDemo } from '../helpers/cli.js';
import { closeClient, modbusClient } from '../simulators/modbus-helpers.js';
import { influxdPath, startInfluxd, type Influxd } from './influxd.js';

const RECEIPTS = 3000;

async function makeLedger(dir: string): Promise<void> {
  const ledger = await Ledger.open(dir, { gatewayId: 'gw-hist', signer: new Signer(generateRawKeyPair()) });
  const kinds = ['intent', 'committed', 'denied', 'voided'] as const;
  for (let i = 0; i < RECEIPTS; i += 250) {
    await Promise.all(
      Array.from({ length: 250 }, (_, j) => {
        const n = i + j;
        const kind = kinds[n % kinds.length]!;
        return ledger.append(kind, { actor: n % 3 === 0 ? 'hmi 1,x=y' : 'optimizer-1', target: 'skid.flow_sp', value: String(n % 120), jti: `jti-${n}`, ...(kind === 'committed' ? { readback: 'say "hi" \\ ok' } : {}) });
      }),
    );
  }
  await ledger.close();
}

describe('historian: exports and the InfluxDB push', function () {
  this.timeout(120_000);
  let dir: string;
  let ledgerDir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-hist-'));
    ledgerDir = join(dir, 'ledger');
    await makeLedger(ledgerDir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when a receipt becomes line protocol, tags and strings are escaped and the time is ts in ns plus the seq', () => {
    const r: Receipt = { seq: 1234567, prev: '0'.repeat(64), ts: 1_700_000_000_123, kind: 'committed', gateway: 'gw 1', body: { actor: 'a,b=c', target: 'skid.flow_sp', value: '42.5', jti: 'j1', readback: 'x"y\\z' }, hash: 'ab'.repeat(32), sig: '' };
    const line = receiptToLine(r);
    expect(line).to.equal(
      `taogate_committed,actor=a\\,b\\=c,gateway=gw\\ 1,kind=committed,outcome=committed,tag=skid.flow_sp value="42.5",readback="x\\"y\\\\z",tao="j1",seq=1234567i,hash="${'ab'.repeat(32)}" 1700000000123234567`,
    );
    expect(pointTime(r)).to.equal('1700000000123234567');
    expect(escapeTag('a b,c=d\\')).to.equal('a\\ b\\,c\\=d/');
    expect(escapeFieldString('l1\nl2')).to.equal('"l1\\nl2"');
  });

  it('when exported as csv, jsonl and influx, each has one line per receipt', async () => {
    for (const format of ['csv', 'jsonl', 'influx']) {
      const res = await runCli(['ledger', 'export', '--data', ledgerDir, '--format', format], { timeoutMs: 60_000 });
      expect(res.code, res.stderr).to.equal(0);
      const lines = res.stdout.split('\n').filter((l) => l !== '');
      expect(lines.length, format).to.equal(format === 'csv' ? RECEIPTS + 1 : RECEIPTS);
    }
  });

  describe('push into a real InfluxDB', () => {
    let influx: Influxd | undefined;
    before(async function () {
      const bin = influxdPath();
      if (!bin) {
        if (process.env.CI) throw new Error('influxd is not installed (CI must install the Debian package influxdb: see .ci/run)');
        console.log('      SKIPPED: influxd not found (apt-get install -y influxdb); set CI to make this a failure');
        this.skip();
      }
      influx = await startInfluxd(bin!);
    });
    after(async () => influx?.stop());

    it('when the demo runs with --influx, every receipt the upstream verified lands in InfluxDB once', async () => {
      const data = join(dir, 'demo');
      const base = await freePortBase();
      const demo = await startDemo(data, base, ['--influx', influx!.url, '--influx-db', 'taogate_demo']);
      try {
        const hmi = await modbusClient(base + 1, 1, '127.0.0.1');
        for (const v of [35, 40, 45]) {
          const b = Buffer.alloc(4);
          b.writeFloatBE(v);
          await hmi.writeRegisters(100, [b.readUInt16BE(0), b.readUInt16BE(2)]);
        }
        await hmi.writeRegister(110, 500).catch(() => undefined); // refused: needs approval
        await closeClient(hmi);
        await new Promise((r) => setTimeout(r, 2500)); // replication + a checkpoint + the pusher's poll
      } finally {
        expect(await demo.stop('SIGTERM')).to.equal(0);
      }
      const verify = await runCli(['ledger', 'verify', '--data', join(data, 'upstream'), '--json']);
      expect(verify.code, verify.stderr).to.equal(0);
      const upstreamCount = (JSON.parse(verify.stdout) as { count: number }).count;
      const answer = (await influx!.query('SELECT count(seq) FROM /^taogate_/', 'taogate_demo')) as { results: { series?: { name: string; values: [string, number][] }[] }[] };
      const series = answer.results[0]?.series ?? [];
      expect(series.reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0)).to.equal(upstreamCount);
      expect(series.map((s) => s.name)).to.include.members(['taogate_intent', 'taogate_committed', 'taogate_denied']);
    });

    it('when the pusher is killed mid-stream and restarted, a query counts every receipt exactly once', async () => {
      const db = 'taogate_test';
      const cursor = join(dir, 'cursor.json');
      const proc = spawn(process.execPath, [CLI, 'historian', '--data', ledgerDir, '--influx', influx!.url, '--db', db, '--batch', '100', '--cursor', cursor, '--log-level', 'warn'], {
        cwd: REPO,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        stdio: 'ignore',
      });
      const until = Date.now() + 60_000;
      const position = () => (existsSync(cursor) ? (JSON.parse(readFileSync(cursor, 'utf8')) as { seq: number }).seq : -1);
      while (position() < 600 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const killedAt = position();
      expect(killedAt).to.be.within(600, RECEIPTS - 2);

      const res = await runCli(['historian', '--data', ledgerDir, '--influx', influx!.url, '--db', db, '--batch', '100', '--cursor', cursor, '--once', '--json'], { timeoutMs: 60_000 });
      expect(res.code, res.stderr).to.equal(0);
      expect(JSON.parse(res.stdout)).to.deep.equal({ pushed: RECEIPTS - 1 - killedAt, cursor: RECEIPTS - 1 });

      const answer = (await influx!.query('SELECT count(seq) FROM /^taogate_/', db)) as { results: { series?: { name: string; values: [string, number][] }[] }[] };
      const series = answer.results[0]?.series ?? [];
      const total = series.reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0);
      expect(total).to.equal(RECEIPTS);
      expect(series.map((s) => s.name).sort()).to.deep.equal(['taogate_committed', 'taogate_denied', 'taogate_intent', 'taogate_voided']);
      // a resent batch overwrites: push everything again from scratch, the count stays
      rmSync(cursor);
      const again = await runCli(['historian', '--data', ledgerDir, '--influx', influx!.url, '--db', db, '--cursor', cursor, '--once', '--json'], { timeoutMs: 60_000 });
      expect(again.code, again.stderr).to.equal(0);
      const answer2 = (await influx!.query('SELECT count(seq) FROM /^taogate_/', db)) as typeof answer;
      expect((answer2.results[0]?.series ?? []).reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0)).to.equal(RECEIPTS);
      const distinct = (await influx!.query('SELECT count(distinct(seq)) FROM /^taogate_/', db)) as typeof answer;
      expect((distinct.results[0]?.series ?? []).reduce((n, s) => n + (s.values[0]?.[1] ?? 0), 0)).to.equal(RECEIPTS);
    });
  });
});
