/**
 * `taogate validate` after `keys rotate gateway`, with Ed25519 and with ES256
 * key files: the ledger-copy checks look each receipt's key up by kid (the
 * shared receiptKeyLookup) and verify it by the key's algorithm, so receipts
 * signed by the old key still verify within its window and IQ-03 (keys),
 * IQ-04 (trust store), IQ-05 (ledger) and OQ-10 (tamper) pass on a rotated
 * ledger. The report signature (oq-report.sig) verifies by the signing key's
 * algorithm too. In process, no running installation (the checks are given
 * the few things of the context they read).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { rotateKey } from '../../src/cli/commands/keys-rotate.js';
import { es256KeyFiles, initKeys } from '../../src/cli/keys-init.js';
import { keyPaths } from '../../src/cli/paths.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import type { SigAlg } from '../../src/crypto/alg.js';
import { generateRawKeyPair, Signer as Ed25519Signer } from '../../src/crypto/ed25519.js';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { Es256Signer, generateEs256KeyPair } from '../../src/crypto/p256.js';
import { Ledger } from '../../src/ledger/index.js';
import { loadProfile } from '../../src/policy/index.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { iqKeys, iqLedger, iqTrust, oqTamper } from '../../src/validate/checks/index.js';
import type { ValidateContext } from '../../src/validate/context.js';
import { copyLedger, verifyLedgerDir } from '../../src/validate/ledger-copy.js';
import { signReport, verifyReportSignature } from '../../src/validate/signature.js';

const profile = loadProfile(DEMO_PROFILE);
const GW = profile.gateway.id;

/** Keys, a ledger signed by the first gateway key, `keys rotate gateway`, more receipts signed by the new key. */
async function rotatedCell(root: string, alg: SigAlg) {
  const keys = join(root, 'keys');
  const ledgerDir = join(root, 'gateway');
  initKeys(keys, profile, alg === 'ES256' ? { tokenKey: es256KeyFiles } : {});
  const first = readPrivateKeyFile(keyPaths(keys).gateway).signer;
  expect(first.alg).to.equal(alg);
  let ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: first });
  await ledger.append('start', { kid: first.keyId });
  await ledger.append('intent', { actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: '00112233445566778899aabbccddeeff' });
  await ledger.append('committed', { actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: '00112233445566778899aabbccddeeff' });
  await ledger.close();

  const rotated = await rotateKey('gateway', GW, { dir: keys, ledger: ledgerDir, overlap: 0 });
  expect(rotated.old.kid).to.equal(first.keyId);
  const second = readPrivateKeyFile(keyPaths(keys).gateway).signer;
  expect(second.keyId).to.equal(rotated.newKid).and.not.equal(first.keyId);
  expect(second.alg, 'a rotated file key keeps its algorithm').to.equal(alg);

  ledger = await Ledger.open(ledgerDir, { gatewayId: GW, signer: second });
  await ledger.append('start', { kid: second.keyId });
  await ledger.append('intent', { actor: 'hmi-1', target: 'skid.flow_sp', value: '50', jti: '00112233445566778899aabbccddee00' });
  await ledger.append('committed', { actor: 'hmi-1', target: 'skid.flow_sp', value: '50', jti: '00112233445566778899aabbccddee00' });
  const headSeq = ledger.head.seq;
  await ledger.close();

  const trustPath = keyPaths(keys).trust;
  const trust = TrustStore.load(trustPath);
  const copy = await copyLedger(ledgerDir);
  const receipts = copy.receipts;
  copy.remove();
  // What these checks read of a ValidateContext.
  const ctx = {
    o: { keysDir: keys, trust, trustPath, gatewayLedger: ledgerDir, profile },
    gatewayId: GW,
    shared: new Map<string, unknown>(),
    ops: { chain: async () => ({ headSeq }) },
    receipts: async () => receipts,
  } as unknown as ValidateContext;
  return { keys, ledgerDir, trust, first, second, receipts, ctx };
}

