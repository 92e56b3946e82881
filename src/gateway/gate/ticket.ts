/** The single-outcome ticket handed to a front once the intent receipt is durable. */
import type { RefusalCode } from '../../tao/refusal.js';
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
    await ledger.append(kind, body, { closes: intentSeq });
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
