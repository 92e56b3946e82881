import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { canonicalize, sha256Hex } from '../../src/crypto/index.js';
import { parseProfile, policyDocument, policyHash, withDeviceOverrides, type Profile } from '../../src/policy/index.js';

const DEMO_TEXT = readFileSync('profiles/demo-cell.yaml', 'utf8');

function hashOf(text: string): string {
  return parseProfile(text, 'demo.yaml').policyHash;
}

describe('policy: policyHash', () => {
  let demo: Profile;
  before(() => {
    demo = parseProfile(DEMO_TEXT, 'demo.yaml');
  });

  it('when computed it is sha256 over the canonical policy document, numbers as decimal strings', () => {
    const doc = policyDocument(demo) as Record<string, Record<string, Record<string, unknown>>>;
    expect(demo.policyHash).to.equal(sha256Hex(canonicalize(doc)));
    expect(policyHash(demo)).to.equal(demo.policyHash);
    expect(doc.tags!['skid.flow_sp']!.max).to.equal('120');
    expect(doc.defaults!.taoTtlS).to.equal('60');
    expect(doc.devices!.skid).to.deep.equal({ protocol: 'modbus', unit: '1' });
  });

  it('when device ports, hosts or endpoints change the hash does not', () => {
    const moved = DEMO_TEXT.replace('port: 5023', 'port: 6023').replace('host: 127.0.0.1', 'host: 10.1.2.3').replace('opc.tcp://127.0.0.1:4844', 'opc.tcp://plc:4999');
    expect(hashOf(moved)).to.equal(demo.policyHash);
    const remapped = withDeviceOverrides(demo, { skid: { port: 7001 }, reactor: { port: 7002 } });
    expect(policyHash(remapped)).to.equal(demo.policyHash);
  });

  it('when a limit, a role, an approval rule or the gateway id changes the hash changes', () => {
    const variants = [
      DEMO_TEXT.replace('max: 120', 'max: 121'),
      DEMO_TEXT.replace('max_step: 30', 'max_step: 31'),
      DEMO_TEXT.replace('write_roles: [operator, optimizer]', 'write_roles: [operator]'),
      DEMO_TEXT.replace('count: 1, roles: [supervisor]', 'count: 2, roles: [supervisor]'),
      DEMO_TEXT.replace('id: gw-cell-1', 'id: gw-cell-2'),
      DEMO_TEXT.replace('unit: 1', 'unit: 3'),
      DEMO_TEXT.replace('address: 110', 'address: 111'),
    ];
    const hashes = new Set([demo.policyHash, ...variants.map(hashOf)]);
    expect(hashes.size).to.equal(variants.length + 1);
  });

  it('when only comments, key order or spelled-out defaults differ the hash is the same', () => {
    const restyled = DEMO_TEXT.replace(/ +#.*$/gm, '')
      .replace('  tao_ttl_s: 60\n', '')
      .replace('    min: 0\n    max: 120\n', '    max: 120\n    min: 0\n');
    expect(restyled).to.not.equal(DEMO_TEXT);
    expect(hashOf(restyled)).to.equal(demo.policyHash);
  });

  it('when a password changes the hash does not (secrets are not policy)', () => {
    expect(hashOf(DEMO_TEXT.replace('password: alice-demo', 'password: other'))).to.equal(demo.policyHash);
    expect(JSON.stringify(policyDocument(demo))).to.not.contain('alice-demo');
  });
});

describe('policy: withDeviceOverrides', () => {
  let demo: Profile;
  before(() => {
    demo = parseProfile(DEMO_TEXT, 'demo.yaml');
  });

  it('when given new addresses it replaces them and leaves the original profile alone', () => {
    const p = withDeviceOverrides(demo, new Map([['skid', { host: '127.0.0.9', port: 15001 }], ['reactor', { endpoint: 'opc.tcp://127.0.0.1:15004' }]]));
    expect(p.devices.get('skid')).to.deep.include({ id: 'skid', protocol: 'modbus', host: '127.0.0.9', port: 15001, unit: 1 });
    expect(p.devices.get('reactor')).to.deep.include({ id: 'reactor', protocol: 'opcua', endpoint: 'opc.tcp://127.0.0.1:15004', securityPolicy: 'Basic256Sha256' });
    expect(demo.devices.get('skid')).to.include({ port: 5023 });
    expect(p.tags).to.equal(demo.tags);
  });

  it('when an OPC UA device gets a port it rewrites the endpoint port', () => {
    expect(withDeviceOverrides(demo, { reactor: { port: 15004 } }).devices.get('reactor')).to.include({ endpoint: 'opc.tcp://127.0.0.1:15004' });
  });

  it('when the device is unknown or the override does not fit the protocol it throws', () => {
    expect(() => withDeviceOverrides(demo, { nope: { port: 1 } })).to.throw(/no device 'nope'/);
    expect(() => withDeviceOverrides(demo, { skid: { endpoint: 'opc.tcp://x:1' } })).to.throw(/Modbus device/);
    expect(() => withDeviceOverrides(demo, { skid: { port: 70000 } })).to.throw(/not a TCP port/);
  });
});
