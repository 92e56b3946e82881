/**
 * The protocol-free contract between the fronts (Modbus, OPC UA) and the gate.
 * A front turns a protocol write into one WriteRequest, awaits a Verdict, and
 * turns it back into a status code / exception in one place.
 */
import type { RefusalCode } from '../../refusal/codes.js';

export type FrontProtocol = 'modbus' | 'opcua' | 'cli';

export interface WriteRequest {
  /** Unique id of this request, carried in every log line and receipt. */
  readonly id: string;
  readonly protocol: FrontProtocol;
  /** Where it came from: remote "ip:port", or the OPC UA session id. */
  readonly source: string;
  /** The profile actor the front identified, or null when it could not. */
  readonly actor: string | null;
  readonly op: 'write' | 'call';
  /** Tag name (write) or method name (call). */
  readonly target: string;
  /** Canonical value string (src/policy/values.ts); '' for a call. */
  readonly value: string;
  /** Canonical argument strings of a call. */
  readonly args?: readonly string[];
}

/** Reads the PLC's current value of a tag (canonical string), for step checks. */
export type CurrentValueReader = (tag: string) => Promise<string | undefined>;

export interface Refused {
  readonly allowed: false;
  readonly code: RefusalCode;
  readonly reason: string;
  /** Pending approval request id when code is approval_pending. */
  readonly request?: string;
  /** Seq of the denied receipt, when one was written. */
  readonly receiptSeq?: number;
}

export interface Allowed {
  readonly allowed: true;
  readonly ticket: WriteTicket;
}

export type Verdict = Allowed | Refused;

/**
 * Returned once the TAO is consumed and the intent receipt is durable. The
 * front forwards the write, then reports exactly one outcome.
 */
export interface WriteTicket {
  readonly jti: string;
  readonly intentSeq: number;
  readonly request: WriteRequest;
  /** The PLC accepted the write; readback is the value read back, when the tag asks for it. */
  committed(detail?: { readback?: string; reason?: string }): Promise<void>;
  /** The PLC provably did not apply the write (never sent, or it answered an error); the TAO stays consumed. */
  voided(reason: string): Promise<void>;
  /** The write may have reached the PLC and nothing settles it; raised as an alarm until a person settles it. */
  indeterminate(reason: string, detail?: { readback?: string }): Promise<void>;
}
