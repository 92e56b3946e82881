/**
 * The single-outcome ticket handed to a front once the intent receipt is
 * durable, and the one rule that turns what the PLC did into that outcome.
 *
 *   committed      the PLC acknowledged the write (or a read-back after a lost
 *                  answer shows the intended value)
 *   voided         the PLC provably did not apply it: the frame never left the
 *                  gateway, or the PLC answered with an error / exception
 *   indeterminate  the frame may have reached the PLC and nothing settles it
 *                  (no answer and no matching read-back, or the PLC
 *                  acknowledged and the read-back the tag asks for failed);
 *                  a person settles it later (`taogate ledger settle`)
 */
import type { RefusalCode } from '../../refusal/codes.js';
import type { GateLedger, GateLogger, GateObserver } from './ports.js';
import { entryOf, type IndeterminateIndex } from './indeterminate.js';
import { requestBody } from './request-body.js';
import type { WriteRequest, WriteTicket } from './types.js';

type OutcomeKind = 'committed' | 'voided' | 'indeterminate';

export function openTicket(
  ledger: GateLedger,
  request: WriteRequest,
  jti: string,
  intentSeq: number,
  log: GateLogger,
  observe?: GateObserver,
  indeterminates?: IndeterminateIndex,
): WriteTicket {
  let settled = false;
  const settle = async (kind: OutcomeKind, extra: { readback?: string; reason?: string }): Promise<void> => {
    if (settled) throw new Error(`ticket for intent ${intentSeq} already settled`);
    settled = true;
    const body = { ...requestBody(request), jti, intent: intentSeq, ...extra };
    // The intent was durable before the PLC saw the write; a committed / voided outcome rides on
    // the next fsync (a crash before it is reconciled at start-up), so the next write never waits
    // behind it. An indeterminate outcome is an alarm: durable at once, and in the open index.
    const entry = kind === 'indeterminate' ? entryOf(intentSeq, body, extra.reason ?? '', Date.now()) : undefined;
    await ledger.append(kind, body, { closes: intentSeq, durable: kind === 'indeterminate', ...(entry && indeterminates ? { mark: indeterminates.mark(entry) } : {}) });
    if (entry) indeterminates?.added(entry);
    const line = { req: request.id, jti, seq: intentSeq, ...extra };
    if (kind === 'indeterminate') log.error(line, 'write indeterminate: the PLC may or may not have applied it');
    else log.info(line, `write ${kind}`);
    observe?.({ protocol: request.protocol, outcome: kind, code: undefined as RefusalCode | undefined, target: request.target });
  };
  return {
    jti,
    intentSeq,
    request,
    committed: (detail) => settle('committed', { ...(detail?.readback !== undefined ? { readback: detail.readback } : {}), ...(detail?.reason !== undefined ? { reason: detail.reason } : {}) }),
    voided: (reason) => settle('voided', { reason }),
    indeterminate: (reason, detail) => settle('indeterminate', { reason, ...(detail?.readback !== undefined ? { readback: detail.readback } : {}) }),
  };
}

/**
 * What the front saw of the PLC for one forwarded write.
 * - applied: the PLC acknowledged it.
 * - rejected: the PLC answered with an error (exception / Bad status): not applied.
 * - not_sent: the request never left the gateway (no connection, refused locally).
 * - unknown: the request was sent (or may have been) and no answer came in time,
 *   or the connection dropped after sending.
 */
export type PlcOutcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'not_sent'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * The one outcome rule every front follows, after it has answered its
 * client (see the header). `readback` reads the tag's current value from
 * the PLC: used when the tag asks for a read-back after an acknowledged
 * write, and always after an unknown outcome. Never throws: a failed
 * outcome receipt is logged, and start-up reconciliation closes the intent.
 */
export async function settleTicket(
  ticket: WriteTicket,
  outcome: { readonly plc: PlcOutcome; readonly readbackOnAck?: boolean; readonly readback?: () => Promise<string | undefined>; readonly valueEquals?: (a: string, b: string) => boolean },
  log: GateLogger,
): Promise<void> {
  const { plc, readback } = outcome;
  const equals = outcome.valueEquals ?? ((a, b) => a === b);
  try {
    if (plc.kind === 'rejected' || plc.kind === 'not_sent') return await ticket.voided(plc.reason);
    if (plc.kind === 'applied') {
      if (!outcome.readbackOnAck || !readback) return await ticket.committed();
      const got = await tryRead(readback);
      if (got.ok && got.value !== undefined) return await ticket.committed({ readback: got.value });
      return await ticket.indeterminate(`PLC acknowledged the write; read-back failed: ${got.ok ? 'no value' : got.error}`);
    }
    // unknown: only a read-back showing the intended value settles it.
    if (!readback) return await ticket.indeterminate(`${plc.reason}; no read-back possible`);
    const got = await tryRead(readback);
    if (!got.ok || got.value === undefined) return await ticket.indeterminate(`${plc.reason}; read-back failed: ${got.ok ? 'no value' : got.error}`);
    if (equals(got.value, ticket.request.value)) return await ticket.committed({ readback: got.value, reason: `${plc.reason}; read-back shows the intended value` });
    return await ticket.indeterminate(`${plc.reason}; read back ${got.value}`, { readback: got.value });
  } catch (err) {
    log.error({ jti: ticket.jti, err: (err as Error).message }, 'outcome receipt failed');
  }
}

async function tryRead(read: () => Promise<string | undefined>): Promise<{ ok: true; value: string | undefined } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
