import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';

/** wrong_audience: the TAO names this gateway. */
export function checkAudience(tao: TaoPayload, audience: string): void {
  if (tao.aud !== audience) throw new Refusal('wrong_audience', `TAO is for gateway ${tao.aud}, this is ${audience}`);
}
