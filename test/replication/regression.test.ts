/**
 * Issue 11, defect 1 (second half): at start the gateway compares its head
 * with what the upstream acknowledged. A ledger that lost its tail (here:
 * receipts cut off and the head pointer rewritten while the gateway was
 * stopped) raises an alarm: an error-level regression counted in the
 * replicator's stats (exported as taogate_ledger_regressions), the side key
 * repl/regression, an `alarm` receipt; the upstream sees the chain go back.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import type { Receipt } from '../../src/ledger/index.js';
import { REGRESSION_KEY } from '../../src/replication/replicator.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { rKey, tamper } from '../ledger/helpers.js';
import { startUpstreamIn, waitFor } from './helpers.js';

describe('ledger regression against the upstream (issue 11, defect 1)', function () {
  this.timeout(120_000);
  let cell: Cell | undefined;
  let up: UpstreamNode | undefined;
  after(async () => {
    await up?.close();
    await cell?.close();
  });

  it('when the ledger restarts with fewer receipts than the upstream acknowledged, the gateway raises a regression alarm the upstream sees', async () => {
    cell = await startCell({ replication: { checkpoint: false } });
    up = await startUpstreamIn(cell);
    await Promise.all(Array.from({ length: 30 }, (_, i) => cell!.gateway.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), code: 'test' })));
    await waitFor(() => cell!.gateway.replicator!.lag === 0, 20_000, 'replication');
    await cell.gateway.close();
    const head = cell.gateway.ledger.head.seq;
    const acknowledged = cell.gateway.replicator!.acknowledged.seq;
    expect(acknowledged).to.equal(head);

    // The last 10 receipts vanish (as a disk that dropped its tail would leave it).
    const keep = head - 9;
    await tamper(join(cell.dir, 'gateway'), async (db) => {
      const last = JSON.parse((await db.get(rKey(keep - 1))).toString()) as Receipt;
      for (let s = keep; s <= head; s++) await db.del(rKey(s));
      await db.put('h', Buffer.from(JSON.stringify({ seq: last.seq, hash: last.hash })));
    });
    const gw = await cell.restartGateway();

    await waitFor(async () => (await gw.ledger.sideGet(REGRESSION_KEY)) !== undefined, 20_000, 'the regression side key');
    expect(gw.replicator!.stats.regressions).to.be.at.least(1);
    const noted = JSON.parse((await gw.ledger.sideGet(REGRESSION_KEY))!) as { acknowledged: { seq: number } };
    expect(noted.acknowledged.seq).to.equal(acknowledged);
    const alarm = (await gw.ledger.last(5)).find((r) => r.kind === 'alarm');
    expect(alarm?.body).to.deep.include({ alarm: 'ledger_regression' });
    await waitFor(() => up!.status().gateways[0]!.alarms.length > 0, 20_000, 'an upstream alarm');
    expect(up.status().gateways[0]!.alarms.map((a) => a.kind)).to.include('backwards');
  });
});
