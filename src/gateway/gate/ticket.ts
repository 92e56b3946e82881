/** The single-outcome ticket handed to a front once the intent receipt is durable. */
import type { RefusalCode } from '../../refusal/codes.js';
import { requestBody } from './gate.js';
import type { GateLedger, GateLogger, GateObserver } from './ports.js';
import type { WriteRequest, WriteTicket } from './types.js';

export function openTicket(
  ledger: GateLedger,
  request: WriteRequest,
  jti: string,
  intentSeq: number,
  log: GateLogger,
  observe?: GateObserver,
): WriteTicket {
  let settled = false;
  const settle = async (kind: 'committed' | 'voided', extra: { readback?: string; reason?: string }): Promise<void> => {
    if (settled) throw new Error(`ticket for intent ${intentSeq} already settled`);
    settled = true;
    const body = { ...requestBody(request), jti, intent: intentSeq, ...extra };
    // The intent was durable before the PLC saw the write; the outcome rides on the next fsync
    // (a crash before it is reconciled at start-up), so the next write never waits behind it.
    await ledger.append(kind, body, { closes: intentSeq, durable: false });
    log.info({ req: request.id, jti, seq: intentSeq, ...extra }, `write ${kind}`);
    observe?.({ protocol: request.protocol, outcome: kind, code: undefined as RefusalCode | undefined });
  };
  return {
    jti,
    intentSeq,
    request,
    committed: (detail) => settle('committed', detail?.readback !== undefined ? { readback: detail.readback } : {}),
    voided: (reason) => settle('voided', { reason }),
  };
}

/**
 * The one outcome rule every front follows, after it has answered its
 * client: voided with `voidReason` when the PLC refused or did not answer;
 * otherwise committed, with the value read back when `readback` is given
 * (a failed read-back voids). Never throws: a failed outcome receipt is
 * logged, and start-up reconciliation closes the intent.
 */
export async function settleTicket(
  ticket: WriteTicket,
  outcome: { voidReason?: string; readback?: () => Promise<string | undefined> },
  log: GateLogger,
): Promise<void> {
  try {
    if (outcome.voidReason !== undefined) return await ticket.voided(outcome.voidReason);
    if (!outcome.readback) return await ticket.committed();
    let readback: string | undefined;
    try {
      readback = await outcome.readback();
    } catch (err) {
      return await ticket.voided(`read-back failed: ${(err as Error).message}`);
    }
    await ticket.committed({ readback });
  } catch (err) {
    log.error({ jti: ticket.jti, err: (err as Error).message }, 'outcome receipt failed');
  }
}
