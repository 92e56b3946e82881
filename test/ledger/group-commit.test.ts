/** Group commit: many concurrent appends, few synced batches, one linear chain; consume; fail closed. */
import { expect } from 'chai';
import { Refusal } from '../../src/refusal/codes.js';
import { levelRecords, verifyRecords, type Ledger, type Receipt } from '../../src/ledger/index.js';
import { GroupCommit } from '../../src/ledger/group-commit.js';
import { keyFor, newSigner, openLedger, TempDirs } from './helpers.js';

const codeOf = (r: PromiseSettledResult<unknown>): string | undefined =>
  r.status === 'rejected' ? (r.reason instanceof Refusal ? r.reason.code : String(r.reason)) : undefined;

/** Makes the next `times` LevelDB batch writes of a ledger fail (reaches into the private db on purpose). */
function failNextWrites(ledger: Ledger, times: number): void {
  const db = (ledger as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
  const real = db.batch.bind(db);
  let left = times;
  db.batch = (...args: unknown[]) => (left-- > 0 ? Promise.reject(new Error('injected: disk full')) : real(...args));
}

describe('ledger/group commit', () => {
  const dirs = new TempDirs();
  const signer = newSigner();
  afterEach(() => dirs.cleanup());

  it('when 1,000 appends are issued concurrently, they form one linear chain in far fewer synced writes', async () => {
    const dir = await dirs.make();
    const ledger = await openLedger(dir, signer);
    const t0 = performance.now();
    const receipts = await Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.append('intent', { i, target: 'skid.flow_sp', value: String(i) }, { consume: `jti-${i}` })));
    const ms = performance.now() - t0;
    const { batches, largestBatch } = ledger.stats;
    console.log(`      1,000 concurrent appends: ${ms.toFixed(0)} ms (${Math.round(1000 / (ms / 1000))}/s), ${batches} synced batches, largest ${largestBatch}`);
    expect(batches).to.be.at.most(10);
    expect(largestBatch).to.be.at.most(256);
    // Every append resolved with its own receipt; seqs are 0..999 in issue order, each prev is the previous hash.
    expect(receipts.map((r) => r.seq)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(receipts.map((r) => (r.body as { i: number }).i)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    const prevs = new Set(receipts.map((r) => r.prev));
    expect(prevs.size).to.equal(1000);
    receipts.forEach((r, i) => i > 0 && expect(r.prev).to.equal(receipts[i - 1]!.hash));
    await ledger.close();
    expect(await verifyRecords(levelRecords(dir), keyFor(signer))).to.deep.equal({ ok: true, count: 1000, head: receipts[999]!.hash });
  });

  it('when appends arrive one after another, each still gets its own durable batch', async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    for (let i = 0; i < 5; i++) await ledger.append('config', { i });
    expect(ledger.stats.batches).to.equal(5);
    await ledger.close();
  });

  it('when maxBatch is small, no batch exceeds it', async () => {
    const ledger = await openLedger(await dirs.make(), signer, { maxBatch: 7 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append('config', { i })));
    expect(ledger.stats.largestBatch).to.equal(7);
    expect(ledger.stats.batches).to.equal(8);
    await ledger.close();
  });

  describe('consume', () => {
    it('when a jti is consumed twice in sequence, the second append rejects with consumed', async () => {
      const ledger = await openLedger(await dirs.make(), signer);
      await ledger.append('intent', {}, { consume: 'j-1' });
      expect(await ledger.isConsumed('j-1')).to.equal(true);
      expect(await ledger.isConsumed('j-2')).to.equal(false);
      const [second] = await Promise.allSettled([ledger.append('intent', {}, { consume: 'j-1' })]);
      expect(codeOf(second!)).to.equal('consumed');
      expect(ledger.count).to.equal(1);
      await ledger.close();
    });

    it('when a jti is consumed twice in the same batch, only the second rejects and the others commit', async () => {
      const ledger = await openLedger(await dirs.make(), signer);
      const results = await Promise.allSettled([
        ledger.append('intent', { n: 0 }, { consume: 'same' }),
        ledger.append('intent', { n: 1 }, { consume: 'other' }),
        ledger.append('intent', { n: 2 }, { consume: 'same' }),
        ledger.append('denied', { n: 3 }),
      ]);
      expect(results.map(codeOf)).to.deep.equal([undefined, undefined, 'consumed', undefined]);
      expect(ledger.stats.batches).to.equal(1);
      const seqs = results.filter((r): r is PromiseFulfilledResult<Receipt> => r.status === 'fulfilled').map((r) => r.value.seq);
      expect(seqs).to.deep.equal([0, 1, 2]);
      await ledger.close();
    });

    it('when the ledger is reopened (empty memory cache), a consumed jti still rejects', async () => {
      const dir = await dirs.make();
      let ledger = await openLedger(dir, signer);
      await ledger.append('intent', {}, { consume: 'persisted' });
      await ledger.close();
      ledger = await openLedger(dir, signer, { jtiCacheSize: 0 });
      expect(await ledger.isConsumed('persisted')).to.equal(true);
      const [again] = await Promise.allSettled([ledger.append('intent', {}, { consume: 'persisted' })]);
      expect(codeOf(again!)).to.equal('consumed');
      await ledger.close();
    });

    it('when only the DB knows a jti (the cache forgot it) the batch planned without that knowledge is planned again: the replay is refused, the rest of its batch commits in order', async () => {
      const dir = await dirs.make();
      let ledger = await openLedger(dir, signer);
      await ledger.append('intent', { n: 0 }, { consume: 'old' });
      await ledger.close();
      ledger = await openLedger(dir, signer, { jtiCacheSize: 0 });
      const results = await Promise.allSettled([
        ledger.append('intent', { n: 1 }, { consume: 'new' }),
        ledger.append('intent', { n: 2 }, { consume: 'old' }),
        ledger.append('denied', { n: 3 }),
      ]);
      expect(results.map(codeOf)).to.deep.equal([undefined, 'consumed', undefined]);
      expect(ledger.stats.batches).to.equal(1);
      const ok = results.filter((r): r is PromiseFulfilledResult<Receipt> => r.status === 'fulfilled').map((r) => r.value);
      expect(ok.map((r) => [r.seq, (r.body as { n: number }).n])).to.deep.equal([[1, 1], [2, 3]]);
      const head = ok[1]!.hash;
      await ledger.close();
      expect(await verifyRecords(levelRecords(dir), keyFor(signer))).to.deep.equal({ ok: true, count: 3, head });
    });

    it('when many concurrent appends race for one jti, exactly one wins', async () => {
      const ledger = await openLedger(await dirs.make(), signer, { maxBatch: 3 });
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ledger.append('intent', { i }, { consume: 'contended' })));
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      expect(results.filter((r) => codeOf(r) === 'consumed')).to.have.length(19);
      await ledger.close();
    });
  });

  describe('fail closed', () => {
    it('when the batch write fails, every append in it rejects ledger_unavailable, the head stays, and the next batch recovers', async () => {
      const dir = await dirs.make();
      const ledger = await openLedger(dir, signer);
      const before = await ledger.append('start', {});
      failNextWrites(ledger, 1);
      const failed = await Promise.allSettled([
        ledger.append('intent', { n: 1 }, { consume: 'lost-1' }),
        ledger.append('intent', { n: 2 }, { consume: 'lost-2' }),
        ledger.append('intent', { n: 3 }, { consume: 'dup' }),
        ledger.append('intent', { n: 4 }, { consume: 'dup' }),
      ]);
      expect(failed.map(codeOf)).to.deep.equal(['ledger_unavailable', 'ledger_unavailable', 'ledger_unavailable', 'consumed']);
      expect(ledger.head).to.deep.equal({ seq: 0, hash: before.hash });
      expect(ledger.stats.failedBatches).to.equal(1);
      expect(await ledger.isConsumed('lost-1')).to.equal(false);
      // Nothing was written, so the TAO is not consumed and the chain continues from the old head.
      const next = await ledger.append('intent', { n: 5 }, { consume: 'lost-1' });
      expect(next.seq).to.equal(1);
      expect(next.prev).to.equal(before.hash);
      await ledger.close();
      expect(await verifyRecords(levelRecords(dir), keyFor(signer))).to.include({ ok: true, count: 2 });
    });
  });

  describe('GroupCommit', () => {
    it('when flush throws, every item of that batch rejects with the error and later batches still run', async () => {
      let calls = 0;
      const gc = new GroupCommit<number, number>(async (items) => {
        if (calls++ === 0) throw new Error('boom');
        return items.map((v) => ({ ok: true, value: v * 2 }));
      }, 10);
      const first = await Promise.allSettled([gc.push(1), gc.push(2)]);
      expect(first.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
      expect(await gc.push(3)).to.equal(6);
      await gc.idle();
    });

    /** A group commit that records its batches; negative items are lazy. */
    const recording = (lingerMs: number) => {
      const batches: number[][] = [];
      const gc = new GroupCommit<number, number>(
        async (items) => {
          batches.push([...items]);
          return items.map((v) => ({ ok: true, value: v }));
        },
        10,
        { ms: lingerMs, lazy: (v) => v < 0 },
      );
      return { gc, batches };
    };

    it('when lazy items are queued alone they wait for an urgent one and go into its batch', async () => {
      const { gc, batches } = recording(5_000);
      const lazy = gc.push(-1);
      await new Promise((r) => setTimeout(r, 30));
      expect(batches).to.deep.equal([]); // still lingering
      await Promise.all([lazy, gc.push(7)]);
      expect(batches).to.deep.equal([[-1, 7]]);
    });

    it('when no urgent item comes, lazy items are flushed after the linger, and stopLingering() flushes them at once', async () => {
      const { gc, batches } = recording(20);
      await gc.push(-1);
      expect(batches).to.deep.equal([[-1]]);
      const slow = new GroupCommit<number, number>(async (items) => items.map((v) => ({ ok: true, value: v })), 10, { ms: 60_000, lazy: () => true });
      const p = slow.push(-2);
      slow.stopLingering();
      expect(await p).to.equal(-2);
    });
  });
});
