/**
 * Issue 14, key lifecycle: a running part takes a new trust store without a
 * restart (SIGHUP, or the file changing), in place, so every holder of the
 * store sees it; a broken file is refused and the keys in use stay.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchTrustStore, type TrustReloader } from '../../src/cli/trust-reload.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { signers, trustStore } from '../vectors/fixtures.js';

describe('trust store reload without a restart', () => {
  let dir: string;
  let reloader: TrustReloader | undefined;
  const lines: string[] = [];
  const log = { info: (_o: object, m?: string) => void lines.push(`info ${m}`), error: (o: object, m?: string) => void lines.push(`error ${m} ${JSON.stringify(o)}`) };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'taogate-reload-'))));
  afterEach(() => {
    reloader?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function until(what: string, probe: () => boolean): Promise<void> {
    const end = Date.now() + 20_000;
    while (!probe()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('when SIGHUP arrives after a key was revoked the same store instance answers with the new file, and a broken file keeps the old keys', async () => {
    const file = join(dir, 'trust.json');
    trustStore().save(file);
    const trust = TrustStore.load(file);
    reloader = watchTrustStore(file, trust, log, { pollMs: 60_000 });
    const gov = signers.governance.keyId;
    expect(trust.get(gov)?.revokedAt).to.equal(undefined);

    const next = TrustStore.load(file);
    next.setValidity(gov, { revokedAt: 1767225600 });
    next.save(file);
    process.kill(process.pid, 'SIGHUP');
    await until('the reload', () => trust.get(gov)?.revokedAt === 1767225600);

    writeFileSync(file, '{"version":1,"keys":[{"kty":"OKP"}]}');
    expect(reloader.reload('test')).to.equal(false);
    expect(trust.get(gov)?.revokedAt).to.equal(1767225600);
    expect(lines.at(-1)).to.match(/^error trust store NOT reloaded/);
  });

  it('when the file changes on disk it is reloaded by the poll', async () => {
    const file = join(dir, 'trust.json');
    const small = new TrustStore();
    const gov = signers.governance;
    small.add({ kid: gov.keyId, name: 'governance', role: 'governance', publicKey: gov.publicKey });
    small.save(file);
    const trust = TrustStore.load(file);
    reloader = watchTrustStore(file, trust, log, { pollMs: 100 });
    await new Promise((r) => setTimeout(r, 1100)); // mtime resolution: the rewrite must be a later second on coarse file systems
    trustStore().save(file);
    await until('the poll reload', () => trust.get(signers.bob.keyId) !== undefined);
  });
});
