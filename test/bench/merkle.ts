/**
 * Merkle tree, checkpoint and bundle costs (issue 5; numbers in docs/ledger.md).
 * Run: node --import tsx test/bench/merkle.ts  (prints JSON)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRawKeyPair, Signer } from '../../src/crypto/ed25519.js';
import { Ledger } from '../../src/ledger/index.js';
import { Checkpointer } from '../../src/replication/checkpointer.js';
import { quietLog } from '../../src/replication/log.js';
import { MemoryTree, hashLeaf, receiptLeafHash } from '../../src/ledger/merkle.js';
import { inclusionProof, consistencyProof } from '../../src/ledger/merkle-proof.js';
import { verifyInclusion } from '../../src/ledger/merkle-verify.js';
import { openLevel } from '../../src/ledger/level.js';
import { receiptRange } from '../../src/ledger/keys.js';
import { randomBytes } from 'node:crypto';

const out: Record<string, unknown> = {};
// proof sizes
for (const n of [1000, 100_000, 1_000_000]) {
  const depth = Math.ceil(Math.log2(n));
  out[`inclusionProofHashes@${n}`] = `<= ${depth} (${depth * 32} bytes)`;
}
const leaves = Array.from({ length: 100_000 }, () => hashLeaf(randomBytes(32)));
let t = performance.now();
const tree = new MemoryTree(leaves);
out.memoryTreeBuild100k_ms = +(performance.now() - t).toFixed(1);
t = performance.now();
let total = 0;
for (let i = 0; i < 10_000; i++) { const p = inclusionProof(i * 10, 100_000, tree.nodeAt); total += p.length; if (!verifyInclusion(i * 10, 100_000, leaves[i * 10]!, p, tree.root())) throw new Error('x'); }
out.inclusionProveVerify_us = +((performance.now() - t) / 10_000 * 1000).toFixed(1);
out.avgInclusionProofHashes100k = total / 10_000;
out.consistencyProofHashes_50000_to_100000 = consistencyProof(50_000, 100_000, tree.nodeAt).length;
out.consistencyProofHashes_99999_to_100000 = consistencyProof(99_999, 100_000, tree.nodeAt).length;

const dir = mkdtempSync(join(tmpdir(), 'm-'));
const signer = new Signer(generateRawKeyPair());
const ledger = await Ledger.open(join(dir, 'l'), { gatewayId: 'gw', signer });
const N = 20_000;
for (let i = 0; i < N; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => ledger.append('denied', { actor: 'a', target: 't', value: String(i + j), code: 'x', tao: 'y'.repeat(800) })));
t = performance.now();
const cp = await Checkpointer.start(ledger, 'gw', signer, quietLog, { every: 1_000_000, intervalMs: 1_000_000 });
out[`checkpointerRebuild_${N}receipts_ms`] = +(performance.now() - t).toFixed(1);
const costs: number[] = [];
for (let i = 0; i < 50; i++) { const s = performance.now(); await cp.checkpointNow(); costs.push(performance.now() - s); }
costs.sort((a, b) => a - b);
out.checkpointAppend_ms_p50 = +costs[25]!.toFixed(3);
const single: number[] = [];
for (let i = 0; i < 50; i++) { const s = performance.now(); await ledger.append('denied', { a: i }); single.push(performance.now() - s); }
single.sort((a, b) => a - b);
out.plainAppend_ms_p50 = +single[25]!.toFixed(3);
await cp.stop();
await ledger.close();
t = performance.now();
const db = await openLevel(join(dir, 'l'), { create: false });
const mt = new MemoryTree();
for await (const [, raw] of db.iterator(receiptRange(0, N - 1))) mt.append(receiptLeafHash((JSON.parse(raw) as { hash: string }).hash));
await db.close();
out[`bundleTreeFromReceipts_${N}_ms`] = +(performance.now() - t).toFixed(1);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(out, null, 1));
