/**
 * A client application the gateway's OPC UA front does not trust (the front
 * started without --opcua-trust-clients): its secure channel is refused and
 * its certificate lands in the front's server/rejected; after `taogate pki
 * trust` (the real CLI, another process) its next connection is accepted,
 * while the gateway keeps running.
 *
 * node-opcua's certificate manager learns of files another process moved
 * from a file watcher. Here the watcher is made blind (polling every 10
 * minutes), as in plc-trust.test.ts: the front must see the trust anyway,
 * because it reads its folders again before it refuses a certificate as
 * untrusted (src/devices/opcua/trust-folders.ts).
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType } from 'node-opcua';
import { readCertificateDer } from '../../src/devices/opcua/pki-folder.js';
import { rereadingCertificateManager } from '../../src/devices/opcua/trust-folders.js';
import { runCli } from '../helpers/cli.js';
import { gatewayOpcuaPkiDir, startCell, type Cell } from '../helpers/cell.js';

const APPLICATION = 'taogate-front-trust-test';

describe('OPC UA front: a client application trusted while the gateway runs', function () {
  this.timeout(180_000);
  let cell: Cell;
  let clientPki: string;
  const watcherEnv = { OPCUA_PKI_USE_POLLING: process.env.OPCUA_PKI_USE_POLLING, OPCUA_PKI_POLLING_INTERVAL: process.env.OPCUA_PKI_POLLING_INTERVAL };

  before(async () => {
    process.env.OPCUA_PKI_USE_POLLING = 'true';
    process.env.OPCUA_PKI_POLLING_INTERVAL = '600000';
    clientPki = mkdtempSync(join(tmpdir(), 'taogate-front-trust-'));
    cell = await startCell({ opcua: true, opcuaTrustClients: false });
  });
  after(async () => {
    await cell?.close();
    rmSync(clientPki, { recursive: true, force: true });
    for (const [k, v] of Object.entries(watcherEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** Connects over Basic256Sha256 SignAndEncrypt as alice and reads the mirror of reactor.temp_sp. */
  async function readAsAlice(): Promise<unknown> {
    const client = OPCUAClient.create({
      applicationName: APPLICATION,
      endpointMustExist: false,
      securityMode: MessageSecurityMode.SignAndEncrypt,
      securityPolicy: SecurityPolicy.Basic256Sha256,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(clientPki, 'client'), automaticallyAcceptUnknownCertificate: true }),
    });
    try {
      await client.connect(cell.opcuaEndpoint);
      const session = await client.createSession({ type: UserTokenType.UserName, userName: 'alice', password: 'alice-demo' });
      const dv = await session.read({ nodeId: 'ns=1;s=reactor.temp_sp', attributeId: AttributeIds.Value });
      await session.close();
      return dv.value.value;
    } finally {
      await client.disconnect();
    }
  }

  const serverFolder = () => join(gatewayOpcuaPkiDir(), 'server');

  it('when the client is not trusted it is refused; after `taogate pki trust` its next connection reads the mirror', async () => {
    const refused = await readAsAlice().then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refused, 'an untrusted client application must not get a session').to.be.instanceOf(Error);
    expect(readdirSync(join(serverFolder(), 'rejected')), 'its certificate is filed under server/rejected').to.have.length(1);

    const listed = await runCli(['pki', 'list', '--pki', gatewayOpcuaPkiDir(), '--json'], { timeoutMs: 60_000 });
    expect(listed.code, listed.stderr).to.equal(0);
    const rejected = (JSON.parse(listed.stdout) as { store: string; state: string; thumbprint: string }[]).filter((c) => c.state === 'rejected');
    expect(rejected, listed.stdout).to.have.length(1);
    const trusted = await runCli(['pki', 'trust', rejected[0]!.thumbprint, '--pki', gatewayOpcuaPkiDir()], { timeoutMs: 60_000 });
    expect(trusted.code, trusted.stderr).to.equal(0);

    // The first attempt after the trust step: no waiting for a watcher event that will not come.
    expect(await readAsAlice()).to.be.a('number');
  });

  it('when an untrusted certificate is presented again and again, the folders are read again at most once a second', async () => {
    const folder = join(clientPki, 'reread');
    const stranger = new OPCUACertificateManager({ rootFolder: join(clientPki, 'stranger') });
    await stranger.initialize();
    await stranger.createSelfSignedCertificate({ subject: '/CN=stranger', applicationUri: 'urn:taogate-test:stranger', dns: [], startDate: new Date(Date.now() - 60_000), validity: 30 });
    const der = readCertificateDer(join(clientPki, 'stranger', 'own', 'certs', 'self_signed_certificate.pem'));
    await stranger.dispose();

    const manager = rereadingCertificateManager({ rootFolder: folder, automaticallyAcceptUnknownCertificate: false }, { minRereadMs: 1000 });
    await manager.initialize();
    try {
      for (let i = 0; i < 20; i++) expect(await manager.verifyCertificate(der)).to.equal('BadCertificateUntrusted');
      expect(manager.rereads, '20 refusals within a second').to.equal(1);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await manager.verifyCertificate(der)).to.equal('BadCertificateUntrusted');
      expect(manager.rereads).to.equal(2);
    } finally {
      await manager.dispose();
    }
  });
});
