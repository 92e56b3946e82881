/**
 * The normalized, validated profile that every other module reads. The YAML
 * file uses snake_case keys (see profiles/demo-cell.yaml and
 * profiles/profile.schema.json); the loader turns it into these camelCase,
 * fully-populated objects (defaults resolved once, at the edge).
 */
export type ActorKind = 'human' | 'ai' | 'pipeline' | 'service';

/** Value types of tags and method arguments. OPC UA Double = float64, Int32 = int32. */
export type TagType = 'bool' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'string';

/** Register word order for 32-bit Modbus values: ABCD = big-endian, high word first. */
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';

/** How the gateway reaches a Modbus device: Modbus TCP (MBAP), RTU on a serial line, or RTU framing over TCP. */
export type ModbusTransport = 'tcp' | 'rtu' | 'rtu_over_tcp';

export interface SerialSettings {
  /** Device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/... */
  readonly path: string;
  readonly baud: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
}

export interface ModbusDevice {
  readonly id: string;
  readonly protocol: 'modbus';
  readonly transport: ModbusTransport;
  /** TCP and RTU over TCP: where the PLC (or the serial-to-Ethernet converter) listens; '' for RTU. */
  readonly host: string;
  readonly port: number;
  /** RTU on a serial line only. */
  readonly serial?: SerialSettings;
  /** Unit id at the gateway's Modbus front (unique per front). */
  readonly unit: number;
  /** Unit id sent to the PLC (default: unit). */
  readonly plcUnit: number;
  /** Requests with unit id 0 or 255 at the front go to this device. */
  readonly default: boolean;
  /** How long the gateway waits for the PLC's answer to one request. */
  readonly timeoutMs: number;
  /** Cap on concurrent connections to the PLC (TCP: a shared pool; RTU: the line is one connection). */
  readonly maxConnections: number;
  /** Silence kept on an RTU line between the end of one answer and the next request. */
  readonly interFrameGapMs: number;
}

/** Security policies the gateway's PLC session may use (never Basic128Rsa15). */
export type OpcuaSecurityPolicy = 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';
export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';

/**
 * How the gateway logs in to an OPC UA PLC. File paths are as written in the
 * profile; the gateway resolves relative ones against its keys dir.
 */
export type OpcuaPlcIdentity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly user: string; readonly passwordFile: string }
  | { readonly kind: 'certificate'; readonly certFile: string; readonly keyFile: string };

export interface OpcuaDevice {
  readonly id: string;
  readonly protocol: 'opcua';
  readonly endpoint: string;
  readonly securityPolicy: OpcuaSecurityPolicy;
  readonly securityMode: OpcuaSecurityMode;
  readonly identity: OpcuaPlcIdentity;
}

export type Device = ModbusDevice | OpcuaDevice;

export interface ApprovalRule {
  /** How many distinct approvers (never the requester). 0 = none needed. */
  readonly count: number;
  /** Roles an approver must hold. */
  readonly roles: readonly string[];
}

/**
 * Modbus data tables. holding registers and coils are writable; input
 * registers and discrete inputs are read-only by protocol, so tags on them
 * never have write roles (the loader refuses write_roles there).
 */
export type ModbusTable = 'holding' | 'coil' | 'input' | 'discrete';

export interface ModbusBinding {
  readonly table: ModbusTable;
  /** 0-based protocol address of the first register / coil. */
  readonly address: number;
  /** Registers the value spans (bool/int16/uint16: 1, 32-bit: 2, float64: 4). */
  readonly registers: number;
  readonly wordOrder: WordOrder;
}

export interface OpcuaBinding {
  /** NodeId of the variable on the PLC, e.g. "ns=1;s=reactor.temp_sp". */
  readonly nodeId: string;
}

export interface TagPolicy {
  readonly name: string;
  readonly device: string;
  readonly type: TagType;
  readonly units: string;
  readonly description: string;
  readonly modbus?: ModbusBinding;
  readonly opcua?: OpcuaBinding;
  /** Inclusive limits; undefined = unbounded (bool/string tags have none). */
  readonly min?: number;
  readonly max?: number;
  /** Largest |new - current| in one write; undefined = no step limit. */
  readonly maxStep?: number;
  /** Minimum time between two authorized writes of this tag; 0 = none. */
  readonly minIntervalMs: number;
  /** Read the value back after the write and record it in the outcome receipt. */
  readonly readback: boolean;
  /** Roles that may write. Empty = read-only tag. */
  readonly writeRoles: readonly string[];
  readonly approvals: ApprovalRule;
}

export interface MethodArgument {
  readonly name: string;
  readonly type: TagType;
}

