/** The qualification suite, in the order it runs: IQ first (the installation as found), then OQ (acting on it). */
import * as c from './checks/index.js';
import type { Check } from './types.js';

export const SUITE: readonly Check[] = [
  c.iqSoftware,
  c.iqProfile,
  c.iqKeys,
  c.iqTrust,
  c.iqLedger,
  c.iqUpstream,
  c.oqNoTao,
  c.oqPermitted,
  c.oqForged,
  c.oqExpired,
  c.oqReplay,
  c.oqAudience,
  c.oqLimits,
  c.oqApproval,
  c.oqSignatureBinding,
  c.oqTamper,
  c.oqTime,
  c.oqReplication,
  c.oqGovernanceDown,
];
