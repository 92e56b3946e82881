/**
 * Issue 7 acceptance, in a real browser: Debian's chromium driven by
 * playwright-core against `taogate demo` running as a child process.
 *
 * A Modbus write of skid.pressure_max = 500 by hmi-1 (source 127.0.0.1) is
 * refused and opens an approval request; it shows in the console within a
 * second; bob approves it in the page with his key file (signed in the
 * browser); hmi-1's retry reaches the PLC. An approval signed with hmi-1's
 * own key is refused by governance and the page says why. Screenshots of
 * each view go to test/output/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { closeClient, modbusClient, type ModbusClient, f32 } from '../simulators/modbus-helpers.js';
import { freePortBase, startDemo, type DemoProcess } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

describe('approver console in chromium (demo as a child process)', function () {
  this.timeout(180_000);
  let data: string;
  let profileDir: string;
  let demo: DemoProcess | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  const clients: ModbusClient[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing on CI: .ci/run must install Debian's chromium`);
      console.warn(`    SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium); the browser test runs on CI`);
      this.skip();
    }
    mkdirSync(OUTPUT, { recursive: true });
    data = mkdtempSync(join(tmpdir(), 'taogate-console-'));
    profileDir = mkdtempSync(join(tmpdir(), 'taogate-chromium-'));
    demo = await startDemo(data, await freePortBase());
    // a fresh, empty profile dir per run
    browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1000 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => console.error(`    page error: ${err.message}`));
    await page.goto(demo.ready.http);
    await page.locator('#conn.ok').waitFor({ timeout: 10_000 });
  });

  after(async () => {
    for (const c of clients.splice(0)) await closeClient(c);
    await browser?.close();
    if (demo) {
      const code = await demo.stop();
      expect(code, `demo exit; stderr tail:\n${demo.stderr().slice(-2000)}`).to.equal(0);
    }
    if (data) rmSync(data, { recursive: true, force: true });
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  const hmi = async () => {
    const c = await modbusClient(portOf(demo!.ready.modbus), 1, '127.0.0.1');
    c.setTimeout(5000);
    clients.push(c);
    return c;
  };

  const refused = async (p: Promise<unknown>): Promise<void> => {
    try {
      await p;
    } catch (err) {
      expect((err as { modbusCode?: number }).modbusCode, (err as Error).message).to.be.a('number');
      return;
    }
    expect.fail('the write went through; expected a Modbus exception');
  };

  const card = (target: string, value: string, status = 'pending') =>
    page.locator(`li.request[data-status="${status}"]`).filter({ has: page.locator('h3', { hasText: target }) }).filter({ has: page.locator('strong', { hasText: value }) });

  const loadKey = async (file: string, name: string) => {
    await page.locator('#key-file').setInputFiles(file);
    await expect(await page.locator('#key-status').textContent({ timeout: 5000 })).to.be.a('string');
    await page.locator('#key-status', { hasText: `key of ${name}` }).waitFor({ timeout: 5000 });
  };

  const decide = async (request: ReturnType<typeof card>, reason: string, meaning: string) => {
    await request.getByLabel('Reason').fill(reason);
    await request.getByLabel('Meaning of your signature').selectOption(meaning);
    await request.getByRole('button', { name: 'Approve' }).click();
  };

  it('when hmi-1 writes skid.pressure_max = 500, the pending request shows in the console within a second', async () => {
    const client = await hmi();
    await refused(client.writeRegister(110, 500));
    const refusedAt = Date.now();
    await card('skid.pressure_max', '500').waitFor({ timeout: 1000 });
    const shownAfter = Date.now() - refusedAt;
    expect(shownAfter).to.be.lessThan(1000);
    const text = await card('skid.pressure_max', '500').innerText();
    expect(text).to.include('hmi-1 (human, operator)');
    expect(text).to.include('600 kPa (PLC now)'); // the proposal carries no current value for a tag without max_step: the demo reads the PLC
    expect(text).to.include('kPa');
    expect(text).to.match(/100 … 900 kPa/);
    expect(text).to.match(/0 of 1 \(supervisor\)/);
    expect(await page.locator('#pending-count').textContent()).to.equal('1');
    await page.screenshot({ path: join(OUTPUT, 'console-approvals.png'), fullPage: true });
  });

  it("when bob approves it in the page with his key file, hmi-1's retry reaches the PLC", async () => {
    await loadKey(join(data, 'keys', 'approvers', 'bob.jwk'), 'bob');
    const request = card('skid.pressure_max', '500');
    // the buttons refuse to sign without a reason
    await request.getByRole('button', { name: 'Approve' }).click();
    await request.locator('.result', { hasText: 'reason' }).waitFor({ timeout: 2000 });

    await decide(request, 'checked with the shift lead: new relief setting per MOC-118', 'approved');
    await page.locator('.result.ok', { hasText: 'Accepted' }).first().waitFor({ timeout: 5000 });
    await card('skid.pressure_max', '500', 'approved').waitFor({ timeout: 2000 });

    const client = await hmi();
    await client.writeRegister(110, 500);
    // read the PLC simulator directly, not through the gateway
    const direct = await modbusClient(portOf(demo!.ready.plc.modbus), 1, '127.0.0.1');
    clients.push(direct);
    const { data: regs } = await direct.readHoldingRegisters(110, 1);
    expect(regs).to.deep.equal([500]);
    // the request was used: it leaves the list
    await card('skid.pressure_max', '500', 'approved').waitFor({ state: 'detached', timeout: 3000 });
  });

  it("when an approval is signed with hmi-1's own key, governance refuses it and the page says why", async () => {
    const client = await hmi();
    await refused(client.writeRegister(110, 450));
    const request = card('skid.pressure_max', '450');
    await request.waitFor({ timeout: 1000 });
    await loadKey(join(data, 'keys', 'actors', 'hmi-1.jwk'), 'hmi-1');
    await decide(request, 'approving my own change', 'approved');
    const result = request.locator('.result.bad');
    await result.waitFor({ timeout: 5000 });
    const said = await result.textContent();
    expect(said).to.include('self_approval');
    expect(said).to.include('hmi-1 cannot approve their own request');
    // still pending, nothing reached the PLC
    expect(await request.getAttribute('data-status')).to.equal('pending');
    await page.screenshot({ path: join(OUTPUT, 'console-approvals-refused.png'), fullPage: true });
  });

  it('when the receipts view is opened, it lists the committed write and the chain verifies', async () => {
    await page.getByRole('tab', { name: 'Receipts & chain' }).click();
    const committed = page.locator('#receipts tbody tr[data-kind="committed"]', { hasText: 'skid.pressure_max' });
    await committed.first().waitFor({ timeout: 3000 });
    expect(await committed.first().innerText()).to.match(/hmi-1\s+skid\.pressure_max\s+500\s+committed/);
    // verified in this browser too, with the demo's Ed25519 gateway key named by the receipt's kid
    await committed.first().locator('td.browser-check.ok', { hasText: '✓ verified' }).waitFor({ timeout: 5000 });
    expect(await committed.first().getAttribute('data-alg')).to.equal('EdDSA');
    expect(await committed.first().locator('td.signed-by').innerText()).to.match(/^[0-9a-f]{10}… EdDSA$/);
    expect(await page.locator('#receipts tbody tr[data-verify="failed"]').count()).to.equal(0);
    await page.locator('#receipts tbody tr[data-kind="denied"]', { hasText: 'approval_pending' }).first().waitFor({ timeout: 3000 });
    await page.getByRole('button', { name: 'Verify the whole chain now' }).click();
    await page.locator('#chain-status.ok', { hasText: 'Chain intact' }).waitFor({ timeout: 10_000 });
    // "n/a" while the gateway does not replicate, else the receipts the upstream has not acknowledged
    expect(await page.locator('#chain-lag').textContent()).to.match(/^(n\/a|\d+ receipts)/);
    await page.screenshot({ path: join(OUTPUT, 'console-receipts.png'), fullPage: true });
  });

  it('when the trend view is opened, skid.flow_pv is drawn with the authorized writes marked', async () => {
    // a setpoint change (no approval needed) so the trend shows what it did
    const client = await hmi();
    await client.writeRegisters(100, f32(55));
    await page.getByRole('tab', { name: 'Trend' }).click();
    await page.locator('#trend-tag').selectOption('skid.flow_pv');
    await page.locator('#trend-window').selectOption('60');
    await page.locator('#trend-marks li', { hasText: 'skid.flow_sp = 55' }).waitFor({ timeout: 3000 });
    await page.waitForTimeout(4000); // the skid's flow follows with a 3 s time constant
    // a flat line has an empty bounding box, so wait for it to be in the DOM rather than "visible"
    await page.locator('#trend-svg path.pv').waitFor({ state: 'attached', timeout: 3000 });
    expect(await page.locator('#trend-svg path.pv').getAttribute('d')).to.match(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/);
    await page.locator('#trend-svg g.mark').first().waitFor({ state: 'attached', timeout: 3000 });
    const marks = await page.locator('#trend-marks').innerText();
    expect(marks).to.include('skid.pressure_max = 500, by hmi-1');
    expect(marks).to.include('skid.flow_sp = 55, by hmi-1');
    expect(await page.locator('#trend-svg g.mark').count()).to.equal(2);
    expect(await page.locator('#trend-now').textContent()).to.match(/setpoint skid\.flow_sp 55 m3\/h/);
    await page.screenshot({ path: join(OUTPUT, 'console-trend.png'), fullPage: true });
  });
});
