/** OPC UA status codes of the front, in one place: refusals come from REFUSAL_CODES (src/refusal/codes.ts). */
import type { StatusCode } from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import { REFUSAL_CODES, type RefusalCode } from '../../refusal/codes.js';

const { StatusCodes } = nodeOpcua;

/** The StatusCode a refused Write or Call answers (docs/interface.md "Protocol answers", docs/refusal-codes.md). */
export function statusForRefusal(code: RefusalCode): StatusCode {
  return StatusCodes[REFUSAL_CODES[code].opcua];
}

/** The PLC could not be reached or did not answer: the write was not (known to be) applied. */
export const PLC_UNREACHABLE: StatusCode = StatusCodes.BadCommunicationError;
