/**
 * Public types of the OPC UA reactor PLC simulator.
 *
 * The simulator is the PLC behind the gateway: it imports nothing from src/.
 */

/** Every tag the reactor PLC exposes, as `ns=1;s=<tag>`. */
export type ReactorTag =
  | 'reactor.temp_sp'
  | 'reactor.agitator_rpm'
  | 'reactor.jacket_limit'
  | 'reactor.temp_pv'
  | 'reactor.agitator_pv'
  | 'reactor.batch_state'
  | 'reactor.batch_id';

export type BatchState = 'Idle' | 'Running' | 'Stopped';

export type TagValue = number | string | boolean;

export interface OpcuaSimOptions {
  /** Address to listen on and to advertise. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks a free port on `host`. */
  port?: number;
  /** Folder for the server's PKI (own certificate, user PKI). Default: one temp folder per process. */
  pkiDir?: string;
  /** Append every applied write and every call as one JSON line here (never rewritten). */
  logFile?: string;
  /** Period of the process model, ms. Default 100. */
  tickMs?: number;
  /**
   * Secure it like a hardened PLC: only Basic256Sha256, Aes128_Sha256_RsaOaep
   * and Aes256_Sha256_RsaPss with Sign or SignAndEncrypt, a user login
   * (anonymous refused), and only client certificates in its trust list.
   * Without it: SecurityPolicy None and anonymous sessions (a lab PLC).
   */
  security?: OpcuaSimSecurity;
}

export interface OpcuaSimSecurity {
  /** user name -> password */
  users: Readonly<Record<string, string>>;
  /** Client certificate files (PEM or DER) to trust, copied into PKI/server/trusted/certs at start. */
  trustedClientCertificates?: readonly string[];
}

/** Who wrote or called, as far as the server's session knows. */
export interface ClientInfo {
  sessionName?: string;
  applicationUri?: string;
  applicationName?: string;
  /** The session's user name ("" or "anonymous" for anonymous sessions). */
  user?: string;
}

/** A write the server applied to a setpoint (status Good). */
export interface WriteLogEntry {
  kind: 'write';
  seq: number;
  /** ISO 8601 time the write was applied. */
  ts: string;
  nodeId: string;
  tag: ReactorTag;
  value: TagValue;
  client?: ClientInfo;
}

/** A method call that reached the Reactor's method body, with its result. */
export interface CallLogEntry {
  kind: 'call';
  seq: number;
  ts: string;
  method: 'StartBatch' | 'Stop';
  nodeId: string;
  args: TagValue[];
  /** Status code name, e.g. "Good", "BadInvalidArgument". */
  status: string;
  outputs: TagValue[];
  client?: ClientInfo;
}

export type SimLogEntry = WriteLogEntry | CallLogEntry;

export interface OpcuaSim {
  /** opc.tcp://HOST:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** The PLC's own server certificate (PEM): what a client must trust. */
  readonly certificateFile: string;
  /** Stops the model and the server, closes the log file. Safe to call twice. */
  close(): Promise<void>;
  /** Copy of the in-memory write log, oldest first. */
  writes(): WriteLogEntry[];
  /** Copy of the in-memory call log, oldest first. */
  calls(): CallLogEntry[];
  /** Current PLC value of a tag. */
  value(tag: ReactorTag): TagValue;
}
