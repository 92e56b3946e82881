/**
 * Issue 11, defect 7: a gateway ledger with checkpoints the upstream
 * co-signed. A receipt altered after the last co-signed checkpoint stops
 * the gateway from starting (it used to check only the last receipt and
 * append on); --accept-ledger-as-is starts it and records that in a
 * receipt. A tail truncated below a co-signed size, with the head pointer
 * rewritten to match, is reported by `taogate ledger verify` (exit 1).
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { startGateway } from '../../src/gateway/service.js';
import { silentLogger } from '../../src/gateway/gate/ports.js';
import { Ledger, type Receipt } from '../../src/ledger/index.js';
import { checkSinceCosigned } from '../../src/ledger/open-check.js';
import { receiptKeyLookup } from '../../src/tao/receipt-keys.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { runCli } from '../helpers/cli.js';
import { rKey, tamper } from '../ledger/helpers.js';
import { startUpstreamIn, waitFor } from './helpers.js';

describe('the chain since the last co-signed checkpoint (issue 11, defect 7)', function () {
  this.timeout(120_000);
  let cell: Cell | undefined;
  let up: UpstreamNode | undefined;
  afterEach(async () => {
    await up?.close();
    up = undefined;
    await cell?.close().catch(() => undefined);
    cell = undefined;
  });

  /** A cell whose ledger holds co-signed checkpoints and some receipts after the last one; the gateway stopped. */
  const cosignedLedger = async () => {
    cell = await startCell({ replication: { checkpoint: { every: 32, intervalMs: 60_000 } } });
    up = await startUpstreamIn(cell);
    await Promise.all(Array.from({ length: 100 }, (_, i) => cell!.gateway.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), code: 'test' })));
    await waitFor(() => cell!.gateway.replicator!.stats.cosignatures >= 1, 20_000, 'a co-signed checkpoint');
    const cosigned = Math.max(...(await collectSizes(cell.gateway.ledger.sideEntries('cosig/'))));
    // Receipts after the last co-signed checkpoint, not co-signed (the upstream is stopped first).
    await up.close();
    up = undefined;
    await Promise.all(Array.from({ length: 20 }, (_, i) => cell!.gateway.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: `late${i}`, code: 'test' })));
    await cell.gateway.close();
    const head = cell.gateway.ledger.head.seq; // the stop receipt included
    return { dir: join(cell.dir, 'gateway'), cosigned, head };
  };

  const start = (c: Cell, acceptLedgerAsIs: boolean) =>
    startGateway({
      profile: c.profile,
      trust: c.trust,
      signer: readPrivateKeyFile(keyPaths(c.keysDir).gateway).signer,
      ledgerDir: join(c.dir, 'gateway'),
      mqtt: { url: c.broker.url, username: c.profile.gateway.id, password: c.secret(c.profile.gateway.id) },
      log: silentLogger,
      replication: { enabled: false },
      acceptLedgerAsIs,
    });

  it('when a receipt after the last co-signed checkpoint was altered, the gateway refuses to start; --accept-ledger-as-is starts it and records it', async () => {
    const { dir, cosigned, head } = await cosignedLedger();
    const victim = cosigned + 5;
    expect(victim).to.be.below(head);
    await tamper(dir, async (db) => {
      const r = JSON.parse((await db.get(rKey(victim))).toString()) as Receipt;
      await db.put(rKey(victim), Buffer.from(JSON.stringify({ ...r, body: { ...(r.body as object), value: '999' } })));
    });

    let refused: Error | undefined;
    try {
      const gw = await start(cell!, false);
      await gw.close();
    } catch (err) {
      refused = err as Error;
    }
    expect(refused?.message).to.match(new RegExp(`receipt ${victim}: hash mismatch`)).and.to.include('--accept-ledger-as-is');

    const gw = await start(cell!, true);
    try {
      const accepted = (await gw.ledger.last(5)).find((r) => r.kind === 'config' && (r.body as { event?: string }).event === 'ledger_accepted_as_is');
      expect(accepted?.body).to.deep.include({ seq: victim });
      cell!.gateway = gw; // closed by the cell
    } catch (err) {
      await gw.close();
      throw err;
    }
  });

  it('when the gateway stops cleanly with the upstream up, its stop checkpoint is co-signed and the next open check covers only the last two receipts', async () => {
    cell = await startCell({ replication: { checkpoint: { every: 1_000_000, intervalMs: 3_600_000 } } });
    up = await startUpstreamIn(cell);
    await Promise.all(Array.from({ length: 300 }, (_, i) => cell!.gateway.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), code: 'test' })));
    await cell.gateway.close();
    const head = cell.gateway.ledger.head.seq;
    const ledger = await Ledger.open(join(cell.dir, 'gateway'), { gatewayId: cell.profile.gateway.id, signer: readPrivateKeyFile(keyPaths(cell.keysDir).gateway).signer });
    try {
      const last = await ledger.last(2);
      expect(last.map((r) => r.kind)).to.deep.equal(['stop', 'checkpoint']);
      expect((last[1]!.body as { size: number }).size).to.equal(last[0]!.seq + 1);
      const check = await checkSinceCosigned(ledger, receiptKeyLookup(cell.trust));
      expect(check).to.deep.include({ cosigned: head, from: head - 1, to: head, bounded: false });
      expect(check.bad).to.equal(undefined);
    } finally {
      await ledger.close();
    }
  });

  it('when the tail is cut below a co-signed size and the head pointer rewritten, ledger verify reports it (exit 1)', async () => {
    const { dir, cosigned, head } = await cosignedLedger();
    const keep = cosigned - 3; // receipts 0..keep-1 stay
    await tamper(dir, async (db) => {
      const last = JSON.parse((await db.get(rKey(keep - 1))).toString()) as Receipt;
      for (let s = keep; s <= head; s++) await db.del(rKey(s));
      await db.put('h', Buffer.from(JSON.stringify({ seq: last.seq, hash: last.hash })));
    });
    const res = await runCli(['ledger', 'verify', '--data', dir, '--trust', keyPaths(cell!.keysDir).trust, '--json']);
    expect(res.code, res.stderr).to.equal(1);
    const report = JSON.parse(res.stdout) as { ok: boolean; firstBad: number; reason: string; cosigned: number };
    expect(report).to.include({ ok: false, cosigned });
    expect(report.reason).to.match(/^truncated: the upstream co-signed a checkpoint of/);
  });
});

async function collectSizes(entries: AsyncIterable<[string, string]>): Promise<number[]> {
  const out: number[] = [];
  for await (const [, v] of entries) out.push((JSON.parse(v) as { size: number }).size);
  return out;
}
