/**
 * The reactor simulator hardened like a PLC with its security on: only
 * Basic256Sha256 and stronger with Sign / SignAndEncrypt, a user login,
 * client certificates from its trust list. It refuses SecurityPolicy None,
 * anonymous sessions, a wrong password and an unknown client certificate by
 * itself (no gateway involved).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType, type UserIdentityInfo } from 'node-opcua';
import { startOpcuaSim, type OpcuaSim } from '../../simulators/opcua/index.js';

describe('OPC UA reactor simulator, hardened', function () {
  this.timeout(120_000);
  let dir: string;
  let sim: OpcuaSim;

  const client = (name: string, policy: SecurityPolicy, mode: MessageSecurityMode) =>
    OPCUAClient.create({
      applicationName: name,
      endpointMustExist: false,
      securityPolicy: policy,
      securityMode: mode,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(dir, name), automaticallyAcceptUnknownCertificate: true }),
    });

  /** Connects and opens a session; resolves 'ok' or the error text. */
  async function attempt(c: OPCUAClient, identity: UserIdentityInfo): Promise<string> {
    try {
      await c.connect(sim.endpoint);
      const session = await c.createSession(identity);
      const dv = await session.read({ nodeId: 'ns=1;s=reactor.temp_sp', attributeId: AttributeIds.Value });
      await session.close();
      return dv.statusCode.isGood() ? 'ok' : dv.statusCode.name;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await c.disconnect().catch(() => undefined);
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-sim-secured-'));
    // A trusted client: its certificate is made first and handed to the PLC's trust list.
    const cm = new OPCUACertificateManager({ rootFolder: join(dir, 'trusted-client'), automaticallyAcceptUnknownCertificate: true });
    await cm.initialize();
    const trusted = OPCUAClient.create({ applicationName: 'trusted-client', clientCertificateManager: cm });
    await trusted.createDefaultCertificate();
    await cm.dispose();
    sim = await startOpcuaSim({ port: 0, pkiDir: join(dir, 'plc'), security: { users: { gateway: 'plc-pass' }, trustedClientCertificates: [trusted.certificateFile] } });
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a trusted client logs in as gateway over Basic256Sha256 + SignAndEncrypt it reads the reactor', async () => {
    expect(await attempt(client('trusted-client', SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt), { type: UserTokenType.UserName, userName: 'gateway', password: 'plc-pass' })).to.equal('ok');
    expect(await attempt(client('trusted-client', SecurityPolicy.Aes256_Sha256_RsaPss, MessageSecurityMode.Sign), { type: UserTokenType.UserName, userName: 'gateway', password: 'plc-pass' })).to.equal('ok');
  });

  it('when it offers its endpoints none is SecurityPolicy None and no user token is anonymous', async () => {
    const c = client('trusted-client', SecurityPolicy.None, MessageSecurityMode.None);
    await c.connect(sim.endpoint);
    try {
      const endpoints = await c.getEndpoints();
      expect(endpoints.length).to.be.greaterThan(0);
      for (const e of endpoints) {
        expect(e.securityMode).to.not.equal(MessageSecurityMode.None);
        expect(e.securityPolicyUri).to.not.equal(SecurityPolicy.None);
        expect((e.userIdentityTokens ?? []).map((t) => t.tokenType)).to.not.include(UserTokenType.Anonymous);
      }
    } finally {
      await c.disconnect();
    }
  });

  it('when a client asks for SecurityPolicy None it gets no session, even with the right password', async () => {
    const result = await attempt(client('trusted-client', SecurityPolicy.None, MessageSecurityMode.None), { type: UserTokenType.UserName, userName: 'gateway', password: 'plc-pass' });
    expect(result).to.not.equal('ok');
  });

  it('when a session is anonymous or the password is wrong it is refused', async () => {
    expect(await attempt(client('trusted-client', SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt), { type: UserTokenType.Anonymous })).to.not.equal('ok');
    expect(await attempt(client('trusted-client', SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt), { type: UserTokenType.UserName, userName: 'gateway', password: 'wrong' })).to.not.equal('ok');
  });

  it('when a client certificate is not in its trust list the secure channel is refused', async () => {
    const result = await attempt(client('stranger', SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt), { type: UserTokenType.UserName, userName: 'gateway', password: 'plc-pass' });
    expect(result).to.not.equal('ok');
    expect(sim.writes()).to.have.length(0);
  });
});
