/** The receipts view names the key that signed each receipt and marks break-glass receipts loudly. */
import { expect } from 'chai';
import { receiptRow } from '../../src/console/receipts.js';
import type { Receipt } from '../../src/ledger/index.js';

const base = { prev: '0'.repeat(64), ts: 1767225600000, gateway: 'gw-cell-1', hash: 'a'.repeat(64), sig: 'A'.repeat(86) + '==' };

describe('console: receipt rows', () => {
  it('when a receipt names its key the row shows that kid; an old receipt without one shows none', () => {
    expect(receiptRow({ ...base, seq: 1, kind: 'intent', kid: 'b'.repeat(32), body: { actor: 'hmi-1', jti: 'c'.repeat(32) } } as Receipt)).to.include({ kid: 'b'.repeat(32), outcome: 'authorized', grant: '' });
    expect(receiptRow({ ...base, seq: 1, kind: 'intent', body: {} } as Receipt).kid).to.equal('');
  });

  it('when a receipt belongs to a break-glass window the row says BREAK-GLASS and names the grant', () => {
    const grant = 'd'.repeat(32);
    expect(receiptRow({ ...base, seq: 2, kind: 'breakglass', body: { event: 'open', grant } } as Receipt)).to.include({ outcome: 'BREAK-GLASS open', grant });
    expect(receiptRow({ ...base, seq: 3, kind: 'intent', body: { path: 'breakglass', grant, actor: 'hmi-1' } } as Receipt)).to.include({ outcome: 'authorized: BREAK-GLASS', grant });
    expect(receiptRow({ ...base, seq: 4, kind: 'breakglass', body: { event: 'close', grant, why: 'deadline' } } as Receipt)).to.include({ outcome: 'BREAK-GLASS close: deadline', grant });
  });
});
