/**
 * Issue 14, TPM 2.0: a software TPM (swtpm) exposed as a PKCS#11 token by
 * libtpm2-pkcs11. A TPM has no Ed25519 (refused with a clear message); ES256
 * keys are generated in it, sign through PKCS#11 and verify on node:crypto
 * and @noble/curves; `keys init --pkcs11 ... --alg ES256` puts a cell's keys
 * in it and writes ES256 entries to the trust store.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closePkcs11, Pkcs11Signer } from '../../src/crypto/pkcs11/index.js';
import { nobleVerifySignature, verifySignature } from '../../src/crypto/verify.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { runProcess, CLI } from '../helpers/cli.js';
import { startSoftTpm, type SoftTpm } from '../helpers/swtpm.js';

describe('keys in a TPM 2.0 (swtpm + libtpm2-pkcs11)', function () {
  this.timeout(180_000);
  let tpm: SoftTpm;

  before(async () => {
    tpm = await startSoftTpm();
  });
  after(async () => {
    closePkcs11();
    await tpm?.close();
  });

  it('when an Ed25519 key is asked of the TPM it is refused with a hint to use ES256', () => {
    expect(() => Pkcs11Signer.generate(tpm.uri, 'no-ed', 'EdDSA')).to.throw(/cannot generate an EdDSA key.*--alg ES256/);
  });

  it('when an ES256 key is generated in the TPM it signs low-S signatures that node:crypto and noble accept', () => {
    const signer = Pkcs11Signer.generate(tpm.uri, 'unit-es256', 'ES256');
    const reopened = Pkcs11Signer.open(signer.uri);
    expect(reopened.keyId).to.equal(signer.keyId);
    for (let i = 0; i < 4; i++) {
      const msg = new TextEncoder().encode(`receipt hash ${i}`);
      const sig = reopened.sign(msg);
      expect(verifySignature(signer.publicKey, msg, sig), 'node').to.equal(true);
      expect(nobleVerifySignature(signer.publicKey, msg, sig), 'noble').to.equal(true);
    }
  });

  // Each part holds its key in its own host's TPM; a bare swtpm (no resource manager) keeps only one
  // loaded key per process, so this puts the gateway's key in it (files for the others).
  it('when keys init --pkcs11 --alg ES256 --pkcs11-parts gateway targets the TPM the trust store gets an ES256 gateway key and no gateway key file is written', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'taogate-tpm-keys-'));
    // One process at a time on a bare swtpm (no resource manager): this one lets go first.
    closePkcs11();
    tpm.flush();
    try {
      const r = await runProcess(process.execPath, [CLI, 'keys', 'init', '--dir', keys, '--pkcs11', `${tpm.uri.replace('?', ';object=cell?')}`, '--alg', 'ES256', '--pkcs11-parts', 'gateway'], { env: tpm.env, timeoutMs: 120_000 });
      expect(r.code, r.stderr).to.equal(0);
      tpm.flush();
      const trust = TrustStore.load(join(keys, 'trust.json'));
      expect(existsSync(join(keys, 'gateway.jwk'))).to.equal(false);
      expect(existsSync(join(keys, 'governance.jwk'))).to.equal(true);
      const gw = JSON.parse(readFileSync(join(keys, 'gateway.pkcs11.json'), 'utf8')) as { kid: string; alg: string };
      expect(gw.alg).to.equal('ES256');
      expect(trust.get(gw.kid)).to.include({ alg: 'ES256', role: 'gateway' });
      expect(trust.byName('governance', 'governance')?.alg).to.equal('EdDSA');
      // The reference opens the TPM key again and it matches its kid.
      const ref = JSON.parse(readFileSync(join(keys, 'gateway.pkcs11.json'), 'utf8')) as { pkcs11: string; kid: string };
      expect(Pkcs11Signer.open(ref.pkcs11).keyId).to.equal(ref.kid);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });
});
