/** Shared fixtures for the ledger tests: temp dirs, keys, raw LevelDB access for tampering. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { generateRawKeyPair, Signer } from '../../src/crypto/ed25519.js';
import { Ledger, type LedgerOptions } from '../../src/ledger/index.js';

export const GATEWAY = 'gw-test';

export class TempDirs {
  private dirs: string[] = [];

  async make(label = 'ledger'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `taogate-${label}-`));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

export function newSigner(): Signer {
  return new Signer(generateRawKeyPair());
}

export function keyFor(signer: Signer): (gateway: string) => Uint8Array | undefined {
  return (gateway) => (gateway === GATEWAY ? signer.publicKey : undefined);
}

export function openLedger(dir: string, signer: Signer, extra: Partial<LedgerOptions> = {}): Promise<Ledger> {
  return Ledger.open(dir, { gatewayId: GATEWAY, signer, ...extra });
}

/** A ledger with n receipts of assorted kinds and bodies, closed again. */
export async function fillLedger(dir: string, signer: Signer, n: number): Promise<void> {
  const ledger = await openLedger(dir, signer);
  const kinds = ['intent', 'committed', 'denied', 'config'] as const;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      ledger.append(kinds[i % kinds.length]!, { actor: `hmi-${i % 3}`, target: 'skid.flow_sp', value: String(40 + i), jti: `jti-${i}`, note: 'x'.repeat(i % 7) }),
    ),
  );
  await ledger.close();
}

/** Opens a ledger dir directly with LevelDB (bypassing Ledger), byte values, for tampering. */
export async function rawDb(dir: string): Promise<Level<string, Buffer>> {
  const db = new Level<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  return db;
}

export function rKey(seq: number): string {
  return `r!${seq.toString(16).padStart(16, '0')}`;
}

/** Runs fn on the raw LevelDB of a (closed) ledger dir. */
export async function tamper(dir: string, fn: (db: Level<string, Buffer>) => Promise<void>): Promise<void> {
  const db = await rawDb(dir);
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}
