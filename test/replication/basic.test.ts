/** Replication basics: gateway -> upstream on loopback, in-process. */
import { expect } from 'chai';
import { startCell, type Cell } from '../helpers/cell.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startUpstreamIn, waitFor } from './helpers.js';

describe('replication: gateway ships its chain to the upstream', function () {
  let cell: Cell;
  let up: UpstreamNode | undefined;
  beforeEach(async () => {
    cell = await startCell();
  });
  afterEach(async () => {
    await up?.close();
    up = undefined;
    await cell.close();
  });

  it('when receipts are appended the upstream verifies and stores them, acks, and cosigns checkpoints', async () => {
    up = await startUpstreamIn(cell);
    const gw = cell.gateway;
    for (let i = 0; i < 600; i++) void gw.ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), code: 'test' });
    await waitFor(() => gw.replicator!.lag === 0 && gw.ledger.head.seq >= 600, 15_000, 'replication to catch up');
    const copy = up.copy(cell.profile.gateway.id)!;
    expect(copy.held).to.deep.equal(gw.ledger.head);
    await waitFor(() => gw.replicator!.stats.cosignatures > 0, 5000, 'a cosignature');
    const cosigs = [];
    for await (const e of gw.ledger.sideEntries('cosig/')) cosigs.push(e);
    expect(cosigs.length).to.be.greaterThan(0);
    expect(up.status().ok).to.equal(true);
  });
});
