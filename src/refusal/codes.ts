/**
 * The one closed list of refusal codes. Governance denials, gate refusals,
 * CLI exit messages, docs/refusal-codes.md and the protocol mappings (Modbus
 * exception, OPC UA status) all come from this table; a test fails when the
 * docs and this list disagree.
 */
export const REFUSAL_CODES = {
  // TAO verification pipeline (src/tao/verify), in pipeline order.
  bad_envelope: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO envelope is not well formed' },
  wrong_type: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the envelope payloadType is not a taogate TAO' },
  unknown_key: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the signing key is not in the trust store, not valid now, or not allowed for this use' },
  bad_signature: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the Ed25519 signature does not verify' },
  not_canonical: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the payload bytes are not canonical JSON' },
  expired: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO (or request) has expired' },
  not_yet_valid: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO is not valid yet (nbf in the future)' },
  wrong_audience: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO was issued for another gateway' },
  scope_mismatch: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO does not cover this exact write (actor, tag, value)' },
  policy_mismatch: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO was issued under another policy version' },
  approvals_missing: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO lacks the approvals the policy requires' },
  self_approval: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'an approver approved their own request' },
  duplicate_approver: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the same approver was counted twice' },
  bad_approval: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'an approval signature or statement does not verify' },
  consumed: { group: 'tao', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the TAO was already used (TAOs are single-use)' },
  // Policy evaluation (src/policy/evaluate) and the gate's own hard limits.
  unknown_actor: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the writer is not an actor of the profile' },
  not_authenticated: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the request is not signed by the actor it names' },
  not_speaker: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'this gateway may not propose on behalf of that actor' },
  unknown_tag: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'illegal_address', text: 'the write touches an address or node that is not a profile tag' },
  not_writable: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'illegal_address', text: 'the tag is read-only' },
  role_not_allowed: { group: 'policy', opcua: 'BadUserAccessDenied', modbus: 'refused', text: "the actor's role may not write this tag (or approve this request)" },
  type_mismatch: { group: 'limits', opcua: 'BadTypeMismatch', modbus: 'illegal_value', text: "the value does not fit the tag's type" },
  out_of_range: { group: 'limits', opcua: 'BadOutOfRange', modbus: 'illegal_value', text: "the value is outside the tag's limits" },
  step_too_large: { group: 'limits', opcua: 'BadOutOfRange', modbus: 'illegal_value', text: 'the change from the current value exceeds the maximum step' },
  rate_limited: { group: 'limits', opcua: 'BadUserAccessDenied', modbus: 'busy', text: 'the tag was written too recently (min interval)' },
  approval_pending: { group: 'approval', opcua: 'BadUserAccessDenied', modbus: 'busy', text: 'the write needs approvals; a request is pending' },
  approval_rejected: { group: 'approval', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'an approver rejected the request' },
  unknown_request: { group: 'approval', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'no such pending approval request' },
  // Availability: fail closed.
  governance_timeout: { group: 'availability', opcua: 'BadWaitingForResponse', modbus: 'unreachable', text: 'governance did not answer within the deadline' },
  governance_unavailable: { group: 'availability', opcua: 'BadWaitingForResponse', modbus: 'unreachable', text: 'the broker or governance is not reachable' },
  ledger_unavailable: { group: 'availability', opcua: 'BadInternalError', modbus: 'device_failure', text: 'the receipt could not be made durable, so the write was not forwarded' },
  malformed: { group: 'request', opcua: 'BadDecodingError', modbus: 'illegal_value', text: 'the request could not be parsed' },
  internal_error: { group: 'availability', opcua: 'BadInternalError', modbus: 'device_failure', text: 'an unexpected error; the write was not forwarded' },
  // The Modbus front's own refusals (before a request reaches the gate's policy checks).
  unknown_unit: { group: 'request', opcua: 'BadUserAccessDenied', modbus: 'unknown_unit', text: 'no device behind the gateway has this Modbus unit id' },
  function_not_allowed: { group: 'request', opcua: 'BadUserAccessDenied', modbus: 'refused', text: 'the Modbus function code is not forwarded (only reads and the gated writes pass)' },
  plc_unavailable: { group: 'availability', opcua: 'BadCommunicationError', modbus: 'no_path', text: "the gateway has no working link to the tag's PLC, so the write was not authorized" },
} as const satisfies Record<string, RefusalInfo>;

export interface RefusalInfo {
  readonly group: 'tao' | 'policy' | 'limits' | 'approval' | 'availability' | 'request';
  /** OPC UA StatusCode name answered for a refused Write/Call. */
  readonly opcua: 'BadUserAccessDenied' | 'BadOutOfRange' | 'BadTypeMismatch' | 'BadWaitingForResponse' | 'BadInternalError' | 'BadDecodingError' | 'BadCommunicationError';
  /** Which configurable Modbus exception class is answered (defaults in src/gateway/modbus/exceptions.ts). */
  readonly modbus: ModbusExceptionClass;
  readonly text: string;
}

export type RefusalCode = keyof typeof REFUSAL_CODES;

/**
 * Modbus exception classes (Modbus Application Protocol v1.1b3, section 7):
 * refused 0x01, illegal_address 0x02, illegal_value 0x03, device_failure
 * 0x04, busy 0x06, no_path 0x0A, unreachable / plc_unreachable /
 * unknown_unit 0x0B by default; a profile may override each code.
 */
export const MODBUS_EXCEPTION_CLASSES = ['refused', 'illegal_address', 'illegal_value', 'device_failure', 'busy', 'no_path', 'unreachable', 'plc_unreachable', 'unknown_unit'] as const;
export type ModbusExceptionClass = (typeof MODBUS_EXCEPTION_CLASSES)[number];

export function isRefusalCode(value: unknown): value is RefusalCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REFUSAL_CODES, value);
}

/** A refusal with its stable code; thrown by checks, carried in verdicts. */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? REFUSAL_CODES[code].text, options);
    this.name = 'Refusal';
  }
}
