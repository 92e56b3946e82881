import { Refusal } from '../../refusal/codes.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** bad_envelope: the signed bytes must be UTF-8 JSON (a BOM is not stripped, so it fails). */
export function decodePayload(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw new Refusal('bad_envelope', 'payload is not valid UTF-8', { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Refusal('bad_envelope', `payload is not JSON: ${(err as Error).message.slice(0, 120)}`, { cause: err });
  }
}
