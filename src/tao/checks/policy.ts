import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';

/** policy_mismatch: the TAO was issued under the policy this gateway enforces. */
export function checkPolicy(tao: TaoPayload, policyHash: string): void {
  if (tao.policy !== policyHash) throw new Refusal('policy_mismatch', `TAO policy ${tao.policy.slice(0, 16)}... is not the active policy ${policyHash.slice(0, 16)}...`);
}
