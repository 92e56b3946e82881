/**
 * What the console reads, as getters so that it follows restarts (a test
 * cell restarts governance or the gateway under a running console). Every
 * source is optional: the governance node serves approvals only (it holds no
 * ledger and sees no process data); a gateway serves receipts and chain
 * health; the all-in-one demo serves all three views.
 */
import type { Governance } from '../governance/governance.js';
import type { Ledger } from '../ledger/index.js';
import type { TrustStore } from '../tao/truststore.js';

export interface TrendSeriesSource {
  /** Process value tag, e.g. skid.flow_pv. */
  readonly tag: string;
  readonly label: string;
  readonly units: string;
  /** The setpoint drawn beside it, e.g. skid.flow_sp (optional). */
  readonly setpoint?: string;
  /** Tags whose committed writes are marked on this trend. */
  readonly marks: readonly string[];
  /** Reads the process value now (and the setpoint when there is one); undefined when unreadable. */
  read(): { pv: number; sp?: number } | undefined;
}

export interface ConsoleSources {
  readonly governance?: () => Governance | undefined;
  readonly ledger?: () => Ledger | undefined;
  /** Gateway public keys for the chain check. */
  readonly trust?: TrustStore;
  readonly trend?: readonly TrendSeriesSource[];
  /** Receipts not yet acknowledged upstream; undefined while replication does not exist. */
  readonly replicationLag?: () => number | undefined;
  /**
   * The PLC's value of a tag now, for requests whose proposal carries no
   * current value (the gate reads it only for step checks). Shown as "PLC now".
   */
  readonly currentValue?: (tag: string) => string | undefined;
  /** What this console is part of, shown in the header (e.g. "demo", "governance"). */
  readonly role: string;
}
