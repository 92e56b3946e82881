/**
 * Issue 16 acceptance: `taogate validate` against the demo (one demo for the
 * suite, both as child processes), the report files, the signature and
 * `validate verify`, and the HTML and PDF in Debian's chromium.
 */
import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { levelRecords } from '../../src/ledger/index.js';
import { CLAUSES } from '../../src/validate/clauses.js';
import type { Report } from '../../src/validate/report.js';
import { freePortBase, REPO, runCli, startDemo, type DemoProcess } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';

describe('taogate validate against the demo (child processes)', function () {
  this.timeout(240_000);
  let dir: string;
  let demo: DemoProcess;
  let ready: string;
  let manifest: string;
  let out: string;
  let report: Report;
  let exitCode: number | null;
  let browser: Browser | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-validate-'));
    manifest = join(dir, 'manifest.json');
    const [started, m] = await Promise.all([startDemo(join(dir, 'data'), await freePortBase()), runCli(['validate', 'manifest', manifest])]);
    demo = started;
    expect(m.code, m.stderr).to.equal(0);
    ready = join(dir, 'ready.txt');
    writeFileSync(ready, demo.stdout());
    out = join(dir, 'report');
    const run = await runCli(['validate', '--ready', ready, '--out', out, '--as', 'bob', '--manifest', manifest, '--json'], { timeoutMs: 180_000 });
    exitCode = run.code;
    report = JSON.parse(readFileSync(join(out, 'oq-report.json'), 'utf8')) as Report;
  });

  after(async () => {
    await browser?.close();
    await demo?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function page() {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    return browser.newPage({ viewport: { width: 1200, height: 1400 } });
  }

  it('when it runs against the demo every check passes, except the governance stop it was not allowed to do (NOT RUN, with why)', () => {
    // Other work in this tree may change package files while the suite runs: IQ-01 may then
    // fail, but only naming files that really changed after the manifest was written.
    const manifestAt = statSync(manifest).mtimeMs;
    const iq01 = report.checks.find((c) => c.id === 'IQ-01')!;
    if (iq01.result === 'FAIL') {
      const named = [...iq01.observed.matchAll(/(?:changed|missing|added): ([^;]+)/g)].flatMap((m) => m[1]!.split(', ')).filter((f) => f !== 'none');
      expect(named, iq01.observed).to.not.be.empty;
      for (const f of named) {
        const p = join(REPO, f.replace(/ and \d+ more$/, ''));
        if (existsSync(p)) expect(statSync(p).mtimeMs, `${f} changed before the manifest`).to.be.greaterThan(manifestAt);
      }
    }
    const failed = report.checks.filter((c) => c.result === 'FAIL' && c !== (iq01.result === 'FAIL' ? iq01 : undefined));
    expect(failed.map((c) => `${c.id}: ${c.observed} ${c.why ?? ''}`)).to.deep.equal([]);
    const notRun = report.checks.filter((c) => c.result === 'NOT RUN');
    expect(notRun.map((c) => c.id)).to.deep.equal(['OQ-13']);
    expect(notRun[0]!.why).to.match(/not allowed to stop governance/);
    expect(exitCode).to.equal(iq01.result === 'FAIL' ? 1 : 0);
    expect(report.summary).to.include({ notRun: 1, total: report.checks.length, pass: report.checks.length - 1 - (iq01.result === 'FAIL' ? 1 : 0) });
    expect(report.checks.map((c) => c.id).filter((id) => id.startsWith('IQ'))).to.have.length(6);
    for (const c of report.checks) expect(c.clauses, c.id).to.not.be.empty;
    expect(report.clauses.map((c) => c.id)).to.deep.equal(CLAUSES.map((c) => c.id));
    expect(report.installation.gatewayId).to.equal('gw-cell-1');
    expect(report.installation.profile.policyHash).to.match(/^[0-9a-f]{64}$/);
    expect(report.operator).to.include({ name: 'bob' });
    expect(report.installation.ledger.headSeq).to.be.greaterThan(15);
    expect(report.installation.ledger.checkpoint?.cosigned, 'the demo keeps the upstream copy beside the gateway').to.be.a('boolean');
    // refusals left the PLC as it was
    for (const id of ['OQ-01', 'OQ-03']) {
      const e = report.checks.find((c) => c.id === id)!.evidence;
      expect(e.plcAfter, id).to.equal(e.plcBefore);
    }
  });

  it('when the JSON names receipts they are in the gateway ledger with that kind and hash', async () => {
    // The running gateway holds its ledger folder locked: read a copy, in this process.
    const copy = join(dir, 'ledger-copy');
    cpSync(join(dir, 'data', 'gateway'), copy, { recursive: true, filter: (src) => basename(src) !== 'LOCK' });
    const ledger = new Map<number, { kind: string; hash: string }>();
    for await (const rec of levelRecords(copy)) {
      const r = JSON.parse(rec.raw) as { seq: number; kind: string; hash: string };
      ledger.set(r.seq, r);
    }
    const named = report.checks.flatMap((c) => c.receipts);
    expect(named.length).to.be.greaterThan(15);
    for (const r of named) expect(ledger.get(r.seq), `seq ${r.seq}`).to.deep.include({ kind: r.kind, hash: r.hash });
    const permitted = report.checks.find((c) => c.id === 'OQ-02')!;
    expect(permitted.receipts.map((r) => r.kind)).to.deep.equal(['intent', 'committed']);
    expect(report.checks.find((c) => c.id === 'OQ-01')!.receipts.map((r) => r.kind)).to.deep.equal(['denied']);
  });

  it('when the report is verified the signature and the receipts check out; a one-byte change to the JSON fails', async () => {
    const ok = await runCli(['validate', 'verify', out]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/valid: signed by bob/);
    const bad = join(dir, 'tampered');
    cpSync(out, bad, { recursive: true });
    const bytes = readFileSync(join(bad, 'oq-report.json'));
    const at = bytes.indexOf('"observed"') + 14; // inside the first observed text
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(join(bad, 'oq-report.json'), bytes);
    const v = await runCli(['validate', 'verify', bad, '--json']);
    expect(v.code).to.equal(1);
    expect((JSON.parse(v.stdout) as { problems: string[] }).problems.join(' ')).to.match(/not the document bob signed/);
  });

  it('when chromium is present the PDF is written and the HTML renders with the traceability matrix visible', async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing on CI`);
      this.skip();
    }
    const pdf = readFileSync(join(out, 'oq-report.pdf'));
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    // every page is A4 (595.3 x 841.9 pt; Chromium rounds to whole CSS pixels)
    const boxes = [...pdf.toString('latin1').matchAll(/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(boxes.length).to.be.greaterThan(1);
    for (const [w, h] of boxes) expect(Math.abs(w! - 595.3) < 2 && Math.abs(h! - 841.9) < 2, `page ${w} x ${h}`).to.equal(true);
    const p = await page();
    await p.goto(`file://${join(out, 'oq-report.html')}`);
    const matrix = p.locator('#matrix');
    await matrix.waitFor({ state: 'visible' });
    const box = await matrix.boundingBox();
    expect(box!.height).to.be.greaterThan(200);
    expect(await p.locator('#matrix tbody tr').count()).to.equal(CLAUSES.length);
    expect(await p.locator('#matrix tbody tr', { hasText: '21 CFR 11.10(i)' }).textContent()).to.match(/PROCEDURAL/);
    const shot = await matrix.screenshot({ path: join(dir, 'matrix.png') });
    expect(shot.length).to.be.greaterThan(10_000);
  });

  it('when a check fails (a changed file against the manifest) it shows in red with its evidence and validate exits 1', async function () {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { files: Record<string, string> };
    m.files['src/validate/run.ts'] = '0'.repeat(64);
    const changed = join(dir, 'manifest-changed.json');
    writeFileSync(changed, JSON.stringify(m));
    const failOut = join(dir, 'report-fail');
    const run = await runCli(['validate', '--ready', ready, '--out', failOut, '--only', 'IQ-01', '--manifest', changed, '--quiet'], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.match(/FAIL +IQ-01/);
    const failed = JSON.parse(readFileSync(join(failOut, 'oq-report.json'), 'utf8')) as Report;
    expect(failed.checks[0]).to.include({ id: 'IQ-01', result: 'FAIL' });
    expect(failed.checks[0]!.observed).to.include('src/validate/run.ts');
    expect(existsSync(join(failOut, 'oq-report.sig')), 'unsigned without --as').to.equal(false);
    if (!existsSync(CHROMIUM)) return;
    const p = await page();
    await p.goto(`file://${join(failOut, 'oq-report.html')}`);
    const observed = p.locator('#IQ-01 .observed').first();
    expect(await observed.textContent()).to.include('src/validate/run.ts');
    // the page's own window: this test file is compiled without the DOM types
    const color = await observed.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(color).to.equal('rgb(192, 0, 26)');
  });
});
