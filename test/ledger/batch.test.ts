/** planBatch is pure: the exact LevelDB operations one group-commit batch writes, without LevelDB. */
import { expect } from 'chai';
import { planBatch, type AppendRequest } from '../../src/ledger/batch.js';
import { EMPTY_HEAD } from '../../src/ledger/types.js';
import { newSigner } from './helpers.js';

const signer = newSigner();
const ctx = (consumed: string[] = []) => ({ gateway: 'gw', signer, now: () => 1000, consumedBefore: (j: string) => consumed.includes(j) });

describe('ledger/planBatch', () => {
  it('when a batch mixes kinds and options, it writes receipts, index changes and the head last, in one op list', () => {
    const reqs: AppendRequest[] = [
      { kind: 'intent', body: { n: 0 }, opts: { consume: 'a' } },
      { kind: 'committed', body: { n: 1 }, opts: { closes: 0 } },
      { kind: 'staged', body: { n: 2 }, opts: { consume: 'b', stage: { jti: 'b', envelope: 'E', exp: 9 } } },
      { kind: 'intent', body: { n: 3 }, opts: { unstage: 'b' } },
    ];
    const plan = planBatch({ head: EMPTY_HEAD, lastTs: 0 }, reqs, ctx());
    expect(plan.ops.map((o) => `${o.type} ${o.key}`)).to.deep.equal([
      'put r!0000000000000000',
      'put j!a',
      'put i!0000000000000000',
      'put r!0000000000000001',
      'del i!0000000000000000',
      'put r!0000000000000002',
      'put j!b',
      'put s!b',
      'put r!0000000000000003',
      'put i!0000000000000003',
      'del s!b',
      'put h',
    ]);
    expect(plan.ops.at(-1)).to.deep.include({ value: JSON.stringify({ seq: 3, hash: plan.head.hash }) });
    expect(plan.ops.find((o) => o.key === 's!b')).to.deep.include({ value: JSON.stringify({ envelope: 'E', exp: 9, seq: 2 }) });
    expect(plan.consumed).to.deep.equal(['a', 'b']);
    expect(plan.appended).to.equal(4);
  });

  it('when every request is refused, it writes nothing (not even the head)', () => {
    const plan = planBatch({ head: EMPTY_HEAD, lastTs: 0 }, [{ kind: 'intent', body: {}, opts: { consume: 'x' } }], ctx(['x']));
    expect(plan.ops).to.deep.equal([]);
    expect(plan.appended).to.equal(0);
    expect(plan.head).to.equal(EMPTY_HEAD);
  });

  it('when a request is refused, the next one takes its seq so the chain has no gap', () => {
    const plan = planBatch(
      { head: EMPTY_HEAD, lastTs: 0 },
      [
        { kind: 'intent', body: {}, opts: { consume: 'used' } },
        { kind: 'intent', body: {}, opts: {} },
      ],
      ctx(['used']),
    );
    expect(plan.outcomes.map((o) => o.ok)).to.deep.equal([false, true]);
    expect(plan.outcomes[1]?.ok && plan.outcomes[1].value.seq).to.equal(0);
  });
});
