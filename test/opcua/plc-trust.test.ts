/**
 * A PLC whose server certificate the gateway does not trust: the session
 * fails closed (nothing is read or written), the log line names the file
 * under rejected/ and the `taogate pki trust` command; after that command
 * (the real CLI) the session comes up on its own (reconnect with backoff).
 *
 * node-opcua's certificate manager learns of files that another process
 * moved (the CLI) from file-system events. Here its watcher is made blind
 * (polling every 10 minutes): the session must see the trust anyway, because
 * its certificate manager reads the folders again before it refuses a
 * certificate as untrusted (src/devices/opcua/trust-folders.ts). Once,
 * in a loaded full-suite run, the event never came and the session stayed down.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, Variant } from 'node-opcua';
import { startOpcuaSim, type OpcuaSim } from '../../simulators/opcua/index.js';
import { ensureClientCertificate, OpcuaPlcSession, PlcUnavailable } from '../../src/devices/opcua/index.js';
import { addTrustedCertificate, readCertificateDer, thumbprintOf } from '../../src/devices/opcua/pki-folder.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { loadProfile } from '../../src/policy/index.js';
import type { OpcuaDevice } from '../../src/policy/types.js';
import { runCli } from '../helpers/cli.js';
import { blindPkiWatcher } from './client.js';
import { eventually } from './ledger.js';

describe('OPC UA: a PLC certificate the gateway does not trust', function () {
  this.timeout(180_000);
  let dir: string;
  let sim: OpcuaSim;
  let session: OpcuaPlcSession;
  const lines: { level: string; obj: object; msg: string }[] = [];
  const log = {
    info: (obj: object, msg = '') => lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg = '') => lines.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg = '') => lines.push({ level: 'error', obj, msg }),
  };

  let restoreWatcher: () => void;

  before(async () => {
    restoreWatcher = blindPkiWatcher();
    dir = mkdtempSync(join(tmpdir(), 'taogate-plc-trust-'));
    const gatewayPki = join(dir, 'plc-client');
    const clientCert = await ensureClientCertificate(gatewayPki);
    // The PLC trusts the gateway; the gateway has not (yet) trusted the PLC.
    sim = await startOpcuaSim({ port: 0, pkiDir: join(dir, 'plc'), security: { users: { gateway: 'plc-pass' }, trustedClientCertificates: [clientCert] } });
    writeFileSync(join(dir, 'reactor.secret'), 'plc-pass\n', { mode: 0o600 });
    const profile = loadProfile(DEMO_PROFILE);
    const device: OpcuaDevice = { ...(profile.devices.get('reactor') as OpcuaDevice), endpoint: sim.endpoint, identity: { kind: 'user', user: 'gateway', passwordFile: 'reactor.secret' } };
    session = new OpcuaPlcSession({
      device,
      tags: [profile.tags.get('reactor.temp_sp')!],
      pkiDir: gatewayPki,
      keysDir: dir,
      log,
      onValue: () => {},
      onLost: () => {},
      retry: { initialMs: 100, maxMs: 500 },
    });
  });
  after(async () => {
    await session?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
    restoreWatcher?.();
  });

  it('when the PLC certificate is unknown it refuses the PLC, names the rejected file and the trust command, and forwards nothing', async () => {
    await session.start(200);
    const health = await eventually(() => (session.health().detail.includes('not trusted') ? session.health() : undefined), 60_000, 'the untrusted-certificate verdict');
    expect(health.up).to.equal(false);
    const line = lines.find((l) => l.level === 'error' && l.msg.includes('does not trust'))!;
    expect(line, 'an error line about the PLC certificate').to.not.equal(undefined);
    const pki = join(dir, 'plc-client');
    const m = /move (\S+) to (\S+)\/ or run: taogate pki trust ([0-9a-f]{40}) --pki (\S+)$/.exec(line.msg);
    expect(m, line.msg).to.not.equal(null);
    const [, file, trustedDir, , pkiArg] = m!;
    expect(file!.startsWith(join(pki, 'rejected'))).to.equal(true);
    expect(existsSync(file!)).to.equal(true);
    expect(trustedDir).to.equal(join(pki, 'trusted', 'certs'));
    expect(pkiArg).to.equal(pki);

    let refused: unknown;
    await session.write([{ nodeId: 'ns=1;s=reactor.temp_sp', value: new Variant({ dataType: DataType.Double, value: 99 }) }]).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(PlcUnavailable);
    expect((refused as PlcUnavailable).sent).to.equal(false);
    expect(sim.writes()).to.have.length(0);
    expect(sim.value('reactor.temp_sp')).to.equal(80);
  });

  it('when an operator runs taogate pki trust with the thumbprint the session comes up and reads the PLC', async () => {
    const pki = join(dir, 'plc-client');
    const listed = await runCli(['pki', 'list', '--pki', pki, '--json'], { timeoutMs: 60_000 });
    expect(listed.code, listed.stderr).to.equal(0);
    const rows = JSON.parse(listed.stdout) as { state: string; thumbprint: string }[];
    const rejected = rows.filter((r) => r.state === 'rejected');
    expect(rejected).to.have.length(1);

    const trusted = await runCli(['pki', 'trust', rejected[0]!.thumbprint.slice(0, 12), '--pki', pki], { timeoutMs: 60_000 });
    expect(trusted.code, trusted.stderr).to.equal(0);
    expect(trusted.stdout).to.include(`SHA-1 ${rejected[0]!.thumbprint}`);

    await eventually(() => session.isUp() || undefined, 60_000, 'the PLC session to come up');
    const dv = await session.read('ns=1;s=reactor.temp_sp');
    expect(dv.value.value).to.equal(80);

    const again = await runCli(['pki', 'trust', rejected[0]!.thumbprint, '--pki', pki], { timeoutMs: 60_000 });
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/no certificate/);
    const undo = await runCli(['pki', 'reject', rejected[0]!.thumbprint, '--pki', pki, '--json'], { timeoutMs: 60_000 });
    expect(undo.code, undo.stderr).to.equal(0);
    expect((JSON.parse(undo.stdout) as { state: string }).state).to.equal('rejected');

    // the file an operator hands to the PLC: the very certificate the session presented
    const own = await runCli(['pki', 'client-cert', '--pki', dir, '--json'], { timeoutMs: 60_000 });
    expect(own.code, own.stderr).to.equal(0);
    const ownCert = JSON.parse(own.stdout) as { file: string; thumbprint: string; applicationUri: string };
    expect(ownCert.file).to.equal(join(pki, 'own', 'certs', 'client_certificate.pem'));
    expect(ownCert.thumbprint).to.equal(thumbprintOf(readCertificateDer(ownCert.file)));
    expect(ownCert.applicationUri).to.match(/taogate-gateway$/);
  });

  it('when the PLC does not trust the gateway the link stays down and the line names the client certificate to give the PLC', async () => {
    const pki = join(dir, 'plc-client');
    const other = await startOpcuaSim({ port: 0, pkiDir: join(dir, 'plc-2'), security: { users: { gateway: 'plc-pass' } } });
    addTrustedCertificate(pki, other.certificateFile); // the gateway trusts this PLC; the PLC does not know the gateway
    const profile = loadProfile(DEMO_PROFILE);
    const device: OpcuaDevice = { ...(profile.devices.get('reactor') as OpcuaDevice), endpoint: other.endpoint, identity: { kind: 'user', user: 'gateway', passwordFile: 'reactor.secret' } };
    const seen: string[] = [];
    const s2 = new OpcuaPlcSession({ device, tags: [], pkiDir: pki, keysDir: dir, log: { ...log, error: (_o: object, msg = '') => seen.push(msg) }, onValue: () => {}, onLost: () => {}, retry: { initialMs: 100, maxMs: 500 } });
    try {
      await s2.start(200);
      await eventually(() => (s2.health().detail.includes('refused the gateway certificate') ? true : undefined), 60_000, 'the PLC-side refusal');
      expect(s2.isUp()).to.equal(false);
      expect(seen.some((m) => m.includes(join(pki, 'own', 'certs', 'client_certificate.pem')) && m.includes("PLC's trust list")), seen.join('\n')).to.equal(true);
      expect(other.writes()).to.have.length(0);
    } finally {
      await s2.close();
      await other.close();
    }
  });
});