export interface MethodPolicy {
  /** e.g. "reactor.StartBatch" */
  readonly name: string;
  readonly device: string;
  readonly description: string;
  /** NodeIds on the PLC of the object and the method. */
  readonly opcua: { readonly objectId: string; readonly methodId: string };
  readonly args: readonly MethodArgument[];
  readonly callRoles: readonly string[];
  readonly approvals: ApprovalRule;
  readonly minIntervalMs: number;
}

export interface OpcuaIdentity {
  readonly username?: string;
  /** Demo profiles only: plain password. Refused by the loader unless defaults.allow_plain_passwords. */
  readonly password?: string;
  /** "scrypt$N$r$p$<salt b64>$<hash b64>" */
  readonly passwordHash?: string;
  /** SHA-1 thumbprint (hex) of an X.509 user certificate. */
  readonly certificateThumbprint?: string;
}

export interface ActorPolicy {
  readonly id: string;
  readonly kind: ActorKind;
  readonly role: string;
  readonly description: string;
  /** Modbus source IP addresses that identify this actor. */
  readonly modbusSources: readonly string[];
  readonly opcua?: OpcuaIdentity;
}

export interface ApproverPolicy {
  readonly id: string;
  readonly role: string;
}

export interface PolicyDefaults {
  /** Always 'deny' today: writes that match no tag are refused. */
  readonly unlistedWrites: 'deny';
  /** Lifetime of an issued TAO. */
  readonly taoTtlS: number;
  /** Lifetime of a pending approval request. */
  readonly approvalTtlS: number;
  /** Accepted clock skew when checking iat/nbf/exp. */
  readonly clockSkewS: number;
  /** The gate's deadline for an inline governance decision. */
  readonly governanceDeadlineMs: number;
  readonly allowPlainPasswords: boolean;
}

/** Modbus exception classes a refusal is answered with (see src/refusal/codes.ts). */
export type ModbusExceptionClass = import('../refusal/codes.js').ModbusExceptionClass;

/** Settings of the gateway's Modbus TCP front (profile gateway.modbus_*); deployment, not policy (not hashed). */
export interface ModbusFrontSettings {
  /** Overrides of the default exception code per class. */
  readonly exceptions: Readonly<Partial<Record<ModbusExceptionClass, number>>>;
  /** A client connection with no request for this long is closed. */
  readonly idleTimeoutS: number;
  /** Open client connections allowed per source address. */
  readonly maxConnectionsPerSource: number;
}

/** Break-glass grants (profile `breakglass`): k approvers of these roles sign; the window is at most maxMinutes. */
export interface BreakglassRule {
  readonly count: number;
  readonly roles: readonly string[];
  readonly maxMinutes: number;
}

export interface Profile {
  readonly version: 1;
  readonly gateway: { readonly id: string; readonly site: string };
  /** The Modbus front's settings (not part of the policy hash). */
  readonly modbusFront: ModbusFrontSettings;
  readonly defaults: PolicyDefaults;
  readonly devices: ReadonlyMap<string, Device>;
  readonly tags: ReadonlyMap<string, TagPolicy>;
  readonly methods: ReadonlyMap<string, MethodPolicy>;
  readonly actors: ReadonlyMap<string, ActorPolicy>;
  readonly approvers: ReadonlyMap<string, ApproverPolicy>;
  /** sha256 hex over the canonical policy (see policyHash in src/policy/hash.ts). */
  readonly policyHash: string;
  /** Where it came from, for messages. */
  readonly source: string;
  /** Break-glass rule; not part of the policy hash (a grant carries and records its own terms). */
  readonly breakglass?: BreakglassRule;
}

/** What an actor asks for (inline from a gateway, or pre-issued from the actor). */
export interface Proposal {
  readonly actor: string;
  readonly op: 'write' | 'call';
  /** Tag name (op write) or method name (op call). */
  readonly target: string;
  /** Canonical value string: see src/policy/values.ts (for call: '' and args used). */
  readonly value: string;
  readonly args?: readonly string[];
  /** The PLC's current value as the gateway read it, when known. */
  readonly current?: string;
  /**
   * A pre-issued TAO's condition: the value the write must replace. Governance
   * checks the step from it and puts it in the TAO's scope.expect; the gate
   * uses such a TAO only while the PLC holds exactly this value.
   */
  readonly expect?: string;
  readonly reason?: string;
}

/** What governance remembers of recent authorizations, for min-interval checks. */
export interface PolicyHistory {
  /** Time (ms) of the last TAO issued for the target, or undefined. */
  lastIssuedAt(target: string): number | undefined;
}

export type PolicyDecision =
  | { readonly decision: 'issue' }
  | { readonly decision: 'deny'; readonly code: import('../refusal/codes.js').RefusalCode; readonly reason: string }
  | { readonly decision: 'pending'; readonly approvals: ApprovalRule };
