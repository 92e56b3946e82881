import { TAO_PAYLOAD_TYPE, type Envelope } from '../envelope.js';
import { Refusal } from '../../refusal/codes.js';
import { describe } from '../strict.js';

/** wrong_type: the envelope must carry a taogate TAO, nothing else signed by the same key. */
export function checkType(envelope: Envelope): void {
  if (envelope.payloadType !== TAO_PAYLOAD_TYPE) {
    throw new Refusal('wrong_type', `payloadType ${describe(envelope.payloadType)} is not ${TAO_PAYLOAD_TYPE}`);
  }
}
