/**
 * Start-up reconciliation: an intent receipt with no outcome means the
 * gateway stopped between "intent durable" and "outcome recorded". The PLC
 * may or may not have applied the write. Where the value can be read back
 * and equals the intended value the intent is closed as committed (with the
 * read-back); otherwise it is closed as indeterminate. Never silently dropped.
 *
 * Only intents of earlier runs: the caller passes the open intents it read
 * before this run could write any, and holds every write until this is done,
 * so a write of this run can neither get a second outcome here nor make an
 * old intent look committed by landing the same value first.
 */
import type { Json } from '../../crypto/canonical.js';
import type { Profile } from '../../policy/types.js';
import { valuesEqual } from '../../policy/values.js';
import { entryOf, type IndeterminateIndex } from './indeterminate.js';
import type { GateLedger, GateLogger } from './ports.js';
import type { CurrentValueReader } from './types.js';

export async function reconcileOpenIntents(
  ledger: GateLedger,
  open: readonly { seq: number; body: Json }[],
  profile: Profile,
  read: CurrentValueReader | undefined,
  log: GateLogger,
  indeterminates: IndeterminateIndex,
): Promise<{ committed: number; indeterminate: number }> {
  let committed = 0;
  let indeterminate = 0;
  for (const intent of open) {
    const body = (intent.body ?? {}) as { [k: string]: Json };
    const target = typeof body.target === 'string' ? body.target : '';
    const value = typeof body.value === 'string' ? body.value : '';
    const tag = body.op === 'write' ? profile.tags.get(target) : undefined;
    let readback: string | undefined;
    if (tag && read) {
      try {
        readback = await read(target);
      } catch (err) {
        log.warn({ seq: intent.seq, err: (err as Error).message }, 'read-back during reconciliation failed');
      }
    }
    const outcome = {
      request: body.request ?? null,
      actor: body.actor ?? null,
      op: body.op ?? null,
      target,
      value,
      jti: body.jti ?? null,
      intent: intent.seq,
      reconciled: true,
    };
    if (tag && readback !== undefined && valuesEqual(tag.type, readback, value)) {
      await ledger.append('committed', { ...outcome, readback }, { closes: intent.seq });
      committed += 1;
    } else {
      const reason = readback === undefined ? 'gateway restarted before the outcome; value could not be read back' : `gateway restarted before the outcome; read back ${readback}`;
      const body = { ...outcome, ...(readback !== undefined ? { readback } : {}), reason };
      const entry = entryOf(intent.seq, body, reason, Date.now());
      await ledger.append('indeterminate', body, { closes: intent.seq, mark: indeterminates.mark(entry) });
      indeterminates.added(entry);
      indeterminate += 1;
    }
    log.warn({ seq: intent.seq, jti: body.jti, readback }, 'open intent reconciled');
  }
  return { committed, indeterminate };
}
