/**
 * Issue 14, keys in hardware: a real SoftHSM2 token (initialised per run in a
 * temp dir). Keys are generated inside the token and never leave it; both
 * algorithms sign through PKCS#11 and verify with node:crypto and noble; the
 * CLI makes a cell's keys in the token (public references only, no private
 * key file) and the demo runs on them: a gated write, a verified ledger whose
 * receipts name the token's gateway key.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closePkcs11, openToken, parsePkcs11Uri, Pkcs11Signer } from '../../src/crypto/pkcs11/index.js';
import { nobleVerifySignature, verifySignature } from '../../src/crypto/verify.js';
import { pkcs11KeyMaker } from '../../src/cli/commands/keys-hardware.js';
import { levelRecords } from '../../src/ledger/index.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { freePortBase, runCli, startDemo } from '../helpers/cli.js';
import { initSoftHsmToken, type SoftHsmToken } from '../helpers/softhsm.js';
import { closeClient, f32, modbusClient, wordsFloat } from '../simulators/modbus-helpers.js';

describe('keys in a PKCS#11 token (SoftHSM2)', function () {
  this.timeout(240_000);
  let token: SoftHsmToken;
  let savedConf: string | undefined;

  before(() => {
    token = initSoftHsmToken();
    savedConf = process.env.SOFTHSM2_CONF;
    process.env.SOFTHSM2_CONF = token.conf;
  });
  after(() => {
    closePkcs11();
    if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = savedConf;
    token?.close();
  });

  for (const alg of ['EdDSA', 'ES256'] as const) {
    it(`when an ${alg} key is generated in the token it signs through PKCS#11, both verifiers accept, and the private key cannot be read out`, () => {
      const signer = Pkcs11Signer.generate(token.uri, `unit-${alg}`, alg);
      expect(signer.alg).to.equal(alg);
      expect(signer.uri).to.match(new RegExp(`^pkcs11:token=taogate;object=unit-${alg}\\?module-path=`));
      const reopened = Pkcs11Signer.open(signer.uri);
      expect(reopened.keyId).to.equal(signer.keyId);
      const msg = new TextEncoder().encode('taogate receipt hash stand-in');
      const sig = reopened.sign(msg);
      expect(verifySignature(signer.publicKey, msg, sig)).to.equal(true);
      expect(nobleVerifySignature(signer.publicKey, msg, sig)).to.equal(true);
      expect(verifySignature(signer.publicKey, new TextEncoder().encode('other'), sig)).to.equal(false);

      const t = openToken(parsePkcs11Uri(signer.uri));
      t.lib.C_FindObjectsInit(t.session, [{ type: t.api.CKA_CLASS, value: t.api.CKO_PRIVATE_KEY }, { type: t.api.CKA_LABEL, value: `unit-${alg}` }]);
      const [priv] = t.lib.C_FindObjects(t.session, 2);
      t.lib.C_FindObjectsFinal(t.session);
      expect(() => t.lib.C_GetAttributeValue(t.session, priv as Buffer, [{ type: t.api.CKA_VALUE }])).to.throw(/CKR_ATTRIBUTE_SENSITIVE/);
      const [extractable] = t.lib.C_GetAttributeValue(t.session, priv as Buffer, [{ type: t.api.CKA_EXTRACTABLE }]);
      expect((extractable?.value as Buffer)[0]).to.equal(0);
    });
  }

  it('when a URI carries the PIN itself, or names no key, it is refused', () => {
    expect(() => parsePkcs11Uri('pkcs11:token=taogate;object=x?pin-value=1234')).to.throw(/pin-value is not accepted/);
    expect(() => Pkcs11Signer.open(token.uri)).to.throw(/names no key/);
    expect(() => Pkcs11Signer.open(`pkcs11:token=taogate;object=nope?pin-source=file:${token.pinFile}`)).to.throw(/no private keys? labelled "nope"/);
  });

  it('when keys init --pkcs11 makes a cell\'s keys and the demo runs on them, a gated write passes, no private key file exists for the token parts, and the ledger verifies', async () => {
    const data = mkdtempSync(join(tmpdir(), 'taogate-p11-demo-'));
    try {
      const keys = join(data, 'keys');
      const uri = `pkcs11:token=taogate;object=cell?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:${token.pinFile}`;
      const init = await runCli(['keys', 'init', '--dir', keys, '--pkcs11', uri, '--json'], { timeoutMs: 60_000 });
      expect(init.code, init.stderr).to.equal(0);
      for (const part of ['governance', 'gateway', 'upstream']) {
        expect(existsSync(join(keys, `${part}.jwk`)), `${part}.jwk`).to.equal(false);
        const ref = JSON.parse(readFileSync(join(keys, `${part}.pkcs11.json`), 'utf8')) as { pkcs11: string; kid: string; alg: string };
        expect(ref.pkcs11).to.contain(`object=cell-${part}`).and.not.contain('4711');
        expect(ref.alg).to.equal('EdDSA');
      }
      const trust = TrustStore.load(join(keys, 'trust.json'));
      const gatewayRef = JSON.parse(readFileSync(join(keys, 'gateway.pkcs11.json'), 'utf8')) as { kid: string };
      expect(trust.get(gatewayRef.kid)?.role).to.equal('gateway');
      // Approvers and actors keep personal key files.
      expect(readdirSync(join(keys, 'approvers'))).to.include('bob.jwk');
      // A second init into the same token is refused (labels taken), before any key is made.
      expect(() => pkcs11KeyMaker({ pkcs11: uri })).to.throw(/already holds keys labelled "cell-governance", "cell-gateway", "cell-upstream"/);

      const demo = await startDemo(data, await freePortBase(), ['--pkcs11', uri]);
      let stopped = false;
      try {
        const [host, port] = demo.ready.modbus.split(':') as [string, string];
        const hmi = await modbusClient(Number(port), 1, '127.0.0.1');
        hmi.setTimeout(15_000);
        try {
          // Right after READY a loaded machine may still be connecting governance (exception 0x0A/0x0B): retry until a deadline.
          const until = Date.now() + 60_000;
          for (;;) {
            try {
              await hmi.writeRegisters(100, f32(42.5));
              break;
            } catch (err) {
              if (!/exception 1[01]\b/.test((err as Error).message) || Date.now() > until) throw err;
              await new Promise((r) => setTimeout(r, 500));
            }
          }
        } finally {
          await closeClient(hmi);
        }
        const [plcHost, plcPort] = demo.ready.plc.modbus.split(':') as [string, string];
        const plc = await modbusClient(Number(plcPort), 1, plcHost);
        try {
          const read = await plc.readHoldingRegisters(100, 2);
          expect(wordsFloat(read.data[0] as number, read.data[1] as number)).to.equal(42.5);
        } finally {
          await closeClient(plc);
        }
        expect(host).to.equal('127.0.0.1');
        expect(await demo.stop()).to.equal(0);
        stopped = true;
      } finally {
        if (!stopped) await demo.stop('SIGKILL');
      }
      // Rotation inside the token: a new gateway key, the old one ends; a key_rotated receipt signed by the new key.
      const rotated = await runCli(['keys', 'rotate', 'gateway', 'gw-cell-1', '--dir', keys, '--data', data, '--json'], { timeoutMs: 60_000 });
      expect(rotated.code, rotated.stderr).to.equal(0);
      const newRef = JSON.parse(readFileSync(join(keys, 'gateway.pkcs11.json'), 'utf8')) as { pkcs11: string; kid: string };
      expect(newRef.kid).to.not.equal(gatewayRef.kid);
      expect(newRef.pkcs11).to.match(/object=cell-gateway-\d{10}/);
      expect(existsSync(join(keys, 'gateway.jwk'))).to.equal(false);
      const rotatedTrust = TrustStore.load(join(keys, 'trust.json'));
      expect(rotatedTrust.get(gatewayRef.kid)?.notAfter).to.be.a('number');
      expect(rotatedTrust.get(newRef.kid)?.role).to.equal('gateway');

      const verify = await runCli(['ledger', 'verify', '--data', data, '--json'], { timeoutMs: 60_000 });
      expect(verify.code, verify.stderr).to.equal(0);
      expect(JSON.parse(verify.stdout)).to.include({ ok: true });
      const kinds = new Map<string, string | undefined>();
      for await (const rec of levelRecords(join(data, 'gateway'))) {
        const r = JSON.parse(rec.raw) as { kind: string; kid?: string };
        if (!kinds.has(r.kind)) kinds.set(r.kind, r.kid);
      }
      expect(kinds.has('intent'), 'an intent receipt').to.equal(true);
      expect(kinds.get('intent'), 'signed by the token key').to.equal(gatewayRef.kid);
      expect(kinds.get('key_rotated'), 'the rotation is signed by the new token key').to.equal(newRef.kid);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
