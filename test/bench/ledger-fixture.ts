/**
 * Receipt bodies shaped like the gate's (an intent carries the whole TAO
 * envelope, ~1.3 KB; a committed receipt ~300 B), signed with the fixed
 * test-vector gateway key, and a cached large ledger for the verify and
 * export runs: built once per receipt count under os.tmpdir(), reused across
 * runs (a marker file says the build finished).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../../src/crypto/canonical.js';
import { Ledger } from '../../src/ledger/index.js';
import { issueTao } from '../../src/tao/payload.js';
import { AUDIENCE, basePayload, signers } from '../vectors/fixtures.js';

export const GATEWAY_ID = AUDIENCE;
export const gatewaySigner = signers.gateway;
export const keyFor = (gw: string) => (gw === GATEWAY_ID ? signers.gateway.publicKey : undefined);

const envelope = issueTao(basePayload({ sub: 'optimizer-1', kind: 'ai', role: 'optimizer', scope: { op: 'write', target: 'skid.flow_sp', value: '50' } }), signers.governance) as unknown as Json;

export function jtiOf(i: number): string {
  return i.toString(16).padStart(32, '0');
}

/** The fields every receipt of write i carries (as the gate writes them). */
function writeFields(i: number): { [k: string]: Json } {
  return {
    request: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    protocol: 'modbus',
    source: '127.0.0.2:40000',
    actor: 'optimizer-1',
    op: 'write',
    target: 'skid.flow_sp',
    value: i % 2 ? '60' : '50',
  };
}

export function intentBody(i: number): Json {
  return { ...writeFields(i), role: 'optimizer', actorKind: 'ai', jti: jtiOf(i), path: 'inline', approvals: [], tao: envelope };
}

export function committedBody(i: number, intentSeq: number): Json {
  return { ...writeFields(i), jti: jtiOf(i), intent: intentSeq, readback: i % 2 ? '60' : '50' };
}

/** A ledger of `count` receipts (intent + committed pairs), built once and cached. Returns its dir. */
export async function cachedLedger(count: number, log: (m: string) => void): Promise<{ dir: string; buildMs?: number }> {
  const root = join(tmpdir(), `taogate-bench-ledger-${count}-v1`);
  const dir = join(root, 'ledger');
  const marker = join(root, 'complete.json');
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { count: number };
    if (m.count === count) return { dir };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  log(`  building a ${count.toLocaleString('en-US')}-receipt ledger in ${dir} (cached for later runs)`);
  const t0 = performance.now();
  const ledger = await Ledger.open(dir, { gatewayId: GATEWAY_ID, signer: gatewaySigner, maxBatch: 1024 });
  const pairs = count / 2;
  const chunk = 512;
  for (let base = 0; base < pairs; base += chunk) {
    const n = Math.min(chunk, pairs - base);
    const intents = await Promise.all(Array.from({ length: n }, (_, k) => ledger.append('intent', intentBody(base + k), { consume: jtiOf(base + k) })));
    await Promise.all(intents.map((r, k) => ledger.append('committed', committedBody(base + k, r.seq), { closes: r.seq })));
    if ((base / chunk) % 100 === 0 && base > 0) log(`    ${(base * 2).toLocaleString('en-US')} receipts`);
  }
  await ledger.close();
  const buildMs = performance.now() - t0;
  writeFileSync(marker, JSON.stringify({ count, buildMs: Math.round(buildMs), date: new Date().toISOString() }) + '\n');
  return { dir, buildMs };
}
