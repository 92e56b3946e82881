/**
 * The verifier against tampered storage: flip one byte of a stored receipt
 * (in the body, the hash, the sig, anywhere), delete one, swap two, cut the
 * tail. It must name the right first bad seq and why, on node:crypto and on
 * noble, and never throw on malformed input.
 */
import { expect } from 'chai';
import { jsonlRecords, levelRecords, receiptToJsonl, verifyRecords, type RawRecord, type RecordSource, type Receipt } from '../../src/ledger/index.js';
import { fillLedger, keyFor, newSigner, rKey, tamper, TempDirs } from './helpers.js';

const N = 12;

async function collect(src: RecordSource): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of src) out.push(r);
  return out;
}

function memory(records: RawRecord[]): RecordSource {
  return { [Symbol.asyncIterator]: async function* () { yield* records; } };
}

/** Offset of the first character of a field's value in stored receipt JSON, plus `skip`. */
function offsetIn(raw: Buffer, field: string, skip: number): number {
  const at = raw.indexOf(`"${field}":`);
  if (at < 0) throw new Error(`no ${field} in ${raw.toString()}`);
  return at + field.length + 3 + skip;
}

/** Replaces one byte with another character valid in hex, base64 and digits alike ('0', or '1' for a '0'). */
function sameAlphabetFlip(c: number): number {
  return c === 0x30 ? 0x31 : 0x30;
}

