/** The trust store: file format, validation with clear errors, lookups by role and validity window. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustStore, type TrustStoreJson } from '../../src/tao/truststore.js';
import { NOW, signers, trustStore } from '../vectors/fixtures.js';

const json = (): TrustStoreJson => trustStore().toJson();

describe('tao: trust store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'taogate-trust-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when saved and loaded it round-trips every key and field', () => {
    const file = join(dir, 'trust.json');
    trustStore().save(file);
    const loaded = TrustStore.load(file);
    expect(loaded.toJson()).to.deep.equal(json());
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0]).to.include({ kty: 'OKP', crv: 'Ed25519', role: 'governance' });
  });

  it('when looking up a key it answers only for the right role inside the validity window', () => {
    const trust = trustStore();
    const gov = signers.governance.keyId;
    expect(trust.lookup(gov, 'governance', NOW)?.name).to.equal('governance');
    expect(trust.lookup(gov, 'gateway', NOW)).to.equal(undefined);
    expect(trust.lookup(gov, 'governance', NOW - 86400 - 1)).to.equal(undefined);
    expect(trust.lookup(gov, 'governance', NOW - 86400)).to.not.equal(undefined);
    const retired = signers.retired.keyId;
    expect(trust.lookup(retired, 'governance', NOW - 3600)).to.not.equal(undefined);
    expect(trust.lookup(retired, 'governance', NOW - 3599)).to.equal(undefined);
    expect(trust.lookup('0'.repeat(32), 'governance', NOW)).to.equal(undefined);
  });

  it('when looking up by name it finds the key of that role', () => {
    expect(trustStore().byName('bob', 'approver')?.kid).to.equal(signers.bob.keyId);
    expect(trustStore().byName('bob', 'governance')).to.equal(undefined);
  });

  const broken: [string, (j: any) => void, RegExp][] = [
    ['a kid that does not match the key', (j) => (j.keys[1].kid = j.keys[0].kid), /keys\[1\] \(gw-cell-1\).*does not match the public key/],
    ['an unknown role', (j) => (j.keys[2].role = 'root'), /keys\[2\]\.role must be one of/],
    ['a key that is not Ed25519', (j) => (j.keys[0].crv = 'P-256'), /keys\[0\] must be an Ed25519 key/],
    ['a short public key', (j) => (j.keys[0].x = 'AAAA'), /keys\[0\]\.x must be base64url of 32 bytes/],
    ['a duplicate key', (j) => j.keys.push(j.keys[0]), /keys\[5\] \(governance\).*duplicate kid/],
    ['a window that ends before it starts', (j) => Object.assign(j.keys[0], { notBefore: 10, notAfter: 5 }), /keys\[0\].*notAfter is before notBefore/],
    ['a float time', (j) => (j.keys[0].notBefore = 1.5), /keys\[0\]\.notBefore must be an integer/],
    ['an unexpected field', (j) => (j.keys[0].d = 'secret'), /keys\[0\] has an unexpected field "d"/],
    ['approverRole on a governance key', (j) => (j.keys[0].approverRole = 'x'), /approverRole is only allowed on approver keys/],
    ['another version', (j) => (j.version = 2), /version must be 1/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`when the file has ${what} it refuses to load and names the entry`, () => {
      const j = json();
      breakIt(j);
      expect(() => TrustStore.fromJson(j, 'trust.json')).to.throw(Error, message).with.property('message').that.match(/^trust\.json: /);
    });
  }

  it('when the file is missing or not JSON it says so with the path', () => {
    expect(() => TrustStore.load(join(dir, 'nope.json'))).to.throw(/nope\.json: cannot read trust store \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => TrustStore.load(join(dir, 'bad.json'))).to.throw(/bad\.json: trust store is not JSON/);
  });

  it('when a key is added twice it refuses', () => {
    const trust = trustStore();
    const key = trust.get(signers.bob.keyId)!;
    expect(() => trust.add(key)).to.throw(/duplicate kid/);
  });
});
