/**
 * The pure parts of the break-glass feed: which receipts belong to
 * break-glass (outcomes of intents from before the classifier started are
 * looked up), how a claim is cut into messages (contiguous, none lost), and
 * what the review list says of a window whose record is incomplete.
 */
import { expect } from 'chai';
import type { Json } from '../../src/crypto/canonical.js';
import { FEED_CHUNK_BYTES, parseFeedMessage, parseSyncRequest } from '../../src/breakglass/feed-wire.js';
import { BreakglassClassifier } from '../../src/breakglass/relevance.js';
import { reviewState } from '../../src/breakglass/review-rule.js';
import { buildWindows } from '../../src/breakglass/windows.js';
import type { Receipt, ReceiptKind } from '../../src/ledger/types.js';
import { chunkClaim } from '../../src/replication/breakglass-feed.js';

const rc = (seq: number, kind: ReceiptKind, body: Json): Receipt => ({ seq, prev: '0'.repeat(64), ts: 1000 + seq, kind, gateway: 'gw-1', body, hash: seq.toString(16).padStart(64, '0'), sig: '' });

describe('break-glass feed parts', () => {
  it('when outcomes follow, only those of break-glass intents count, also for an intent from before the classifier started', async () => {
    const early = rc(3, 'intent', { path: 'breakglass', grant: 'g' });
    const c = new BreakglassClassifier(10, async (seq) => (seq === 3 ? early : rc(seq, 'intent', {})));
    const chain = [
      rc(10, 'committed', { intent: 3 }), // intent before the start: looked up, break-glass
      rc(11, 'committed', { intent: 4 }), // looked up, an ordinary intent
      rc(12, 'intent', { path: 'breakglass', grant: 'g' }),
      rc(13, 'intent', {}),
      rc(14, 'indeterminate', { intent: 12 }),
      rc(15, 'committed', { intent: 13 }),
      rc(16, 'settled', { intent: 12, outcome: 'committed' }),
      rc(17, 'breakglass', { event: 'close', grant: 'g', why: 'closed', writes: 1 }),
      rc(18, 'denied', { code: 'out_of_range' }),
    ];
    const picked: number[] = [];
    for (const r of chain) if (await c.relevant(r)) picked.push(r.seq);
    expect(picked).to.deep.equal([10, 12, 14, 16, 17]);
  });

  it('when a claim holds more than one message can carry it is cut into contiguous messages and the last keeps done', () => {
    const big = 'x'.repeat(40 * 1024);
    const receipts = [5, 9, 12, 20, 21].map((s) => rc(s, 'intent', { path: 'breakglass', pad: big }));
    const parts = chunkClaim({ gateway: 'gw-1', from: 3, to: 30, sync: 'a'.repeat(32), done: true }, receipts);
    expect(parts.length).to.be.greaterThan(1);
    expect(parts[0]!.claim.from).to.equal(3);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.claim.from).to.equal(parts[i - 1]!.claim.to + 1);
    expect(parts.at(-1)!.claim).to.include({ to: 30, done: true });
    expect(parts.slice(0, -1).every((p) => p.claim.done === undefined)).to.equal(true);
    expect(parts.flatMap((p) => p.receipts.map((r) => r.seq))).to.deep.equal([5, 9, 12, 20, 21]);
    for (const p of parts) expect(JSON.stringify(p.receipts).length).to.be.below(FEED_CHUNK_BYTES + 50 * 1024);
  });

  it('when a window lacks receipts the list says what is missing, and a signer alone never completes a review', () => {
    const [w] = buildWindows('gw-1', [
      rc(1, 'breakglass', { event: 'open', grant: 'g', signers: ['bob', 'carol'], tags: ['*'], reason: 'r', nbf: 1, exp: 2 }),
      rc(2, 'intent', { path: 'breakglass', grant: 'g', actor: 'hmi-1', target: 't', value: '1' }),
      rc(4, 'breakglass', { event: 'close', grant: 'g', why: 'closed', writes: 2 }),
    ]);
    expect(w!.problems).to.deep.equal(['the close receipt counts 2 write(s), 1 held', 'write seq 2 has no outcome yet']);
    const review = (by: string, independent: boolean) => ({ by, role: 'supervisor', note: 'n', ts: 1, digest: w!.digest, independent });
    expect(reviewState(true, [review('bob', false)])).to.equal('pending');
    expect(reviewState(true, [review('bob', false), review('carol', false)])).to.equal('reviewed');
    expect(reviewState(true, [review('dave', true)])).to.equal('reviewed');
    expect(reviewState(false, [review('dave', true)])).to.equal('open');
  });

  it('when a payload is not a feed message or sync request the parser says why instead of throwing', () => {
    for (const junk of ['', 'null', '[]', '{"t":"bg"}', '{"t":"bg","gateway":"a/b","from":0,"to":0,"receipts":[],"kid":"k","sig":"s"}', '{"t":"bg","gateway":"gw","from":5,"to":2,"receipts":[],"kid":"k","sig":"s"}']) {
      expect(parseFeedMessage(junk), junk).to.be.a('string');
    }
    expect(parseSyncRequest('{"t":"sync","id":"x","from":{}}')).to.be.a('string');
    expect(parseSyncRequest(`{"t":"sync","id":"${'a'.repeat(32)}","from":{"gw-1":-1}}`)).to.be.a('string');
    expect(parseSyncRequest(`{"t":"sync","id":"${'a'.repeat(32)}","from":{"gw-1":4}}`)).to.deep.equal({ t: 'sync', id: 'a'.repeat(32), from: { 'gw-1': 4 } });
  });
});
