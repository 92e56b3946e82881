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
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { addTrustedCertificate } from '../../src/devices/opcua/pki-folder.js';
import { rereadingCertificateManager } from '../../src/devices/opcua/trust-folders.js';
import { runCli } from '../helpers/cli.js';
import { gatewayOpcuaPkiDir, startCell, type Cell } from '../helpers/cell.js';
import { blindPkiWatcher, connect, selfSignedCertificate } from './client.js';

describe('OPC UA front: a client application trusted while the gateway runs', function () {
  this.timeout(180_000);
  let cell: Cell;
  let clientPki: string;
  let restoreWatcher: () => void;

  before(async () => {
    restoreWatcher = blindPkiWatcher();
    clientPki = mkdtempSync(join(tmpdir(), 'taogate-front-trust-'));
    cell = await startCell({ opcua: true, opcuaTrustClients: false });
  });
  after(async () => {
    await cell?.close();
    rmSync(clientPki, { recursive: true, force: true });
    restoreWatcher?.();
  });

  /** Connects over Basic256Sha256 SignAndEncrypt as alice, with a client application certificate of its own, and reads the mirror of reactor.temp_sp. */
  async function readAsAlice(): Promise<unknown> {
    const ua = await connect(cell.opcuaEndpoint, {
      application: { name: 'taogate-front-trust-test', pkiDir: join(clientPki, 'client') },
      policy: SecurityPolicy.Basic256Sha256,
      mode: MessageSecurityMode.SignAndEncrypt,
      user: 'alice',
    });
    try {
      return (await ua.read('reactor.temp_sp')).value.value;
    } finally {
      await ua.close();
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

  it('when an untrusted certificate is presented again and again, the folders are read again only after they changed', async () => {
    const folder = join(clientPki, 'reread');
    const der = (await selfSignedCertificate('stranger', clientPki)).certificateData;

    const manager = rereadingCertificateManager({ rootFolder: folder, automaticallyAcceptUnknownCertificate: false });
    await manager.initialize();
    try {
      for (let i = 0; i < 20; i++) expect(await manager.verifyCertificate(der)).to.equal('BadCertificateUntrusted');
      expect(manager.rereads, '20 refusals, folders unchanged after the first').to.equal(1);
      // Trusted at once by another hand (as `pki trust` does): the very next check sees it.
      addTrustedCertificate(folder, join(clientPki, 'user-stranger', 'own', 'certs', 'stranger.pem'));
      expect(await manager.verifyCertificate(der)).to.equal('Good');
      expect(manager.rereads).to.equal(2);
    } finally {
      await manager.dispose();
    }
  });
});
