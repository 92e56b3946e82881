/**
 * Issue 11, defect 14, through the real CLI: governance and the gateway check
 * their private key against their own trust-store entry at start and refuse
 * to start on a mismatch, naming both files (before, governance with the
 * wrong key started, reported ready, and every TAO it signed was refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { initKeys } from '../../src/cli/keys-init.js';
import { keyPaths } from '../../src/cli/paths.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { generateRawKeyPair } from '../../src/crypto/ed25519.js';
import { privateJwk, writePrivateKeyFile } from '../../src/crypto/keyfile.js';
import { loadProfile } from '../../src/policy/index.js';
import { runCli } from '../helpers/cli.js';

describe('a part refuses to start with a key its trust store does not list (issue 11, defect 14; real CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-ownkey-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const part of ['governance', 'gateway'] as const) {
    it(`when ${part}'s key file holds another key, ${part} exits non-zero naming the key file and the trust store`, async () => {
      const keys = join(dir, part, 'keys');
      initKeys(keys, loadProfile(DEMO_PROFILE));
      const kp = keyPaths(keys);
      const file = part === 'governance' ? kp.governance : kp.gateway;
      // A valid key pair, just not the one the trust store names.
      writePrivateKeyFile(file, privateJwk(part === 'governance' ? 'governance' : 'gw-cell-1', part, generateRawKeyPair()));
      // Port 1: nothing listens; the key check comes first.
      const res = await runCli([part, '--broker', 'mqtt://127.0.0.1:1', '--keys', keys, '--ledger', join(dir, part, 'ledger'), '--log-level', 'error'].filter((a, i, all) => part === 'gateway' || (a !== '--ledger' && all[i - 1] !== '--ledger')), { timeoutMs: 60_000 });
      expect(res.code, res.stderr).to.not.equal(0);
      expect(res.stdout).to.not.include('READY');
      expect(res.stderr).to.include(file).and.to.include(kp.trust).and.to.match(/refusing to start/);
    });
  }
});
