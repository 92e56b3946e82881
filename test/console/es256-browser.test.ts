/**
 * Issue 14 acceptance, in a real browser: a ledger signed with an ES256
 * (ECDSA P-256) gateway key made by `taogate keys init --alg ES256` (key
 * files, no token) is shown in the console's receipts view; the page verifies
 * every receipt itself (public/verify.js: @noble/curves P-256, compact r || s,
 * low-S, the key found by the receipt's kid) and shows which key and which
 * algorithm signed it. A receipt whose signature was tampered with, and one
 * carrying the high-S twin of a valid signature (valid ECDSA that taogate
 * refuses), show as failed. The browser's verifier agrees with the server's
 * on the ES256 test vectors (test/vectors/es256.json).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { keyPaths } from '../../src/cli/paths.js';
import type { Signer } from '../../src/crypto/alg.js';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { startConsole, type ApproverConsole } from '../../src/console/index.js';
import { Ledger, type Receipt } from '../../src/ledger/index.js';
import { startOpsServer, type OpsServer } from '../../src/ops/http.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { runCli } from '../helpers/cli.js';
import { highS } from '../vectors/es256.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const VECTORS = JSON.parse(readFileSync(new URL('../vectors/es256.json', import.meta.url), 'utf8')) as {
  keys: { gateway: { kid: string; name: string; publicKey: string } };
  receipt: Receipt;
};

describe('console verifies ES256 receipts in chromium (issue 14)', function () {
  this.timeout(120_000);
  let dir: string;
  let ledger: Ledger | undefined;
  let console_: ApproverConsole | undefined;
  let server: OpsServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let gatewayKid: string;
  const tampered = new Map<number, string>();

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing on CI: .ci/run must install Debian's chromium`);
      console.warn(`    SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'taogate-es256-console-'));
    const keys = join(dir, 'keys');
    const init = await runCli(['keys', 'init', '--alg', 'ES256', '--dir', keys, '--json']);
    expect(init.code, init.stderr).to.equal(0);
    const trust = TrustStore.load(keyPaths(keys).trust);
    const gw = trust.keys().find((k) => k.role === 'gateway')!;
    expect(gw.alg, 'keys init --alg ES256 makes an ES256 gateway key').to.equal('ES256');
    const real = readPrivateKeyFile(keyPaths(keys).gateway).signer;
    expect(real.alg).to.equal('ES256');
    expect(real.keyId).to.equal(gw.kid);
    gatewayKid = gw.kid;

    // The gateway key signs every receipt; for two receipts the signature is spoiled on its way to the disk.
    let spoil: ((sig: Uint8Array) => Uint8Array) | undefined;
    const signer: Signer = { keyId: real.keyId, alg: real.alg, publicKey: real.publicKey, sign: (m) => (spoil ? spoil(real.sign(m)) : real.sign(m)) };
    ledger = await Ledger.open(join(dir, 'ledger'), { gatewayId: gw.name, signer });
    await ledger.append('intent', { actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: '00112233445566778899aabbccddeeff' });
    await ledger.append('committed', { actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: '00112233445566778899aabbccddeeff' });
    spoil = (sig) => {
      const out = new Uint8Array(sig);
      out[10] = out[10]! ^ 0x01;
      return out;
    };
    tampered.set((await ledger.append('denied', { actor: 'hmi-1', target: 'skid.flow_sp', value: '500', code: 'out_of_range' })).seq, 'flipped bit');
    spoil = highS;
    tampered.set((await ledger.append('denied', { actor: 'hmi-1', target: 'skid.flow_sp', value: '501', code: 'out_of_range' })).seq, 'high-S twin');
    spoil = undefined;
    await ledger.append('intent', { actor: 'hmi-1', target: 'skid.flow_sp', value: '50', jti: '00112233445566778899aabbccddee00' });

    console_ = startConsole({ role: 'gateway', ledger: () => ledger, trust }, { receiptPollMs: 100 });
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: new Registry(), checks: {}, routes: console_.routes });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => console.error(`    page error: ${err.message}`));
    await page.goto(`${server.url}/#receipts`);
    await page.locator('#conn.ok').waitFor({ timeout: 10_000 });
  });

  after(async () => {
    await browser?.close();
    console_?.close();
    await server?.close();
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when the receipts view shows an ES256 ledger, the browser verifies each receipt and names the key (kid, ES256) that signed it', async () => {
    const rows = page.locator('#receipts tbody tr');
    await page.locator('#receipts tbody tr[data-verify]').nth(4).waitFor({ timeout: 10_000 });
    expect(await rows.count()).to.equal(5);
    for (let seq = 0; seq < 5; seq++) {
      const tr = page.locator(`#receipts tbody tr[data-seq="${seq}"]`);
      expect(await tr.getAttribute('data-alg'), `seq ${seq}`).to.equal('ES256');
      const signedBy = tr.locator('td.signed-by');
      expect(await signedBy.innerText()).to.match(new RegExp(`^${gatewayKid.slice(0, 10)}… ES256$`));
      expect(await signedBy.getAttribute('title')).to.include(gatewayKid).and.to.include('ECDSA P-256');
      const check = await tr.locator('td.browser-check').innerText();
      if (tampered.has(seq)) {
        expect(await tr.getAttribute('data-verify'), `seq ${seq} (${tampered.get(seq)})`).to.equal('failed');
        expect(check).to.equal('✗ bad signature');
        expect(await tr.locator('td.browser-check').getAttribute('title')).to.match(/^bad signature \(ES256\) under key /);
      } else {
        expect(await tr.getAttribute('data-verify'), `seq ${seq}: ${check}`).to.equal('ok');
        expect(check).to.equal('✓ verified');
        expect(await tr.locator('td.browser-check').getAttribute('title')).to.include(`ES256 signature verified in this browser under key ${gatewayKid}`);
      }
    }
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'console-receipts-es256.png'), fullPage: true });
  });

  it('when a new ES256 receipt is appended, the page verifies it as it arrives', async () => {
    const r = await ledger!.append('committed', { actor: 'hmi-1', target: 'skid.flow_sp', value: '50', jti: '00112233445566778899aabbccddee00' });
    const tr = page.locator(`#receipts tbody tr[data-seq="${r.seq}"][data-verify]`);
    await tr.waitFor({ timeout: 5000 });
    expect(await tr.getAttribute('data-verify')).to.equal('ok');
  });

  it("when given the ES256 vectors, the page's verifier accepts the vector receipt (compact r || s) and refuses its high-S twin and a DER encoding", async () => {
    const v = VECTORS;
    const highSig = Buffer.from(highS(Buffer.from(v.receipt.sig, 'base64'))).toString('base64');
    // Plain JavaScript run in the page (a string: tsx would add helpers the page does not have).
    const script = `(async () => {
      const { key, receipt, highSig } = ${JSON.stringify({ key: v.keys.gateway, receipt: v.receipt, highSig })};
      const m = await import('/static/verify.js');
      const ring = new m.KeyRing([{ kid: key.kid, name: key.name, role: 'gateway', alg: 'ES256', publicKey: key.publicKey }]);
      const brief = (c) => ({ ok: c.ok, reason: c.reason, alg: c.key && c.key.alg });
      const good = brief(ring.check(receipt));
      const high = brief(ring.check({ ...receipt, sig: highSig }));
      const other = brief(ring.check({ ...receipt, body: { ...receipt.body, value: '42.6' } }));
      // The same r and s as a DER SEQUENCE: taogate never accepts that encoding.
      const raw = m.fromB64(receipt.sig);
      const int = (b) => {
        let i = 0;
        while (i < b.length - 1 && b[i] === 0) i++;
        const t = [...b.subarray(i)];
        return t[0] & 0x80 ? [0x02, t.length + 1, 0, ...t] : [0x02, t.length, ...t];
      };
      const seq = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
      const der = new Uint8Array([0x30, seq.length, ...seq]);
      const derOk = m.verifySignature('ES256', m.fromHex(key.publicKey), m.fromHex(receipt.hash), der);
      const compactOk = m.verifySignature('ES256', m.fromHex(key.publicKey), m.fromHex(receipt.hash), raw);
      return { good, high, other, derOk, compactOk };
    })()`;
    type Brief = { ok: boolean; reason: string; alg?: string };
    const result = (await page.evaluate(script)) as { good: Brief; high: Brief; other: Brief; derOk: boolean; compactOk: boolean };
    expect(result.compactOk).to.equal(true);
    expect(result.good.alg).to.equal('ES256');
    expect(result.good.ok, result.good.reason).to.equal(true);
    expect(result.high.ok).to.equal(false);
    expect(result.high.reason).to.match(/bad signature \(ES256\)/);
    expect(result.other.ok).to.equal(false);
    expect(result.other.reason).to.match(/hash mismatch/);
    expect(result.derOk).to.equal(false);
  });
});
