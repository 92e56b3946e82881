/**
 * Issue 11, defect 13: under load the console's running chain check must see
 * every new receipt. Several hundred receipts land between two polls (more
 * than the 100 rows a page shows); the console, read over real HTTP, must
 * report the intact chain as intact (no "gap"), and still catch a receipt
 * that really does not link.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { startConsole, type ApproverConsole } from '../../src/console/index.js';
import type { ChainStatus } from '../../src/console/chain.js';
import { startOpsServer, type OpsServer } from '../../src/ops/http.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { keyIdOf } from '../../src/crypto/ed25519.js';
import type { Ledger } from '../../src/ledger/index.js';
import { GATEWAY, newSigner, openLedger, TempDirs } from '../ledger/helpers.js';

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

describe('console chain check under load (issue 11, defect 13)', function () {
  this.timeout(60_000);
  const dirs = new TempDirs();
  let ledger: Ledger;
  let console_: ApproverConsole | undefined;
  let server: OpsServer | undefined;

  afterEach(async () => {
    console_?.close();
    await server?.close();
    await ledger?.close();
    await dirs.cleanup();
  });

  const start = async (l: Ledger, trust: TrustStore, pollMs: number) => {
    console_ = startConsole({ role: 'test', ledger: () => l, trust }, { receiptPollMs: pollMs });
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: new Registry(), checks: {}, routes: console_.routes });
    return async (): Promise<ChainStatus> => (await (await fetch(`${server!.url}/api/chain`)).json()) as ChainStatus;
  };

  /** A new ledger signed by a new key, and a console over it that trusts that key. */
  const startSigned = async (name: string, pollMs: number) => {
    const signer = newSigner();
    ledger = await openLedger(await dirs.make(name), signer);
    const trust = new TrustStore();
    trust.add({ kid: keyIdOf(signer.publicKey), name: GATEWAY, role: 'gateway', publicKey: signer.publicKey });
    return start(ledger, trust, pollMs);
  };

  it('when more than 100 receipts arrive per poll, it checks every one and reports no gap', async () => {
    const status = await startSigned('console-paging', 300);
    for (let round = 0; round < 4; round++) {
      // 350 receipts in one go: each poll finds far more than a page of rows.
      await Promise.all(Array.from({ length: 350 }, (_, i) => ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), code: 'out_of_range' })));
      const head = ledger.head.seq;
      const s = await until(status, (v) => v.checkedTo >= head || v.problem !== undefined, 20_000, `the check to reach seq ${head}`);
      expect(s.problem, 'an intact chain is never reported broken').to.equal(undefined);
      expect(s.checkedTo).to.equal(head);
    }
  });

  it('when a receipt really does not link, it still says where', async () => {
    const signer = newSigner();
    const other = newSigner();
    ledger = await openLedger(await dirs.make('console-paging-bad'), signer);
    // The trust store holds a different key: the first receipt the running check reads must fail.
    const trust = new TrustStore();
    trust.add({ kid: keyIdOf(other.publicKey), name: GATEWAY, role: 'gateway', publicKey: other.publicKey });
    const status = await start(ledger, trust, 300);
    await Promise.all(Array.from({ length: 250 }, (_, i) => ledger.append('denied', { value: String(i) })));
    const s = await until(status, (v) => v.problem !== undefined, 20_000, 'a problem to be reported');
    expect(s.problem).to.match(/^seq \d+: bad signature/);
  });

  it('when nobody watches, it holds no seals of own appends; while watched, only those not yet checked', async () => {
    const status = await startSigned('console-seals', 50);
    const polls = () => new Promise((r) => setTimeout(r, 300));
    // Nobody watches (no page, no /api call): 2,000 appends leave nothing behind.
    for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 500 }, (_, k) => ledger.append('denied', { value: String(i * 500 + k) })));
    await polls();
    expect(console_!.ownSealsHeld(), 'seals held while nobody watches').to.equal(0);

    // Someone watches (the event stream): what is appended is remembered, then dropped as it is checked.
    const ac = new AbortController();
    const res = await fetch(`${server!.url}/api/events`, { signal: ac.signal });
    const drain = (async () => {
      const reader = res.body!.getReader();
      while (!(await reader.read().catch(() => ({ done: true }))).done);
    })();
    await Promise.all(Array.from({ length: 300 }, (_, k) => ledger.append('denied', { value: String(k) })));
    const head = ledger.head.seq;
    const s = await until(status, (v) => v.checkedTo >= head || v.problem !== undefined, 20_000, `the check to reach seq ${head}`);
    expect(s.problem).to.equal(undefined);
    expect(console_!.ownSealsHeld(), 'every seal up to the checked head is dropped').to.equal(0);

    // The page closes: appends after that leave nothing behind either.
    ac.abort();
    await drain;
    await polls();
    await Promise.all(Array.from({ length: 500 }, (_, k) => ledger.append('denied', { value: String(k) })));
    await polls();
    expect(console_!.ownSealsHeld()).to.equal(0);
  });
});