describe('ledger/verify', () => {
  const dirs = new TempDirs();
  const signer = newSigner();
  const keys = keyFor(signer);
  let pristine: string;

  before(async () => {
    pristine = await dirs.make('pristine');
    await fillLedger(pristine, signer, N);
  });
  after(() => dirs.cleanup());

  async function copyOfLedger(): Promise<string> {
    const dir = await dirs.make();
    const { cp } = await import('node:fs/promises');
    await cp(pristine, dir, { recursive: true });
    return dir;
  }

  async function flipByte(seq: number, pos: (raw: Buffer) => number): Promise<string> {
    const dir = await copyOfLedger();
    await tamper(dir, async (db) => {
      const raw = (await db.get(rKey(seq)))!;
      const at = pos(raw);
      raw[at] = sameAlphabetFlip(raw[at]!);
      await db.put(rKey(seq), raw);
    });
    return dir;
  }

  it('when nothing was touched, it reports ok with the count and head on both implementations', async () => {
    const node = await verifyRecords(levelRecords(pristine), keys);
    const noble = await verifyRecords(levelRecords(pristine), keys, { impl: 'noble' });
    expect(node.ok).to.equal(true);
    expect(node.count).to.equal(N);
    expect(node.head).to.match(/^[0-9a-f]{64}$/);
    expect(noble).to.deep.equal(node);
  });

  it('when progress is asked for, it reports every receipt and the total from the stored head', async () => {
    const seen: [number, number | undefined][] = [];
    await verifyRecords(levelRecords(pristine), keys, { onProgress: (n, total) => seen.push([n, total]) });
    expect(seen).to.have.length(N);
    expect(seen.at(-1)).to.deep.equal([N, N]);
  });

  describe('when one byte of a stored receipt is flipped in LevelDB', () => {
    const cases: [string, number, (raw: Buffer) => number, RegExp][] = [
      ['in the body (a value digit)', 5, (raw) => offsetIn(raw, 'value', 1), /^hash mismatch/],
      ['in the body (an actor name)', 9, (raw) => offsetIn(raw, 'actor', 1), /^hash mismatch/],
      ['in the hash', 7, (raw) => offsetIn(raw, 'hash', 10), /^hash mismatch/],
      ['in the first hash digit', 0, (raw) => offsetIn(raw, 'hash', 1), /^hash mismatch/],
      ['in the sig', 3, (raw) => offsetIn(raw, 'sig', 20), /^bad signature/],
      ['in the prev', 4, (raw) => offsetIn(raw, 'prev', 30), /^broken link/],
      ['in the ts', 6, (raw) => offsetIn(raw, 'ts', 12), /^(hash mismatch|time went backwards)/],
      ['in the seq', 8, (raw) => offsetIn(raw, 'seq', 0), /^stored under key 8 but says seq 0/],
      ['in the JSON structure', 2, () => 0, /^malformed receipt JSON/],
      ['in a field name', 10, (raw) => raw.indexOf('"gateway"') + 2, /^malformed receipt: (missing|unexpected) field/],
      ['in the last receipt', N - 1, (raw) => offsetIn(raw, 'jti', 2), /^hash mismatch/],
    ];
    for (const [where, seq, pos, reason] of cases) {
      it(`${where} of seq ${seq}, it names seq ${seq} (node and noble agree)`, async () => {
        const dir = await flipByte(seq, pos);
        const report = await verifyRecords(levelRecords(dir), keys);
        expect(report.ok).to.equal(false);
        expect(report.firstBad).to.equal(seq);
        expect(report.reason).to.match(reason);
        expect(report.count).to.equal(seq);
        const noble = await verifyRecords(levelRecords(dir), keys, { impl: 'noble' });
        expect(noble).to.deep.equal(report);
      });
    }
  });

  it('when any single byte of a receipt is flipped (every position, xor 1), it names that seq and never throws', async () => {
    const records = await collect(levelRecords(pristine));
    const target = 4;
    const original = Buffer.from(records[target]!.raw, 'utf8');
    const reasons = new Set<string>();
    for (let i = 0; i < original.length; i++) {
      const bytes = Buffer.from(original);
      bytes[i] = bytes[i]! ^ 0x01;
      const copy = records.slice();
      copy[target] = { key: target, raw: bytes.toString('utf8') };
      const report = await verifyRecords(memory(copy), keys);
      expect(report.firstBad, `flip at ${i}: ${report.reason}`).to.equal(target);
      reasons.add(report.reason!.split(':')[0]!.replace(/ \d+.*/, ''));
    }
    expect([...reasons]).to.include.members(['malformed receipt JSON', 'malformed receipt', 'hash mismatch', 'bad signature', 'broken link']);
  });

  it('when a receipt is deleted, it reports the gap at that seq', async () => {
    const dir = await copyOfLedger();
    await tamper(dir, (db) => db.del(rKey(5)));
    expect(await verifyRecords(levelRecords(dir), keys)).to.deep.include({ ok: false, firstBad: 5, count: 5 }).and.have.property('reason').that.matches(/^gap: seq 5 is missing/);
  });

  it('when the first receipt is deleted, it reports seq 0', async () => {
    const dir = await copyOfLedger();
    await tamper(dir, (db) => db.del(rKey(0)));
    expect(await verifyRecords(levelRecords(dir), keys)).to.deep.include({ ok: false, firstBad: 0 });
  });

  it('when the last receipt is deleted, the head pointing further reports the truncation', async () => {
    const dir = await copyOfLedger();
    await tamper(dir, (db) => db.del(rKey(N - 1)));
    const report = await verifyRecords(levelRecords(dir), keys);
    expect(report).to.deep.include({ ok: false, firstBad: N - 1, count: N - 1 });
    expect(report.reason).to.match(/^truncated: the stored head says seq 11 but the last receipt is seq 10/);
  });

  for (const [a, b] of [[3, 8], [4, 5], [0, N - 1]] as const) {
    it(`when receipts ${a} and ${b} are swapped, it names seq ${a}`, async () => {
      const dir = await copyOfLedger();
      await tamper(dir, async (db) => {
        const [ra, rb] = await db.getMany([rKey(a), rKey(b)]);
        await db.batch([{ type: 'put', key: rKey(a), value: rb! }, { type: 'put', key: rKey(b), value: ra! }]);
      });
      const report = await verifyRecords(levelRecords(dir), keys);
      expect(report).to.deep.include({ ok: false, firstBad: a, reason: `stored under key ${a} but says seq ${b}` });
    });
  }

  it('when the stored head names an earlier receipt, it reports the first receipt past it', async () => {
    const dir = await copyOfLedger();
    const records = await collect(levelRecords(pristine));
    const r9 = JSON.parse(records[9]!.raw) as Receipt;
    await tamper(dir, (db) => db.put('h', Buffer.from(JSON.stringify({ seq: 9, hash: r9.hash }))));
    expect(await verifyRecords(levelRecords(dir), keys)).to.deep.include({ ok: false, firstBad: 10 });
  });

  it('when the stored head hash is wrong, it names the last seq', async () => {
    const dir = await copyOfLedger();
    await tamper(dir, (db) => db.put('h', Buffer.from(JSON.stringify({ seq: N - 1, hash: 'e'.repeat(64) }))));
    const report = await verifyRecords(levelRecords(dir), keys);
    expect(report).to.deep.include({ ok: false, firstBad: N - 1 });
    expect(report.reason).to.match(/stored head hash/);
  });

  it('when a stray key sits in the receipt range, it is reported, not skipped', async () => {
    const dir = await copyOfLedger();
    await tamper(dir, (db) => db.put('r!zz', Buffer.from('{}')));
    expect(await verifyRecords(levelRecords(dir), keys)).to.deep.include({ ok: false, firstBad: N });
  });

  it('when the gateway key is unknown, it names seq 0', async () => {
    const report = await verifyRecords(levelRecords(pristine), () => undefined);
    expect(report).to.deep.include({ ok: false, firstBad: 0, count: 0 });
    expect(report.reason).to.match(/^unknown gateway key/);
  });

  it('when the key is another gateway key, it reports a bad signature at seq 0', async () => {
    const other = newSigner();
    const report = await verifyRecords(levelRecords(pristine), () => other.publicKey);
    expect(report).to.deep.include({ ok: false, firstBad: 0 });
    expect(report.reason).to.match(/^bad signature/);
  });

  it('when records are malformed in any way, it reports them and never throws', async () => {
    const garbage = ['', 'null', '[]', '"x"', '{}', '{"seq":0}', '{"seq":-0,"prev":1}', '{'.repeat(5000), '{"seq":0,"body":{"v":1.5}}', '\u0000\uffff'];
    for (const raw of garbage) {
      const report = await verifyRecords(memory([{ key: 0, raw }]), keys);
      expect(report.ok, raw.slice(0, 20)).to.equal(false);
      expect(report.firstBad).to.equal(0);
    }
    const records = await collect(levelRecords(pristine));
    const floaty = JSON.parse(records[0]!.raw) as Record<string, unknown>;
    floaty.body = { v: 1.5 };
    expect(await verifyRecords(memory([{ key: 0, raw: JSON.stringify(floaty) }]), keys)).to.deep.include({ ok: false, firstBad: 0 });
    expect(await verifyRecords(memory([{ key: Number.NaN, raw: records[0]!.raw }]), keys)).to.deep.include({ ok: false, firstBad: 0 });
    const throwing = () => {
      throw new Error('trust store broken');
    };
    expect(await verifyRecords(memory(records), throwing)).to.deep.include({ ok: false, firstBad: 0 });
  });

  describe('JSON Lines source', () => {
    it('when an export is verified, it agrees with the LevelDB verify; a deleted line is named', async () => {
      const lines: string[] = [];
      for (const rec of await collect(levelRecords(pristine))) lines.push(receiptToJsonl(JSON.parse(rec.raw) as Receipt));
      const fromDb = await verifyRecords(levelRecords(pristine), keys);
      expect(await verifyRecords(jsonlRecords(lines), keys)).to.deep.equal(fromDb);
      const cut = lines.filter((_, i) => i !== 6);
      expect(await verifyRecords(jsonlRecords(cut), keys)).to.deep.include({ ok: false, firstBad: 6 });
    });
  });
});
