/**
 * Issue 11, defect 8, through the real CLI: receipts name their key (kid);
 * `keys rotate gateway` makes a new key, ends the old one in the trust store
 * and writes a signed key_rotated receipt; `ledger verify` picks each
 * receipt's key by kid and stays ok across the rotation, including a receipt
 * from before key ids (no kid: the gateway's first key by name). After
 * `keys revoke`, a receipt signed by the revoked key fails verification.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { toB64, toHex } from '../../src/crypto/encoding.js';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { initKeys } from '../../src/cli/keys-init.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { Ledger, levelRecords, receiptHash, verifyRecords, GENESIS_PREV, type Receipt } from '../../src/ledger/index.js';
import { loadProfile } from '../../src/policy/index.js';
import { receiptKeyLookup } from '../../src/tao/receipt-keys.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { runCli } from '../helpers/cli.js';
import { tamper } from './helpers.js';

const GW = 'gw-cell-1'; // the demo profile's gateway id

interface VerifyJson {
  ok: boolean;
  count: number;
  firstBad?: number;
  reason?: string;
}

describe('key ids and key rotation (issue 11, defect 8; real CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-rotate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when the gateway key is rotated, every receipt verifies under the key it names; after a revocation, a receipt signed later by that key fails', async () => {
    const keys = join(dir, 'keys');
    const ledgerDir = join(dir, 'gateway');
    const trust = join(keys, 'trust.json');
    initKeys(keys, loadProfile(DEMO_PROFILE));
    // In-process checks between the CLI's (each CLI start costs seconds on a loaded machine).
    const verify = async () => verifyRecords(levelRecords(ledgerDir), receiptKeyLookup(TrustStore.load(trust)));
    const first = readPrivateKeyFile(join(keys, 'gateway.jwk')).signer;

    // A receipt from before key ids: no kid, hashed and signed as the old code did.
    const ts = Date.now();
    const unsigned = { seq: 0, prev: GENESIS_PREV, ts, kind: 'start' as const, gateway: GW, body: { note: 'written before key ids' } };
    const hash = receiptHash(unsigned);
    const legacy: Receipt = { ...unsigned, hash: toHex(hash), sig: toB64(first.sign(hash)) };
    let ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: first });
    await ledger.close();
    await tamper(ledgerDir, async (db) => {
      await db.put('r!0000000000000000', Buffer.from(JSON.stringify(legacy)));
      await db.put('h', Buffer.from(JSON.stringify({ seq: 0, hash: legacy.hash })));
    });

    ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: first });
    for (let i = 0; i < 3; i++) await ledger.append('denied', { i, key: 'first' });
    await ledger.close();

    const rotated = await runCli(['keys', 'rotate', 'gateway', GW, '--dir', keys, '--ledger', ledgerDir, '--json']);
    expect(rotated.code, rotated.stderr).to.equal(0);
    const rot = JSON.parse(rotated.stdout) as { old: string; new: string; receipt: number };
    expect(rot.old).to.equal(first.keyId);
    expect(rot.receipt).to.equal(4);
    const second = readPrivateKeyFile(join(keys, 'gateway.jwk')).signer;
    expect(second.keyId).to.equal(rot.new);

    ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: second });
    for (let i = 0; i < 3; i++) await ledger.append('denied', { i, key: 'second' });
    await ledger.close();

    const ok = await verify();
    expect(ok, ok.reason).to.include({ ok: true, count: 8 });

    // Every exported receipt names its key (but the one from before key ids).
    // (receiptToJsonl writes kid: test/ledger/export.test.ts)
    const lines: Receipt[] = [];
    for await (const rec of levelRecords(ledgerDir)) lines.push(JSON.parse(rec.raw) as Receipt);
    expect(lines.map((r) => r.kid)).to.deep.equal([undefined, first.keyId, first.keyId, first.keyId, second.keyId, second.keyId, second.keyId, second.keyId]);
    expect(lines[4]).to.deep.include({ kind: 'key_rotated', body: { role: 'gateway', name: GW, old: first.keyId, new: second.keyId, oldNotAfter: (lines[4]!.body as { oldNotAfter: number }).oldNotAfter } });

    // A receipt signed by the old key after its notAfter: not valid any more.
    await new Promise((r) => setTimeout(r, 1100)); // past the second the old key ended in
    ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: first });
    const late = await ledger.append('denied', { key: 'first, after rotation' });
    await ledger.close();
    const expired = await verify();
    expect(expired).to.include({ ok: false, firstBad: late.seq });
    expect(expired.reason).to.match(/^key expired/);
    await tamper(ledgerDir, async (db) => {
      await db.del(`r!${late.seq.toString(16).padStart(16, '0')}`);
      await db.put('h', Buffer.from(JSON.stringify({ seq: late.seq - 1, hash: late.prev })));
    });

    // Revocation of the second key: what it signed before stays valid, what it signs after fails.
    const revoked = await runCli(['keys', 'revoke', second.keyId, '--dir', keys, '--ledger', ledgerDir, '--reason', 'test', '--json']);
    expect(revoked.code, revoked.stderr).to.equal(0);
    const stillOk = await verify();
    expect(stillOk, stillOk.reason).to.include({ ok: true, count: 8 });
    ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: second });
    const afterRevocation = await ledger.append('denied', { key: 'second, after revocation' });
    await ledger.close();
    const broken = await runCli(['ledger', 'verify', '--data', ledgerDir, '--trust', trust, '--json']);
    expect(broken.code).to.equal(1);
    const report = JSON.parse(broken.stdout) as VerifyJson;
    expect(report).to.include({ ok: false, firstBad: afterRevocation.seq });
    expect(report.reason).to.match(/^revoked key/);
  });
});
