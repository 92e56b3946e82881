/**
 * Issue 11, defect 1: the ledger on a real small filesystem that fills up,
 * then gets space again. Every append answered OK (durable) must still be
 * there after a reopen, no seq is used twice, and the chain verifies.
 *
 * Needs root (mount -t tmpfs); skipped with the reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { levelRecords, verifyRecords, type Receipt } from '../../src/ledger/index.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { keyFor, newSigner, openLedger } from './helpers.js';

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

describe('ledger on a filesystem that fills up and grows again (issue 11, defect 1)', function () {
  this.timeout(120_000);
  let mountDir: string | undefined;
  let mounted = false;

  before(function () {
    if (process.getuid?.() !== 0) {
      console.warn('    SKIPPED: not root, cannot mount a small tmpfs for the disk-full test');
      this.skip();
    }
    mountDir = mkdtempSync(join(tmpdir(), 'taogate-diskfull-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountDir], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      console.warn(`    SKIPPED: mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`);
      this.skip();
    }
  });

  after(() => {
    if (mounted && mountDir) execFileSync('umount', ['-l', mountDir], { stdio: 'pipe' });
    if (mountDir) rmSync(mountDir, { recursive: true, force: true });
  });

  it('when the disk fills, appends are refused; after it grows, appends go on and every durable receipt survives a reopen', async () => {
    const signer = newSigner();
    const dir = join(mountDir!, 'ledger');
    let ledger: Ledger = await openLedger(dir, signer);
    const durable: Receipt[] = [];
    const pad = 'x'.repeat(2000);
    let refused = 0;
    // Fill: sequential appends (as a busy gateway would: intents, outcomes) until the disk refuses.
    for (let i = 0; i < 5000 && refused < 5; i++) {
      try {
        durable.push(await ledger.append('intent', { i, pad }, { consume: `fill-${i}` }));
      } catch (err) {
        expect(codeOf(err), (err as Error).message).to.equal('ledger_unavailable');
        refused++;
      }
    }
    expect(refused, 'the full disk refused appends').to.equal(5);
    expect(durable.length).to.be.greaterThan(100);

    // Space comes back; the gateway goes on writing.
    execFileSync('mount', ['-o', 'remount,size=64m', mountDir!], { stdio: 'pipe' });
    for (let i = 0; i < 40; i++) durable.push(await ledger.append('intent', { after: i, pad }, { consume: `after-${i}` }));
    expect(ledger.stats.reopens, 'the handle that failed was replaced').to.be.greaterThan(0);
    await ledger.close();

    // Reopen: everything that was answered OK is there, with the hash it was reported with.
    ledger = await openLedger(dir, signer);
    try {
      expect(ledger.head.seq).to.be.at.least(durable.at(-1)!.seq);
      const seqs = new Set(durable.map((r) => r.seq));
      expect(seqs.size, 'no seq reported twice').to.equal(durable.length);
      for (const r of durable) expect((await ledger.get(r.seq))?.hash, `receipt ${r.seq}`).to.equal(r.hash);
      const next = await ledger.append('stop', {});
      expect(next.seq).to.equal(ledger.head.seq);
    } finally {
      await ledger.close();
    }
    const report = await verifyRecords(levelRecords(dir), keyFor(signer));
    expect(report, report.reason).to.include({ ok: true });
  });
});
