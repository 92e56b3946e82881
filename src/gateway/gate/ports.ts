/**
 * What the gate needs from the outside world, as narrow interfaces: the gate
 * imports no protocol, storage or transport library. The LevelDB ledger, the
 * MQTT governance client and pino satisfy these structurally.
 */
import type { Json } from '../../crypto/canonical.js';
import type { Envelope } from '../../tao/envelope.js';
import type { RefusalCode } from '../../refusal/codes.js';
import type { Proposal } from '../../policy/types.js';

export interface GateReceipt {
  readonly seq: number;
  readonly hash: string;
}

export interface GateLedger {
  append(
    kind: 'intent' | 'committed' | 'voided' | 'indeterminate' | 'denied' | 'denied_summary' | 'staged' | 'settled' | 'breakglass',
    body: Json,
    opts?: {
      consume?: string;
      closes?: number;
      stage?: { jti: string; envelope: string; exp: number };
      unstage?: string;
      durable?: boolean;
      mark?: { set?: { name: string; value: string }; clear?: string };
    },
  ): Promise<GateReceipt>;
  isConsumed(jti: string): Promise<boolean>;
  stagedTaos(): Promise<{ jti: string; envelope: string; exp: number; seq: number }[]>;
  openIntents(): Promise<{ seq: number; body: Json }[]>;
  /** The last durable receipt (seq -1 when empty). */
  readonly head: { readonly seq: number };
  /** Receipts from..to, both inclusive, in seq order. */
  iterate(opts: { from?: number; to?: number }): AsyncIterable<{ readonly seq: number; readonly ts: number; readonly kind: string; readonly body: Json }>;
  /** Side-index entries whose name starts with prefix: [name, value]. */
  sideEntries(prefix: string): AsyncIterable<[string, string]>;
}

/** Governance's answer to a proposal. */
export type GovernanceDecision =
  | { readonly decision: 'issue'; readonly tao: Envelope }
  | { readonly decision: 'deny'; readonly code: RefusalCode; readonly reason: string }
  | { readonly decision: 'pending'; readonly request: string; readonly approvals: { have: number; need: number } };

export interface GovernancePort {
  /**
   * Ask governance for a TAO for this proposal. Rejects with a GovernanceUnavailable
   * (code governance_timeout or governance_unavailable) when no decision arrives
   * before the deadline; a late decision is discarded by the implementation.
   */
  /** `requestId`: the write request's id, carried into the proposal so governance's log lines for it carry it too. */
  propose(proposal: Proposal, deadlineMs: number, requestId?: string): Promise<GovernanceDecision>;
}

export class GovernanceUnavailable extends Error {
  constructor(
    readonly code: 'governance_timeout' | 'governance_unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'GovernanceUnavailable';
  }
}

/** The subset of pino the gate uses. */
export interface GateLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentLogger: GateLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Observes every decision; used for metrics. Must not throw. */
export type GateObserver = (event: {
  protocol: string;
  outcome: 'allowed' | 'refused' | 'committed' | 'voided' | 'indeterminate' | 'settled';
  code?: RefusalCode;
  /** The tag or method (profile names only: bounded). */
  target?: string;
  /** The actor's kind (human, ai, pipeline, service) when the writer is a profile actor. */
  actorKind?: string;
  governanceMs?: number;
}) => void;
