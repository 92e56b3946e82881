/**
 * Issue 5 acceptance, offline bundle: a real write through the Modbus front,
 * replicated and cosigned; `taogate ledger bundle` writes its proof and
 * `taogate verify-bundle` accepts it with only the trust store; changing ANY
 * byte of the file makes verification fail with a named reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { keyPaths } from '../../src/cli/paths.js';
import { BUNDLE_FAILURES, verifyBundle } from '../../src/ledger/merkle-bundle-verify.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { runCli } from '../helpers/cli.js';
import { closeClient, modbusClient } from '../simulators/modbus-helpers.js';
import { startUpstreamIn, waitFor } from './helpers.js';

describe('replication: offline proof bundle', function () {
  this.timeout(120_000);
  let cell: Cell;
  let up: UpstreamNode | undefined;
  after(async () => {
    await up?.close();
    await cell?.close();
  });

  it('when a committed write is bundled it verifies offline, and every changed byte is refused with a named reason', async () => {
    cell = await startCell({ modbus: true, replication: { checkpoint: { every: 256, intervalMs: 200 } } });
    up = await startUpstreamIn(cell);
    const hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    await hmi.writeRegisters(100, [0x4228, 0x0000]); // 42.0
    await closeClient(hmi);
    let intentSeq = -1;
    for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'intent') intentSeq = r.seq;
    expect(intentSeq).to.be.greaterThan(0);
    await waitFor(async () => {
      for await (const [, v] of cell.gateway.ledger.sideEntries('cosig/')) if ((JSON.parse(v) as { size: number }).size > intentSeq + 1) return true;
      return false;
    }, 10_000, 'a cosigned checkpoint covering the write');
    await cell.gateway.close(); // the bundle reads a ledger that is not held open
    const out = join(cell.dir, 'write.bundle.json');
    const trustFile = keyPaths(cell.keysDir).trust;
    const made = await runCli(['ledger', 'bundle', '--data', cell.dir, '--seq', String(intentSeq), '--out', out]);
    expect(made.code, made.stderr).to.equal(0);
    const ok = await runCli(['verify-bundle', out, '--trust', trustFile, '--json']);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ ok: true, seq: intentSeq, outcome: 'committed' });

    const bytes = readFileSync(out);
    const trust = TrustStore.load(trustFile);
    const seen = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i] = changed[i]! ^ 0x01;
      const v = verifyBundle(changed, trust);
      expect(v.ok, `byte ${i} changed ('${String.fromCharCode(bytes[i]!)}'): still valid`).to.equal(false);
      if (!v.ok) {
        expect(BUNDLE_FAILURES).to.include(v.code);
        expect(v.reason.length).to.be.greaterThan(10);
        seen.add(v.code);
      }
    }
    console.log(`      bundle: ${bytes.length} bytes; ${bytes.length} one-byte changes all refused; reasons seen: ${[...seen].sort().join(', ')}`);
    // and through the CLI, with the reason on stderr
    const bad = Buffer.from(bytes);
    const at = bytes.indexOf('"path":["') + 12;
    bad[at] = bad[at] === 0x30 ? 0x31 : 0x30;
    const badFile = join(cell.dir, 'bad.bundle.json');
    (await import('node:fs')).writeFileSync(badFile, bad);
    const res = await runCli(['verify-bundle', badFile, '--trust', trustFile]);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/INVALID \(proof_invalid\): inclusion proof of receipt/);
  });
});
