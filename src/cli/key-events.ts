/**
 * Recording key changes in the ledger (`keys rotate`, `keys revoke`):
 * a signed receipt (`key_rotated`, or `config` with event `key_revoked`).
 *
 * The ledger has one writer at a time (LevelDB lock). When the ledger is
 * free, the command appends the receipt itself, signed with the gateway's
 * key as it is after the change. When the gateway holds the ledger, the
 * receipt waits in KEYS/pending-receipts.jsonl and the gateway appends it at
 * its next start (docs/ledger.md "Key rotation").
 */
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { Ledger, LedgerOpenError, type Receipt, type ReceiptKind } from '../ledger/index.js';

export const PENDING_FILE = 'pending-receipts.jsonl';

export interface KeyEvent {
  readonly kind: Extract<ReceiptKind, 'key_rotated' | 'config'>;
  readonly body: Json;
}

export type Recorded = { readonly written: Receipt } | { readonly pending: string };

/**
 * Appends the event to the ledger at `ledgerDir`; queues it for the gateway's
 * next start when the gateway holds the ledger or no ledger dir is known.
 */
export async function recordKeyEvent(ledgerDir: string | undefined, gatewayId: string, signer: Signer, keysDir: string, event: KeyEvent): Promise<Recorded> {
  const queue = (): Recorded => {
    const file = join(keysDir, PENDING_FILE);
    appendFileSync(file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    return { pending: file };
  };
  if (ledgerDir === undefined || !existsSync(ledgerDir)) return queue();
  let ledger: Ledger;
  try {
    ledger = await Ledger.open(ledgerDir, { gatewayId, signer });
  } catch (err) {
    if (err instanceof LedgerOpenError && /already open/.test(err.message)) return queue();
    throw err;
  }
  try {
    return { written: await ledger.append(event.kind, event.body) };
  } finally {
    await ledger.close();
  }
}

/**
 * At gateway start: appends the key events queued while it held the ledger,
 * in order, then removes the queue. Returns the receipts written.
 */
export async function recordPendingKeyEvents(keysDir: string, ledger: Ledger): Promise<Receipt[]> {
  const file = join(keysDir, PENDING_FILE);
  if (!existsSync(file)) return [];
  // Taken aside first: a command queuing meanwhile starts a new file.
  const taken = `${file}.${process.pid}.taking`;
  renameSync(file, taken);
  const out: Receipt[] = [];
  for (const line of readFileSync(taken, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as KeyEvent;
    if (event.kind !== 'key_rotated' && event.kind !== 'config') continue;
    out.push(await ledger.append(event.kind, { ...(event.body as Record<string, Json>), recordedAtStart: true }));
  }
  rmSync(taken, { force: true });
  return out;
}
