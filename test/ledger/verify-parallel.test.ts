/**
 * The parallel verifier (worker threads) against the sequential one: the same
 * tampered chains must give the SAME report (ok, count, head, firstBad,
 * reason) on both paths. Small chains are forced onto workers in chunks of 5
 * (so tampers land on chunk boundaries and inside chunks); a 3,000-receipt
 * chain takes the 'auto' path (1,250 on this thread, then chunks of 500 on
 * workers: the defaults' layout, 5,000 then 2,000 of 12,000, at a quarter of
 * the size, so 3.5 chunks are in flight as with the defaults) with tampers
 * in the middle. Also: stored texts that are
 * valid but not in the writer's exact form (the fast hash path must defer to
 * the canonicalizer), and a pool that fails.
 */
import { expect } from 'chai';
import { sealReceipt, type Receipt, type UnsignedReceipt } from '../../src/ledger/index.js';
import { jsonlRecords, levelRecords, verifyRecords, VerifyPool, type RawRecord, type RecordSource, type VerifyOptions, type VerifyReport } from '../../src/ledger/verify.js';
import { fillLedger, GATEWAY, keyFor, newSigner, TempDirs } from './helpers.js';

const N = 12;

async function collect(src: RecordSource): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of src) out.push(r);
  return out;
}

/** Records in memory, with an optional stored head (as levelRecords reports it). */
function memory(records: readonly RawRecord[], head?: string | null): RecordSource {
  return { storedHead: () => head, [Symbol.asyncIterator]: async function* () { yield* records; } };
}

function withRaw(records: readonly RawRecord[], seq: number, raw: string): RawRecord[] {
  return records.map((r) => (r.key === seq ? { key: seq, raw } : r));
}

/** Replaces a field's value in stored JSON text (the first occurrence). */
function edit(raw: string, field: string, value: string): string {
  return raw.replace(new RegExp(`"${field}":("[^"]*"|[0-9]+)`), `"${field}":${value}`);
}

