/**
 * Structural checks on an untrusted receipt (parsed from storage, an export
 * file or the network) before any hashing: exact field set, types, encodings.
 * Returns a description of the first problem, or null.
 */
import { isReceiptKind } from './types.js';

const FIELDS = ['seq', 'prev', 'ts', 'kind', 'gateway', 'body', 'hash', 'sig'] as const;
/** Fields a receipt may carry besides FIELDS (kid: receipts before key ids have none). */
const OPTIONAL = ['kid'] as const;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** 64 bytes in padded standard base64 is 86 data characters + '=='. */
const SIG_B64 = /^[A-Za-z0-9+/]{86}==$/;

export function checkReceiptShape(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  for (const f of FIELDS) if (!Object.prototype.hasOwnProperty.call(r, f)) return `missing field '${f}'`;
  for (const k of Object.keys(r)) if (!(FIELDS as readonly string[]).includes(k) && !(OPTIONAL as readonly string[]).includes(k)) return `unexpected field '${k}'`;
  if (!isNonNegativeInt(r.seq)) return 'seq is not a non-negative integer';
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return 'prev is not 64 lowercase hex digits';
  if (!isNonNegativeInt(r.ts)) return 'ts is not a non-negative integer';
  if (!isReceiptKind(r.kind)) return `unknown kind ${JSON.stringify(r.kind)}`;
  if (typeof r.gateway !== 'string' || r.gateway.length === 0) return 'gateway is not a non-empty string';
  if (r.kid !== undefined && (typeof r.kid !== 'string' || !HEX32.test(r.kid))) return 'kid is not 32 lowercase hex digits';
  if (r.body === undefined) return 'body is missing';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'hash is not 64 lowercase hex digits';
  if (typeof r.sig !== 'string' || !SIG_B64.test(r.sig) || !canonicalB64(r.sig)) return 'sig is not a 64-byte standard base64 signature';
  return null;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);
}

/**
 * For text that matches SIG_B64: 86 characters carry 516 bits for 512, so the
 * encoding is canonical exactly when the last 4 bits are zero, i.e. the last
 * character before '==' is one of A Q g w (values 0, 16, 32, 48).
 */
function canonicalB64(text: string): boolean {
  return 'AQgw'.includes(text.charAt(85));
}
