/**
 * Issue 12, section 2: TLS on the control plane, for real. The bundled broker
 * with mutual TLS, a real Mosquitto with TLS and client certificates (CN =
 * username), and bad configuration failing at once, naming the file.
 * Certificates are made by `keys init --tls` code (openssl).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initKeys, mqttUsersFor } from '../../src/cli/keys-init.js';
import { keyPaths } from '../../src/cli/paths.js';
import { initTls, tlsPaths } from '../../src/cli/tls-init.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { connectMqtt, loadTls, readUsersFile, startBroker, subscribeStrict, TlsConfigError, type MqttClient } from '../../src/mqtt/index.js';
import { loadProfile } from '../../src/policy/index.js';
import { MOSQUITTO, startMosquitto } from '../site/mosquitto.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('control-plane TLS', function () {
  let dir: string;
  let keys: string;
  let other: string;
  const secret = (u: string) => execFileSync('cat', [keyPaths(keys).mqttSecret(u)]).toString().trim();
  const files = (u: string, ca?: string) => ({ ca: ca ?? tlsPaths(keys).ca, cert: tlsPaths(keys).cert(u), key: tlsPaths(keys).key(u) });

  before(function () {
    if (!hasOpenssl) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'taogate-tls-'));
    keys = join(dir, 'keys');
    const profile = loadProfile(DEMO_PROFILE);
    initKeys(keys, profile);
    initTls(keys, mqttUsersFor(profile.gateway.id).map((u) => u.username));
    // a second, unrelated CA: "the wrong CA"
    other = join(dir, 'other');
    initTls(other, ['operator']);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('when a TLS file is unreadable, not PEM, or the key is not the certificate`s, loading fails naming the file and why', () => {
    const bad = join(dir, 'garbage.pem');
    writeFileSync(bad, 'not a certificate\n');
    const cases: [Parameters<typeof loadTls>[0], string, RegExp][] = [
      [{ ca: join(dir, 'missing.crt') }, join(dir, 'missing.crt'), /cannot read the CA certificate \(ENOENT\)/],
      [{ ca: bad }, bad, /not a PEM CA certificate/],
      [{ cert: tlsPaths(keys).cert('operator'), key: tlsPaths(keys).key('governance') }, tlsPaths(keys).key('governance'), /does not belong to the certificate/],
      [{ ca: tlsPaths(other).ca, cert: tlsPaths(keys).cert('operator'), key: tlsPaths(keys).key('operator') }, tlsPaths(keys).cert('operator'), /not issued by the CA/],
      [{ cert: tlsPaths(keys).cert('operator') }, tlsPaths(keys).cert('operator'), /needs its private key/],
    ];
    for (const [input, file, why] of cases) {
      let err: unknown;
      try {
        loadTls(input);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(input)).to.be.instanceOf(TlsConfigError);
      expect((err as TlsConfigError).file).to.equal(file);
      expect((err as Error).message).to.match(why).and.include(file);
    }
  });

  describe('the bundled broker with --tls-cert/--tls-key/--tls-ca (mutual TLS)', () => {
    let broker: Awaited<ReturnType<typeof startBroker>>;
    const opened: MqttClient[] = [];
    before(async () => {
      broker = await startBroker({ port: 0, users: readUsersFile(keyPaths(keys).mqttUsers), tls: loadTls({ cert: tlsPaths(keys).cert('broker'), key: tlsPaths(keys).key('broker'), ca: tlsPaths(keys).ca }) });
    });
    after(async () => {
      for (const c of opened) await c.endAsync();
      await broker?.close();
    });

    it('when a part presents its certificate from the site CA it connects over mqtts:// and messages flow', async () => {
      expect(broker.url).to.match(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const gov = await connectMqtt(broker.url, { username: 'governance', password: secret('governance'), tls: loadTls(files('governance')) });
      const op = await connectMqtt(broker.url, { username: 'operator', password: secret('operator'), tls: loadTls(files('operator')) });
      opened.push(gov, op);
      await subscribeStrict(gov, 'taogate/v1/gov/request', 1);
      const got = new Promise<string>((resolve) => gov.once('message', (_t, p) => resolve(p.toString())));
      await op.publishAsync('taogate/v1/gov/request', 'hello over TLS', { qos: 1 });
      expect(await got).to.equal('hello over TLS');
    });

    it('when a certificate logs in as another user (even with that user`s password) it is refused: the CN is the user', async () => {
      const err = await connectMqtt(broker.url, { username: 'governance', password: secret('governance'), tls: loadTls(files('operator')), initialTimeoutMs: 60_000 }).catch((e: Error) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(/refused user 'governance'.*not authorized/);
    });

    it('when a client has no client certificate it fails at once with a TLS reason, not after the connect timeout', async () => {
      const err = await connectMqtt(broker.url, { username: 'operator', password: secret('operator'), tls: loadTls({ ca: tlsPaths(keys).ca }), initialTimeoutMs: 60_000 }).catch((e: Error) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(/refused the TLS handshake|client certificate/);
    });

    it('when the client trusts the wrong CA it fails at once naming the CA file', async () => {
      const err = await connectMqtt(broker.url, { username: 'operator', password: secret('operator'), tls: loadTls({ ca: tlsPaths(other).ca, cert: tlsPaths(other).cert('operator'), key: tlsPaths(other).key('operator') }), initialTimeoutMs: 60_000 }).catch((e: Error) => e);
      expect((err as Error).message).to.include(tlsPaths(other).ca).and.match(/certificate was refused/);
    });
  });

  describe('a real Mosquitto with --tls (client certificates, CN = username)', () => {
    let mosq: Awaited<ReturnType<typeof startMosquitto>> | undefined;
    const opened: MqttClient[] = [];
    before(async function () {
      if (!MOSQUITTO) this.skip();
      mosq = await startMosquitto({ keysDir: keys, tls: true });
    });
    after(async () => {
      for (const c of opened) await c.endAsync();
      await mosq?.close();
    });

    it('when governance and an operator connect with their certificates, requests flow; a certificate is its user whatever username is sent', async () => {
      const gov = await connectMqtt(mosq!.url, { username: 'governance', password: secret('governance'), tls: loadTls(files('governance')) });
      const op = await connectMqtt(mosq!.url, { username: 'operator', password: secret('operator'), tls: loadTls(files('operator')) });
      opened.push(gov, op);
      await subscribeStrict(gov, 'taogate/v1/gov/request', 1);
      const got: string[] = [];
      gov.on('message', (_t, p) => got.push(p.toString()));
      await op.publishAsync('taogate/v1/gov/request', 'hello over TLS', { qos: 1 });
      // the operator's certificate, claiming to be governance: Mosquitto takes the CN (operator),
      // so it may not publish decisions and reads nothing of governance's
      const posing = await connectMqtt(mosq!.url, { username: 'governance', password: 'whatever', tls: loadTls(files('operator')) });
      opened.push(posing);
      const stolen: string[] = [];
      posing.on('message', (t) => stolen.push(t));
      posing.subscribe('taogate/v1/gov/request', { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      await op.publishAsync('taogate/v1/gov/request', 'second', { qos: 1 });
      const end = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(got).to.deep.equal(['hello over TLS', 'second']);
      expect(stolen).to.deep.equal([]);
      expect(gov.connected).to.equal(true);
    });

    it('when the client trusts the wrong CA it fails at once naming the CA file', async () => {
      const err = await connectMqtt(mosq!.url, { username: 'operator', password: secret('operator'), tls: loadTls({ ca: tlsPaths(other).ca, cert: tlsPaths(other).cert('operator'), key: tlsPaths(other).key('operator') }), initialTimeoutMs: 60_000 }).catch((e: Error) => e);
      expect((err as Error).message).to.include(tlsPaths(other).ca);
    });
  });
});
