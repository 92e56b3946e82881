/**
 * The console's HTTP API without a browser: the live stream announces a new
 * approval request at once; what a page POSTs goes through Governance.approve
 * (so a bad signature or a malformed body is refused with a code); the chain
 * check over the open ledger agrees with the CLI's verifier and notices a
 * receipt that was changed.
 */
import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { ChainHealth, openLedgerRecords } from '../../src/console/chain.js';
import { verifyRecords, type Receipt } from '../../src/ledger/index.js';
import { proposalDigest, signApproval } from '../../src/tao/approval.js';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { pendingRequests, requestTao } from '../helpers/requests.js';

/** Collects SSE events from /api/events until stop(). */
function listen(url: string): { events: { event: string; data: unknown; at: number }[]; stop(): void } {
  const events: { event: string; data: unknown; at: number }[] = [];
  let buf = '';
  const req = httpRequest(`${url}/api/events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return { events, stop: () => req.destroy() };
}

async function post(url: string, body: string, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/approvals`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('console API (no browser)', function () {
  let cell: Cell;
  beforeEach(async () => {
    cell = await startCell({ http: true });
  });
  afterEach(async () => {
    await cell.close();
  });

  it('when a request needs approval, the event stream announces it within a second', async () => {
    const sse = listen(cell.http!.url);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the initial state arrives first
      expect(sse.events.map((e) => e.event)).to.include.members(['approvals', 'receipts', 'chain', 'trend']);
      const asked = Date.now();
      const answer = await requestTao(cell, 'hmi-1', 'skid.pressure_max', '700', { reason: 'raise the trip for the cleaning run' });
      expect(answer.decision).to.equal('pending');
      const deadline = asked + 1000;
      let seen;
      while (!seen && Date.now() < deadline) {
        seen = sse.events.find((e) => e.event === 'approvals' && (e.data as { requests: { id: string }[] }).requests.some((r) => r.id === answer.request));
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen, 'approvals event naming the new request').to.not.equal(undefined);
      const shown = (seen!.data as { requests: { id: string; target: string; value: string; reason: string; have: number; need: number }[] }).requests.find((r) => r.id === answer.request)!;
      expect(shown).to.include({ target: 'skid.pressure_max', value: '700', reason: 'raise the trip for the cleaning run', have: 0, need: 1 });
    } finally {
      sse.stop();
    }
  });

  it('when a page posts approvals, governance checks them as it checks the CLI: bad signature, wrong body, then a good one', async () => {
    const answer = await requestTao(cell, 'hmi-1', 'skid.pressure_max', '700');
    const [view] = await pendingRequests(cell);
    const digest = proposalDigest({ aud: view!.aud, sub: view!.actor, op: view!.op, target: view!.target, value: view!.value });
    const bob = readPrivateKeyFile(keyPaths(cell.keysDir).approver('bob'));
    const approval = signApproval({ typ: 'taogate.approval.v1', approver: 'bob', role: 'supervisor', request: String(answer.request), digest, decision: 'approve', meaning: 'approved', reason: 'ok per MOC', ts: Math.floor(Date.now() / 1000) }, bob.signer);

    const forged = await post(cell.http!.url, JSON.stringify({ approval: { ...approval, reason: 'changed after signing' } }));
    expect(forged.status).to.equal(403);
    expect(forged.json).to.include({ ok: false, code: 'bad_approval' });
    expect((await post(cell.http!.url, 'not json')).status).to.equal(400);
    expect((await post(cell.http!.url, JSON.stringify({ approval }), 'text/plain')).status).to.equal(415);
    expect((await post(cell.http!.url, JSON.stringify({ nothing: 1 }))).json).to.include({ code: 'malformed' });
    expect((await post(cell.http!.url, JSON.stringify({ approval: [] }))).json).to.include({ code: 'malformed' });

    const good = await post(cell.http!.url, JSON.stringify({ approval }));
    expect(good.status).to.equal(200);
    expect(good.json).to.include({ ok: true, status: 'approved', have: 1, need: 1 });
    const again = await post(cell.http!.url, JSON.stringify({ approval }));
    expect(again.json.ok).to.equal(false); // no longer pending
  });

  it("when the chain is checked through the open ledger it agrees with the CLI's verifier, and a changed receipt is caught", async () => {
    const ledger = cell.gateway.ledger;
    for (const value of ['500', '600', '700']) {
      await ledger.append('denied', { actor: 'hmi-1', target: 'skid.flow_sp', value, code: 'out_of_range', reason: 'test receipt' });
    }
    const keyFor = (gw: string) => cell.trust.byName(gw, 'gateway')?.publicKey;
    const report = await verifyRecords(openLedgerRecords(ledger), keyFor);
    expect(report).to.include({ ok: true, count: ledger.count, head: ledger.head.hash });

    const health = new ChainHealth(cell.trust);
    const verified = await health.verify(ledger);
    expect(verified).to.include({ ok: true, count: ledger.count });
    const receipts: Receipt[] = [];
    for await (const r of ledger.iterate()) receipts.push(r);
    health.checkNew(ledger, receipts);
    expect(health.status(ledger)).to.include({ checkedTo: ledger.head.seq, replicationLag: null });
    expect(health.status(ledger).problem).to.equal(undefined);

    const fresh = new ChainHealth(cell.trust);
    const changed = receipts.map((r, i) => (i === 1 ? { ...r, body: { ...(r.body as object), value: '9999' } } : r));
    fresh.checkNew(ledger, changed);
    expect(fresh.status(ledger).problem).to.match(/^seq 1: hash mismatch/);
  });
});
