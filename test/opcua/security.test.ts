/**
 * Issue 4 item 2: the front's endpoints and identities. Security None plus
 * Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss with Sign
 * and SignAndEncrypt, never Basic128Rsa15; user name + password from the
 * profile; X.509 user certificates by thumbprint; loopback only.
 */
import { expect } from 'chai';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DataType, MessageSecurityMode, OPCUAClient, SecurityPolicy } from 'node-opcua';
import { sha1Thumbprint } from '../../src/gateway/opcua/index.js';
import type { Profile } from '../../src/policy/types.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { connect, selfSignedCertificate, TEST_APPLICATION, testCertificateManager } from './client.js';
import { bodyOf, head, since } from './ledger.js';

describe('OPC UA front: endpoints and identities', function () {
  let cell: Cell;
  let aliceCert: { certificateData: Buffer; privateKey: string };
  let strangerCert: { certificateData: Buffer; privateKey: string };

  before(async () => {
    aliceCert = await selfSignedCertificate('alice');
    strangerCert = await selfSignedCertificate('stranger');
    const thumbprint = sha1Thumbprint(aliceCert.certificateData);
    const withCert = (p: Profile): Profile => {
      const actors = new Map(p.actors);
      const alice = actors.get('alice')!;
      actors.set('alice', { ...alice, opcua: { ...alice.opcua, certificateThumbprint: thumbprint } });
      return { ...p, actors };
    };
    cell = await startCell({ opcua: true, editProfile: withCert });
  });
  after(async () => {
    await cell?.close();
  });

  it('when a client asks for endpoints it gets None and the three RSA-SHA256 policies with Sign and SignAndEncrypt, never Basic128Rsa15, all on 127.0.0.1', async () => {
    const client = OPCUAClient.create({ applicationName: TEST_APPLICATION, endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: testCertificateManager() });
    await client.connect(cell.opcuaEndpoint);
    try {
      const endpoints = await client.getEndpoints();
      const pairs = endpoints.map((e) => `${e.securityPolicyUri?.split('#')[1]}/${MessageSecurityMode[e.securityMode]}`);
      expect(pairs).to.have.members([
        'None/None',
        ...['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'].flatMap((p) => [`${p}/Sign`, `${p}/SignAndEncrypt`]),
      ]);
      for (const e of endpoints) expect(e.endpointUrl).to.match(/^opc\.tcp:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await client.disconnect();
    }
  });

  it('when it listens it binds 127.0.0.1 only', async () => {
    const port = Number(new URL(cell.opcuaEndpoint).port);
    const other = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
    for (const host of ['::1', ...(other ? [other] : [])]) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = tcpConnect({ host, port }, () => (s.destroy(), resolve(true)));
        s.on('error', () => resolve(false));
      });
      expect(reached, `reached the front on ${host}`).to.equal(false);
    }
  });

  for (const policy of [SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss, SecurityPolicy.Basic256Sha256]) {
    for (const mode of [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt]) {
      it(`when alice connects over ${policy.split('#')[1]} ${MessageSecurityMode[mode]} she reads the mirror and her writes are gated`, async () => {
        const alice = await connect(cell.opcuaEndpoint, { user: 'alice', policy, mode });
        try {
          expect(alice.channel).to.deep.equal({ policy, mode });
          expect((await alice.read('reactor.temp_sp')).statusCode.name).to.equal('Good');
          expect((await alice.write('reactor.temp_sp', DataType.Double, 500)).name).to.equal('BadOutOfRange');
        } finally {
          await alice.close();
        }
      });
    }
  }

  it('when the password is wrong or the user unknown the session is refused', async () => {
    for (const [user, password] of [['alice', 'nope'], ['mallory', 'mallory-demo']] as const) {
      let error: unknown;
      await connect(cell.opcuaEndpoint, { user, password, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt }).then((c) => c.close(), (err: unknown) => (error = err));
      expect(String(error), `${user}/${password}`).to.match(/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/);
    }
  });

  it('when alice logs in with her X.509 user certificate her write is gated as alice', async () => {
    const alice = await connect(cell.opcuaEndpoint, { x509: aliceCert, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt });
    try {
      const seq = head(cell);
      expect((await alice.write('reactor.agitator_rpm', DataType.Int32, 150)).name).to.equal('Good');
      expect(cell.opcuaPlc!.value('reactor.agitator_rpm')).to.equal(150);
      expect(bodyOf((await since(cell, seq)).find((r) => r.kind === 'intent')!)).to.include({ actor: 'alice', target: 'reactor.agitator_rpm' });
    } finally {
      await alice.close();
    }
  });

  it('when a user certificate belongs to no actor the session is refused', async () => {
    let error: unknown;
    await connect(cell.opcuaEndpoint, { x509: strangerCert, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt }).then((c) => c.close(), (err: unknown) => (error = err));
    expect(String(error)).to.match(/BadIdentityTokenRejected|BadUserAccessDenied|BadCertificateUntrusted/);
  });
});