/** Changes the first character of the signature (the encoding stays canonical). */
function flipSig(raw: string): string {
  return raw.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`);
}

describe('ledger/verify on worker threads', () => {
  const dirs = new TempDirs();
  const signer = newSigner();
  const keys = keyFor(signer);
  let pool: VerifyPool;
  let pristine: RawRecord[];
  let head: string;

  before(async () => {
    pool = new VerifyPool(2);
    const dir = await dirs.make('parallel');
    await fillLedger(dir, signer, N);
    const src = levelRecords(dir);
    pristine = await collect(src);
    head = src.storedHead!()!;
  });
  after(async () => {
    await pool.close();
    await dirs.cleanup();
  });

  const parallel: VerifyOptions = { parallel: true, chunkSize: 5 };

  interface Setup {
    /** The stored head the source reports; default: the pristine ledger's; 'none': a source without one (an export). */
    head?: string | null | 'none';
    keys?: (gateway: string) => Uint8Array | undefined;
    extra?: VerifyOptions;
  }

  /** Both paths on the same records; they must agree, and the report is returned. */
  async function bothPaths(records: readonly RawRecord[], setup: Setup = {}): Promise<VerifyReport> {
    const storedHead = setup.head === 'none' ? undefined : setup.head === undefined ? head : setup.head;
    const lookup = setup.keys ?? keys;
    const sequential = await verifyRecords(memory(records, storedHead), lookup, { ...setup.extra, parallel: false });
    const onWorkers = await verifyRecords(memory(records, storedHead), lookup, { ...setup.extra, ...parallel, pool });
    expect(onWorkers).to.deep.equal(sequential);
    return sequential;
  }

  it('when nothing was touched, both paths report ok with the same count and head', async () => {
    const report = await bothPaths(pristine);
    expect(report).to.deep.include({ ok: true, count: N });
  });

  it('when the pool is started by the call itself (parallel: true, no pool given), it verifies and shuts the workers down', async () => {
    const report = await verifyRecords(memory(pristine, head), keys, { parallel: true, chunkSize: 4, workers: 2 });
    expect(report).to.deep.include({ ok: true, count: N });
  });

  describe('when one field of a stored receipt is changed (chunks of 5: seqs 0, 5 and 10 open a chunk)', () => {
    const cases: [string, number, (raw: string) => string, RegExp][] = [
      ['a body value', 5, (raw) => edit(raw, 'value', '"99"'), /^hash mismatch/],
      ['a body value', 7, (raw) => edit(raw, 'value', '"99"'), /^hash mismatch/],
      ['the hash', 0, (raw) => edit(raw, 'hash', `"${'a'.repeat(64)}"`), /^hash mismatch/],
      ['the hash', 10, (raw) => edit(raw, 'hash', `"${'a'.repeat(64)}"`), /^hash mismatch/],
      ['the sig', 3, flipSig, /^bad signature/],
      ['the sig', 5, flipSig, /^bad signature/],
      ['the prev', 5, (raw) => edit(raw, 'prev', `"${'b'.repeat(64)}"`), /^broken link/],
      ['the prev', 10, (raw) => edit(raw, 'prev', `"${'b'.repeat(64)}"`), /^broken link/],
      ['the prev', 0, (raw) => edit(raw, 'prev', `"${'b'.repeat(64)}"`), /^broken link/],
      ['the prev', 8, (raw) => edit(raw, 'prev', `"${'b'.repeat(64)}"`), /^broken link/],
      ['the ts (backwards)', 5, (raw) => edit(raw, 'ts', '1'), /^time went backwards/],
      ['the ts (backwards)', 6, (raw) => edit(raw, 'ts', '1'), /^time went backwards/],
      ['the seq', 5, (raw) => edit(raw, 'seq', '0'), /^stored under key 5 but says seq 0/],
      ['the JSON structure', 10, (raw) => raw.slice(1), /^malformed receipt JSON/],
      ['a field name', 9, (raw) => raw.replace('"gateway"', '"gatewax"'), /^malformed receipt: (missing|unexpected) field/],
      ['the gateway (no key for it)', 5, (raw) => edit(raw, 'gateway', '"gw-other"'), /^unknown gateway key/],
      ['the last receipt', N - 1, (raw) => edit(raw, 'jti', '"x"'), /^hash mismatch/],
    ];
    for (const [what, seq, change, reason] of cases) {
      it(`${what} of seq ${seq}: both paths name seq ${seq} with the same reason (node and noble)`, async () => {
        const records = withRaw(pristine, seq, change(pristine[seq]!.raw));
        const report = await bothPaths(records);
        expect(report).to.deep.include({ ok: false, firstBad: seq, count: seq });
        expect(report.reason).to.match(reason);
        await bothPaths(records, { extra: { impl: 'noble' } });
      });
    }
  });

  it('when a prev link breaks AND the hash is wrong at a chunk start, both paths say broken link (link is checked first)', async () => {
    const raw = edit(edit(pristine[5]!.raw, 'prev', `"${'c'.repeat(64)}"`), 'value', '"77"');
    const report = await bothPaths(withRaw(pristine, 5, raw));
    expect(report).to.deep.include({ firstBad: 5 });
    expect(report.reason).to.match(/^broken link/);
  });

  it('when any single byte of a receipt at a chunk start is flipped (every position, xor 1), both paths agree', async () => {
    const target = 5;
    const original = Buffer.from(pristine[target]!.raw, 'utf8');
    for (let i = 0; i < original.length; i++) {
      const bytes = Buffer.from(original);
      bytes[i] = bytes[i]! ^ 0x01;
      const report = await bothPaths(withRaw(pristine, target, bytes.toString('utf8')));
      expect(report.firstBad, `flip at ${i}: ${report.reason}`).to.equal(target);
    }
  });

  it('when receipts are deleted, swapped or stored under stray keys, both paths agree', async () => {
    const without = (seq: number) => pristine.filter((r) => r.key !== seq);
    expect(await bothPaths(without(5))).to.deep.include({ firstBad: 5, count: 5 });
    expect(await bothPaths(without(0))).to.deep.include({ firstBad: 0 });
    expect((await bothPaths(without(N - 1))).reason).to.match(/^truncated/);
    const swapped = pristine.map((r) => (r.key === 4 ? { key: 4, raw: pristine[5]!.raw } : r.key === 5 ? { key: 5, raw: pristine[4]!.raw } : r));
    expect(await bothPaths(swapped)).to.deep.include({ firstBad: 4, reason: 'stored under key 4 but says seq 5' });
    expect(await bothPaths([...pristine, { key: Number.NaN, raw: '{}' }])).to.deep.include({ firstBad: N });
    const repeated = [...pristine.slice(0, 8), { key: 6, raw: pristine[6]!.raw }, ...pristine.slice(8)];
    expect((await bothPaths(repeated)).reason).to.match(/^storage key 6 repeats/);
  });

  it('when the stored head is wrong, missing or unreadable, both paths agree', async () => {
    const r9 = JSON.parse(pristine[9]!.raw) as Receipt;
    expect(await bothPaths(pristine, { head: JSON.stringify({ seq: 9, hash: r9.hash }) })).to.deep.include({ ok: false, firstBad: 10 });
    expect((await bothPaths(pristine, { head: JSON.stringify({ seq: N - 1, hash: 'e'.repeat(64) }) })).reason).to.match(/stored head hash/);
    expect((await bothPaths(pristine, { head: null })).warnings).to.have.length(1);
    expect((await bothPaths(pristine, { head: 'garbage' })).reason).to.match(/^the stored head is not/);
  });

  it('when the gateway key is unknown, another key, or the lookup throws, both paths agree', async () => {
    expect((await bothPaths(pristine, { keys: () => undefined })).reason).to.match(/^unknown gateway key/);
    expect((await bothPaths(pristine, { keys: () => newSigner().publicKey })).reason).to.match(/^bad signature/);
    const throwing = () => {
      throw new Error('trust store broken');
    };
    expect(await bothPaths(pristine, { keys: throwing })).to.deep.include({ ok: false, firstBad: 0 });
  });

  it('when records are garbage, both paths report them and never throw', async () => {
    for (const raw of ['', 'null', '[]', '{}', '{"seq":0}', '{'.repeat(5000), '\u0000\uffff']) {
      expect(await bothPaths(withRaw(pristine, 6, raw)), raw.slice(0, 20)).to.deep.include({ ok: false, firstBad: 6 });
    }
  });

  it('when an export (JSON Lines) is verified on workers, it agrees with the sequential verify', async () => {
    const lines = pristine.map((r) => r.raw).filter((_, i) => i !== 7);
    const sequential = await verifyRecords(jsonlRecords(lines), keys, { parallel: false });
    expect(await verifyRecords(jsonlRecords(lines), keys, { ...parallel, pool })).to.deep.equal(sequential);
    expect(sequential).to.deep.include({ ok: false, firstBad: 7 });
  });

  it('when progress is asked for on workers, it reports per chunk up to the total', async () => {
    const seen: [number, number | undefined][] = [];
    await verifyRecords(memory(pristine, head), keys, { ...parallel, pool, onProgress: (n, total) => seen.push([n, total]) });
    expect(seen).to.deep.equal([[5, N], [10, N], [N, N]]);
  });

  it('when the pool cannot check a chunk (closed), the chunks are checked on this thread and a warning says so', async () => {
    const closed = new VerifyPool(1);
    await closed.close();
    const report = await verifyRecords(memory(pristine, head), keys, { ...parallel, pool: closed });
    expect(report).to.deep.include({ ok: true, count: N });
    expect(report.warnings).to.deep.equal(['checked on one thread after a verify worker failed: the verify pool is closed']);
  });

  describe('when the stored text is valid but not exactly what the writer stores', () => {
    /** A chain sealed by hand with the given bodies, stored as the writer stores it. */
    function chain(bodies: unknown[]): RawRecord[] {
      let prev = '0'.repeat(64);
      return bodies.map((body, seq) => {
        const r = sealReceipt({ seq, prev, ts: 1_700_000_000_000 + seq, kind: 'config', gateway: GATEWAY, body } as UnsignedReceipt, signer);
        prev = r.hash;
        return { key: seq, raw: JSON.stringify(r) };
      });
    }
    const bodies = [{ a: 1 }, { '10': 'x', '9': 'y' }, { n: 1, list: [1, 2, { z: 0, a: 'é\u2028' }] }, { s: 'x' }, { n: 0 }];

    it('when an object has integer-like keys (JSON order differs from canonical order), it still verifies', async () => {
      const records = chain(bodies);
      expect(records[1]!.raw).to.contain('{"9":"y","10":"x"');
      expect(await bothPaths(records, { head: 'none' })).to.deep.include({ ok: true, count: bodies.length });
    });

    it('when the text is re-formatted (whitespace, field order, 1.0 for 1), it verifies like the canonical form says', async () => {
      const records = chain(bodies);
      const r2 = JSON.parse(records[2]!.raw) as Receipt;
      const { sig, hash, ...rest } = r2;
      const variants = [JSON.stringify(r2, null, 2), JSON.stringify({ sig, hash, ...rest }), records[2]!.raw.replace('"n":1', '"n":1.0')];
      for (const raw of variants) expect(await bothPaths(withRaw(records, 2, raw), { head: 'none' }), raw).to.deep.include({ ok: true, count: bodies.length });
    });

    it('when a 0 is written as -0 (or a number that rounds to -0), it is malformed on both paths', async () => {
      const records = chain(bodies);
      for (const minusZero of ['-0', '-0.0', '-1e-400']) {
        const report = await bothPaths(withRaw(records, 4, records[4]!.raw.replace('"n":0', `"n":${minusZero}`)), { head: 'none' });
        expect(report).to.deep.include({ ok: false, firstBad: 4 });
        expect(report.reason).to.match(/^malformed: body is not canonical JSON: -0 is not allowed/);
      }
    });

    it('when a body key is duplicated in the text, the value JSON.parse keeps is the one checked', async () => {
      const records = chain(bodies);
      const raw = records[3]!.raw.replace('"body":{"s":"x"}', '"body":{"s":"evil","s":"x"}');
      expect(await bothPaths(withRaw(records, 3, raw), { head: 'none' })).to.deep.include({ ok: true, count: bodies.length });
      const evil = records[3]!.raw.replace('"body":{"s":"x"}', '"body":{"s":"x","s":"evil"}');
      expect((await bothPaths(withRaw(records, 3, evil), { head: 'none' })).reason).to.match(/^hash mismatch/);
    });
  });

  // The defaults' layout (VERIFY_DEFAULTS: 5,000 here, then chunks of 2,000, on a 12,000 chain) at a quarter of the size:
  // the same boundaries and chunks in flight, a quarter of the signatures to check twice per test (was ~10 s a test on 2 cores).
  describe('a 3,000-receipt chain on the auto path (1,250 here, then chunks of 500 on workers)', function () {
    this.timeout(300_000);
    const BIG = 3_000;
    let big: RawRecord[];
    let bigHead: string;

    before(async () => {
      const dir = await dirs.make('parallel-big');
      await fillLedger(dir, signer, BIG);
      const src = levelRecords(dir);
      big = await collect(src);
      bigHead = src.storedHead!()!;
    });

    async function auto(records: readonly RawRecord[]): Promise<VerifyReport> {
      const sequential = await verifyRecords(memory(records, bigHead), keys, { parallel: false });
      const report = await verifyRecords(memory(records, bigHead), keys, { pool, threshold: 1_250, chunkSize: 500 });
      expect(report).to.deep.equal(sequential);
      return report;
    }

    it('when nothing was touched, it verifies all of it', async () => {
      expect(await auto(big)).to.deep.include({ ok: true, count: BIG });
    });

    for (const [what, seq, change, reason] of [
      ['a body value in the middle of a chunk', 2_031, (raw: string) => edit(raw, 'value', '"1"'), /^hash mismatch/],
      ['the prev of the first receipt of a chunk', 2_250, (raw: string) => edit(raw, 'prev', `"${'d'.repeat(64)}"`), /^broken link/],
      ['the sig of the last receipt of a chunk', 2_749, flipSig, /^bad signature/],
      ['the hash of the first receipt on workers', 1_250, (raw: string) => edit(raw, 'hash', `"${'0'.repeat(64)}"`), /^hash mismatch/],
    ] as const) {
      it(`when ${what} (seq ${seq}) is changed, it names seq ${seq} with the sequential reason`, async () => {
        const report = await auto(withRaw(big, seq, change(big[seq]!.raw)));
        expect(report).to.deep.include({ ok: false, firstBad: seq, count: seq, head: (JSON.parse(big[seq - 1]!.raw) as Receipt).hash });
        expect(report.reason).to.match(reason);
      });
    }

    it('when two receipts are bad, the earlier one is named even if a later chunk finishes first', async () => {
      const records = withRaw(withRaw(big, 2_875, '{'), 2_375, edit(big[2_375]!.raw, 'value', '"2"'));
      expect(await auto(records)).to.deep.include({ ok: false, firstBad: 2_375 });
    });

    it('when a receipt in the middle is deleted in LevelDB storage order, the gap is named', async () => {
      expect(await auto(big.filter((r) => r.key !== 1_944))).to.deep.include({ ok: false, firstBad: 1_944, count: 1_944 });
    });
  });
});