for (const alg of ['EdDSA', 'ES256'] as const) {
  describe(`validate on a ledger across a gateway key rotation (${alg} key files)`, function () {
    this.timeout(60_000);
    let root: string;
    let cell: Awaited<ReturnType<typeof rotatedCell>>;

    before(async () => {
      root = mkdtempSync(join(tmpdir(), `taogate-validate-rotated-${alg}-`));
      cell = await rotatedCell(root, alg);
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('when the ledger copy is verified, receipts signed by the old key verify under it (by kid) and the new ones under the new key', async () => {
      const kids = new Set(cell.receipts.map((r) => r.kid));
      expect([...kids]).to.have.members([cell.first.keyId, cell.second.keyId]);
      const rotatedReceipt = cell.receipts.find((r) => r.kind === 'config' || (r.body as { old?: string }).old === cell.first.keyId);
      expect(rotatedReceipt, 'the key_rotated receipt').to.not.equal(undefined);
      const report = await verifyLedgerDir(cell.ledgerDir, cell.trust);
      expect(report.ok, report.reason).to.equal(true);
      expect(report.count).to.equal(cell.receipts.length);
      const old = cell.trust.get(cell.first.keyId)!;
      expect(old.alg).to.equal(alg);
      expect(old.notAfter, 'the old key was ended by the rotation').to.be.a('number');
    });

    it('when IQ-03, IQ-04, IQ-05 and OQ-10 run on the rotated installation, they pass and name the new gateway key', async () => {
      const keysOutcome = await iqKeys.run(cell.ctx);
      expect(keysOutcome.ok, keysOutcome.observed).to.equal(true);
      expect(keysOutcome.evidence?.gatewayKid).to.equal(cell.second.keyId);
      expect(keysOutcome.evidence?.gatewayAlg).to.equal(alg);

      const trustOutcome = await iqTrust.run(cell.ctx);
      expect(trustOutcome.ok, trustOutcome.observed).to.equal(true);
      expect(trustOutcome.evidence?.gatewayKid).to.equal(cell.second.keyId);
      expect(trustOutcome.evidence?.runningKid).to.equal(cell.second.keyId);

      const ledgerOutcome = await iqLedger.run(cell.ctx);
      expect(ledgerOutcome.ok, ledgerOutcome.observed).to.equal(true);

      const tamperOutcome = await oqTamper.run(cell.ctx);
      expect(tamperOutcome.ok, tamperOutcome.observed).to.equal(true);
    });

    it("when the old key's window is cut back before its receipts, they fail: the window is checked at each receipt's time", async () => {
      const old = cell.trust.get(cell.first.keyId)!;
      const firstTs = cell.receipts[0]!.ts;
      const cut = TrustStore.fromJson(cell.trust.toJson());
      cut.setValidity(old.kid, { revokedAt: Math.floor(firstTs / 1000) });
      const report = await verifyLedgerDir(cell.ledgerDir, cut);
      expect(report.ok).to.equal(false);
      expect(report.firstBad).to.equal(0);
      expect(report.reason).to.match(/revoked/);
    });
  });
}

describe('validate report signature by the signing key\'s algorithm', () => {
  const bytes = new TextEncoder().encode('{"run":"r-1"}');
  for (const [alg, signer] of [
    ['EdDSA', new Ed25519Signer(generateRawKeyPair())],
    ['ES256', new Es256Signer(generateEs256KeyPair())],
  ] as const) {
    it(`when an approver's ${alg} key signs oq-report.json, it verifies; other bytes or another key's entry do not`, () => {
      const trust = new TrustStore();
      trust.add({ kid: signer.keyId, name: 'bob', role: 'approver', publicKey: signer.publicKey, alg, approverRole: 'supervisor' });
      const sig = JSON.stringify(signReport(bytes, signer));
      const good = verifyReportSignature(sig, bytes, trust);
      expect(good, JSON.stringify(good)).to.deep.equal({ ok: true, signer: 'bob', kid: signer.keyId });
      const other = verifyReportSignature(sig, new TextEncoder().encode('{"run":"r-2"}'), trust);
      expect(other.ok).to.equal(false);
      const env = JSON.parse(sig) as { payload: string; signatures: { keyid: string; sig: string }[] };
      const flipped = Buffer.from(env.signatures[0]!.sig, 'base64');
      flipped[3] = flipped[3]! ^ 1;
      const bad = verifyReportSignature(JSON.stringify({ ...env, signatures: [{ ...env.signatures[0], sig: flipped.toString('base64') }] }), bytes, trust);
      expect(bad.ok).to.equal(false);
      expect((bad as { reason: string }).reason).to.match(new RegExp(`the ${alg} signature of bob .* does not verify`));
    });
  }
});
