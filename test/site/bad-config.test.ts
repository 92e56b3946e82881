/**
 * Issue 12, "done when": bad configuration gets a clear error naming the
 * file, from the real CLI. A bad TLS file stops the part before any front
 * listens (so no write can be forwarded); a broker whose ACL refuses the
 * gateway leaves it up but not ready (writes refused), saying why.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPaths } from '../../src/cli/paths.js';
import { generateCredentials, startBroker, type Broker } from '../../src/mqtt/index.js';
import { spawn } from 'node:child_process';
import { runCli, runProcess, CLI, REPO } from '../helpers/cli.js';

describe('site: bad configuration fails at once, naming the file', function () {
  let dir: string;
  let keys: string;
  let broker: Broker | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-badcfg-'));
    keys = join(dir, 'keys');
    expect((await runCli(['keys', 'init', '--dir', keys])).code).to.equal(0);
  });
  after(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when --mqtt-ca cannot be read the gateway exits 1 naming the option, the file and why', async () => {
    const ca = join(dir, 'nope', 'ca.crt');
    const r = await runCli(['gateway', '--broker', 'mqtts://127.0.0.1:1', '--keys', keys, '--ledger', join(dir, 'l1'), '--modbus-port', '0', '--mqtt-ca', ca]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`--mqtt-ca: ${ca}: cannot read the CA certificate (ENOENT)`);
    expect(r.stdout).to.not.include('READY');
  });

  it('when TAOGATE_MQTT_CERT is not a certificate governance exits 1 naming it', async () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'hello\n');
    const key = join(dir, 'bad.key');
    writeFileSync(key, 'hello\n');
    const r = await runProcess(process.execPath, [CLI, 'governance', '--broker', 'mqtts://127.0.0.1:1', '--keys', keys, '--mqtt-key', key], { env: { TAOGATE_MQTT_CERT: bad } });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/--mqtt-cert: .*bad\.pem: not a PEM certificate/);
  });

  it('when --mqtt-ca is not a certificate (here the trust store) the upstream exits 1 naming it', async () => {
    const r = await runCli(['upstream', '--broker', 'mqtt://127.0.0.1:1', '--keys', keys, '--mqtt-ca', join(keys, 'trust.json')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('not a PEM CA certificate');
  });

  it('when the broker`s ACL refuses the gateway it logs an error naming the user and the ACL, and is not ready', async () => {
    // the gateway's broker user is registered for another gateway id: the ACL refuses its stage subscription
    const { file, passwords } = generateCredentials([{ username: 'gw-cell-1', role: 'gateway', gatewayId: 'gw-other' }]);
    const users = join(dir, 'acl-users.json');
    writeFileSync(users, JSON.stringify(file));
    broker = await startBroker({ port: 0, users: file });
    const secretDir = join(dir, 'acl-keys');
    mkdirSync(secretDir, { recursive: true });
    const url = broker.url.replace('mqtt://', `mqtt://gw-cell-1:${encodeURIComponent(passwords['gw-cell-1']!)}@`);
    const proc = spawn(process.execPath, [CLI, 'gateway', '--broker', url, '--keys', keyPaths(keys).dir, '--ledger', join(dir, 'l2'), '--modbus-port', '0', '--http', '0'], { cwd: REPO, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let err = '';
    let out = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      const end = Date.now() + 90_000;
      // either the SUBACK refusal fails the start, or the broker keeps dropping the connection (a refused publish)
      while (!/ACL probably refuses this user's topics|broker refused subscription/.test(err) && proc.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(err).to.match(/user 'gw-cell-1' right after accepting it: its ACL probably refuses|broker refused subscription to taogate\/v1\//);
      const ready = out.split('\n').find((l) => l.startsWith('READY '));
      if (ready && proc.exitCode === null) {
        const http = (JSON.parse(ready.slice(6)) as { http: string }).http;
        const r = await fetch(`${http}/readyz`);
        expect(r.status).to.equal(503);
      }
    } finally {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    }
  });
});
