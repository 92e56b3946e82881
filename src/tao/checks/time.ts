import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';

/**
 * expired / not_yet_valid: the TAO is valid for nbf - skew <= now < exp + skew,
 * and must not claim to be issued more than skew in the future.
 */
export function checkTime(tao: TaoPayload, nowSeconds: number, skewSeconds: number): void {
  if (nowSeconds >= tao.exp + skewSeconds) throw new Refusal('expired', `TAO expired at ${tao.exp} (now ${nowSeconds}, skew ${skewSeconds}s)`);
  if (nowSeconds < tao.nbf - skewSeconds) throw new Refusal('not_yet_valid', `TAO is not valid before ${tao.nbf} (now ${nowSeconds}, skew ${skewSeconds}s)`);
  if (nowSeconds < tao.iat - skewSeconds) throw new Refusal('not_yet_valid', `TAO claims to be issued at ${tao.iat}, in the future (now ${nowSeconds})`);
}
