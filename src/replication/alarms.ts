/**
 * The upstream's alarms: what makes a gateway's history untrustworthy.
 * A closed list of kinds (docs/ledger.md "Alarms"):
 *
 *   fork          the same seq with a different hash, or a receipt that does not link to the held one
 *   backwards     the gateway's head went back below what the upstream holds
 *   inconsistent  a checkpoint whose root is not the root of the receipts it covers, or not consistent with the previous checkpoint
 *   invalid       a receipt that fails verification (shape, hash, signature, time)
 *   breakglass    the gateway opened a break-glass window: writes without a TAO follow (the chain
 *                 itself is fine; not a quarantine: a person reviews the writes)
 */
export const ALARM_KINDS = ['fork', 'backwards', 'inconsistent', 'invalid', 'breakglass'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export interface Alarm {
  readonly kind: AlarmKind;
  readonly gateway: string;
  /** Where: the first seq (or checkpoint size) that is wrong. */
  readonly seq: number;
  readonly detail: string;
  /** ms since epoch when raised. */
  readonly at: number;
}

/** Alarms that stop the upstream from accepting more of that gateway's chain. */
export const QUARANTINE: readonly AlarmKind[] = ['fork', 'inconsistent', 'invalid'];
