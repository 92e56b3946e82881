/** OPC UA device entries: security policy and mode, and the identity the gateway logs in to the PLC with. */
import { expect } from 'chai';
import { formatIssue, parseProfile, ProfileError } from '../../src/policy/index.js';
import type { OpcuaDevice } from '../../src/policy/types.js';
import { withLines } from './fixtures.js';

function ua(line: string): OpcuaDevice | string[] {
  try {
    return parseProfile(withLines({ 5: line }), 'p.yaml').devices.get('ua') as OpcuaDevice;
  } catch (err) {
    expect(err).to.be.instanceOf(ProfileError);
    return (err as ProfileError).errors.map(formatIssue);
  }
}

const EP = 'endpoint: "opc.tcp://127.0.0.1:4840"';

describe('policy: OPC UA device security and identity', () => {
  it('when nothing is said the session is Basic256Sha256 + SignAndEncrypt and anonymous', () => {
    expect(ua(`  ua: { protocol: opcua, ${EP} }`)).to.deep.include({ securityPolicy: 'Basic256Sha256', securityMode: 'SignAndEncrypt', identity: { kind: 'anonymous' } });
  });

  it('when security_policy None is written out the mode is None too', () => {
    expect(ua(`  ua: { protocol: opcua, ${EP}, security_policy: None }`)).to.deep.include({ securityPolicy: 'None', securityMode: 'None' });
  });

  it('when a user and password_file are given they are the identity; user_cert + user_key make an X.509 identity', () => {
    expect(ua(`  ua: { protocol: opcua, ${EP}, security_mode: Sign, user: gateway, password_file: plc/ua.secret }`)).to.deep.include({ securityMode: 'Sign', identity: { kind: 'user', user: 'gateway', passwordFile: 'plc/ua.secret' } });
    expect(ua(`  ua: { protocol: opcua, ${EP}, user_cert: plc/gw.pem, user_key: plc/gw.key }`)).to.deep.include({ identity: { kind: 'certificate', certFile: 'plc/gw.pem', keyFile: 'plc/gw.key' } });
  });

  it('when policy and mode disagree about None it says which to change', () => {
    const a = `  ua: { protocol: opcua, ${EP}, security_policy: None, security_mode: Sign }`;
    expect(ua(a)).to.deep.equal([`p.yaml:5:${a.indexOf('Sign }') + 1}: device ua: security_policy None signs and encrypts nothing, so security_mode must be None (or left out)`]);
    const b = `  ua: { protocol: opcua, ${EP}, security_mode: None }`;
    expect(ua(b)).to.deep.equal([`p.yaml:5:${b.indexOf('None }') + 1}: device ua: security_mode None needs security_policy None; with Basic256Sha256 use Sign or SignAndEncrypt`]);
  });

  it('when an identity is half given or doubled, or the policy is Basic128Rsa15, it is refused', () => {
    expect((ua(`  ua: { protocol: opcua, ${EP}, user: gateway }`) as string[]).join('\n')).to.match(/password_file/);
    expect((ua(`  ua: { protocol: opcua, ${EP}, user_key: k.pem }`) as string[]).join('\n')).to.match(/user_cert/);
    expect((ua(`  ua: { protocol: opcua, ${EP}, user: g, password_file: f, user_cert: c, user_key: k }`) as string[]).join('\n')).to.match(/give one identity/);
    expect((ua(`  ua: { protocol: opcua, ${EP}, security_policy: Basic128Rsa15 }`) as string[]).join('\n')).to.match(/is not one of None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss/);
  });

  it('when a Modbus device carries OPC UA security keys they are not allowed', () => {
    const errors = (() => {
      try {
        parseProfile(withLines({ 4: '  plc: { protocol: modbus, host: 127.0.0.1, port: 502, unit: 1, security_policy: None }' }), 'p.yaml');
        return [];
      } catch (err) {
        return (err as ProfileError).errors.map(formatIssue);
      }
    })();
    expect(errors.join('\n')).to.match(/security_policy' is not allowed for a modbus device/);
  });
});
