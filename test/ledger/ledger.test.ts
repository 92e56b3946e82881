/** The LevelDB ledger: append, read back, reopen, indexes, head recovery. Real LevelDB in temp dirs. */
import { expect } from 'chai';
import { GENESIS_PREV, Ledger, levelRecords, verifyRecords } from '../../src/ledger/index.js';
import { fillLedger, GATEWAY, keyFor, newSigner, openLedger, rKey, tamper, TempDirs } from './helpers.js';

describe('ledger/Ledger', () => {
  const dirs = new TempDirs();
  const signer = newSigner();
  afterEach(() => dirs.cleanup());

  it('when empty, the head is seq -1 with 64 zeros and count is 0', async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    expect(ledger.head).to.deep.equal({ seq: -1, hash: GENESIS_PREV });
    expect(ledger.count).to.equal(0);
    expect(await ledger.last(5)).to.deep.equal([]);
    await ledger.close();
  });

  it("reports LevelDB's estimate of its memory: the memtable grows with appends, and nothing once closed", async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    const before = ledger.levelMemoryBytes!;
    expect(before).to.be.a('number');
    for (let i = 0; i < 20; i++) await ledger.append('denied', { actor: 'x', target: 'skid.flow_sp', value: String(i), note: 'n'.repeat(500) });
    expect(ledger.levelMemoryBytes).to.be.greaterThan(before + 20 * 500);
    await ledger.close();
    expect(ledger.levelMemoryBytes).to.equal(undefined);
  });

  it('when receipts are appended, they link, read back, and the dir verifies', async () => {
    const dir = await dirs.make();
    const ledger = await openLedger(dir, signer);
    const a = await ledger.append('start', { version: '0.1.0' });
    const b = await ledger.append('intent', { actor: 'hmi-1', target: 'skid.flow_sp', value: '42' });
    const c = await ledger.append('committed', { intent: b.seq }, { closes: b.seq });
    expect([a.seq, b.seq, c.seq]).to.deep.equal([0, 1, 2]);
    expect(a.prev).to.equal(GENESIS_PREV);
    expect(b.prev).to.equal(a.hash);
    expect(c.prev).to.equal(b.hash);
    expect(a.gateway).to.equal(GATEWAY);
    expect(ledger.head).to.deep.equal({ seq: 2, hash: c.hash });
    expect(ledger.count).to.equal(3);
    expect(await ledger.get(1)).to.deep.equal(b);
    expect(await ledger.get(3)).to.equal(undefined);
    const all = [];
    for await (const r of ledger.iterate()) all.push(r.seq);
    expect(all).to.deep.equal([0, 1, 2]);
    const some = [];
    for await (const r of ledger.iterate({ from: 1, to: 1 })) some.push(r.seq);
    expect(some).to.deep.equal([1]);
    expect((await ledger.last(2)).map((r) => r.seq)).to.deep.equal([1, 2]);
    await ledger.close();
    const report = await verifyRecords(levelRecords(dir), keyFor(signer));
    expect(report).to.deep.equal({ ok: true, count: 3, head: c.hash });
  });

  it('when reopened, it continues the same chain', async () => {
    const dir = await dirs.make();
    let ledger = await openLedger(dir, signer);
    const first = await ledger.append('start', {});
    await ledger.close();
    ledger = await openLedger(dir, signer);
    expect(ledger.head).to.deep.equal({ seq: 0, hash: first.hash });
    const second = await ledger.append('stop', {});
    expect(second.prev).to.equal(first.hash);
    await ledger.close();
    expect((await verifyRecords(levelRecords(dir), keyFor(signer))).ok).to.equal(true);
  });

  it('when the dir is already open, a second open fails naming the dir', async () => {
    const dir = await dirs.make();
    const ledger = await openLedger(dir, signer);
    try {
      await openLedger(dir, signer).then(
        () => expect.fail('second open succeeded'),
        (err: Error) => {
          expect(err.message).to.include(dir);
          expect(err.message).to.match(/already open|lock/i);
        },
      );
    } finally {
      await ledger.close();
    }
  });

  it('when the clock goes backwards, ts never decreases', async () => {
    const times = [5_000, 4_000, 6_000, 1_000];
    const ledger = await openLedger(await dirs.make(), signer, { now: () => times.shift() ?? 0 });
    const ts = [];
    for (let i = 0; i < 4; i++) ts.push((await ledger.append('config', { i })).ts);
    expect(ts).to.deep.equal([5_000, 5_000, 6_000, 6_000]);
    await ledger.close();
  });

  it('when a body cannot be canonicalized, only that append rejects', async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    const [bad, good] = await Promise.allSettled([ledger.append('config', { v: 1.5 }), ledger.append('config', { v: '1.5' })]);
    expect(bad.status).to.equal('rejected');
    expect(good.status).to.equal('fulfilled');
    expect(ledger.count).to.equal(1);
    await ledger.close();
  });

  it('when the caller mutates the body after append, the sealed receipt is unchanged', async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    const body = { value: '1' };
    const pending = ledger.append('config', body);
    body.value = '2';
    expect((await pending).body).to.deep.equal({ value: '1' });
    await ledger.close();
  });

  it('when closed, further appends are refused with ledger_unavailable', async () => {
    const ledger = await openLedger(await dirs.make(), signer);
    const queued = ledger.append('stop', {});
    await ledger.close();
    expect((await queued).seq).to.equal(0);
    await ledger.append('start', {}).then(
      () => expect.fail('append after close succeeded'),
      (err: { code?: string }) => expect(err.code).to.equal('ledger_unavailable'),
    );
  });

  describe('open intents', () => {
    it('when an intent is appended it is open; when an outcome closes it, it is not', async () => {
      const dir = await dirs.make();
      let ledger = await openLedger(dir, signer);
      const i1 = await ledger.append('intent', { target: 'a' });
      const i2 = await ledger.append('intent', { target: 'b' });
      expect((await ledger.openIntents()).map((r) => r.seq)).to.deep.equal([i1.seq, i2.seq]);
      await ledger.append('committed', { intent: i1.seq }, { closes: i1.seq });
      expect((await ledger.openIntents()).map((r) => r.seq)).to.deep.equal([i2.seq]);
      await ledger.close();
      ledger = await openLedger(dir, signer);
      const open = await ledger.openIntents();
      expect(open.map((r) => r.seq)).to.deep.equal([i2.seq]);
      expect(open[0]?.body).to.deep.equal({ target: 'b' });
      await ledger.append('indeterminate', { intent: i2.seq }, { closes: i2.seq });
      expect(await ledger.openIntents()).to.deep.equal([]);
      await ledger.close();
    });
  });

  describe('staged TAOs', () => {
    it('when staged they survive a reopen, and unstage removes them', async () => {
      const dir = await dirs.make();
      let ledger = await openLedger(dir, signer);
      const s1 = await ledger.append('staged', { jti: 'j1' }, { consume: 'j1', stage: { jti: 'j1', envelope: '{"e":1}', exp: 1_900_000_000 } });
      const s2 = await ledger.append('staged', { jti: 'j2' }, { consume: 'j2', stage: { jti: 'j2', envelope: '{"e":2}', exp: 1_900_000_001 } });
      await ledger.close();
      ledger = await openLedger(dir, signer);
      expect(await ledger.stagedTaos()).to.deep.equal([
        { jti: 'j1', envelope: '{"e":1}', exp: 1_900_000_000, seq: s1.seq },
        { jti: 'j2', envelope: '{"e":2}', exp: 1_900_000_001, seq: s2.seq },
      ]);
      expect(await ledger.isConsumed('j1')).to.equal(true);
      await ledger.append('intent', { jti: 'j1' }, { unstage: 'j1' });
      expect((await ledger.stagedTaos()).map((s) => s.jti)).to.deep.equal(['j2']);
      await ledger.close();
    });
  });

  describe('head recovery', () => {
    it('when the head key is missing, open recovers it from the last receipt and verify warns', async () => {
      const dir = await dirs.make();
      await fillLedger(dir, signer, 5);
      await tamper(dir, (db) => db.del('h'));
      const report = await verifyRecords(levelRecords(dir), keyFor(signer));
      expect(report.ok).to.equal(true);
      expect(report.warnings?.[0]).to.match(/no stored head/);
      const ledger = await openLedger(dir, signer);
      expect(ledger.head.seq).to.equal(4);
      const next = await ledger.append('stop', {});
      expect(next.seq).to.equal(5);
      await ledger.close();
      expect(await verifyRecords(levelRecords(dir), keyFor(signer))).to.include({ ok: true, count: 6 });
    });

    it('when the head points past the last receipt, open refuses naming the dir', async () => {
      const dir = await dirs.make();
      await fillLedger(dir, signer, 5);
      await tamper(dir, (db) => db.del(rKey(4)));
      await Ledger.open(dir, { gatewayId: GATEWAY, signer }).then(
        () => expect.fail('opened a truncated ledger'),
        (err: Error) => expect(err.message).to.include(dir).and.to.include('does not match the last receipt'),
      );
    });
  });
});
