/**
 * What every check gets: the installation's addresses, its keys and profile,
 * the person running the qualification, and small helpers to act on the
 * installation (Modbus master, MQTT session, HTTP) and to read its ledger
 * (through a copy: the live folder is locked by the gateway).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Signer } from '../crypto/ed25519.js';
import type { Receipt } from '../ledger/index.js';
import type { ActorPolicy, ModbusDevice, Profile, TagPolicy } from '../policy/types.js';
import type { TrustStore } from '../tao/truststore.js';
import { BrokerSession, type BrokerLogin } from './broker.js';
import { copyLedger } from './ledger-copy.js';
import { hostPort, ModbusMaster } from './modbus.js';
import { OpsClient } from './ops.js';

/** Where the installation answers (a READY line of `taogate demo`, or flags). */
export interface Target {
  readonly mqtt: string;
  /** Gateway Modbus TCP front, host:port. */
  readonly modbus: string;
  readonly opcua?: string;
  /** PLCs reached directly (read-only here), when the validation host may. */
  readonly plc?: { readonly modbus?: string; readonly opcua?: string };
  /** The gateway's HTTP endpoint (ops + console API). */
  readonly http: string;
  /** The installation's data dir: keys/, gateway/ (ledger), upstream/. */
  readonly data: string;
}

export interface Operator {
  readonly name: string;
  /** The approver role their key signs as. */
  readonly role: string;
  readonly signer: Signer;
}

export interface GovernanceControl {
  /** Shown in the report: what stops and starts it. */
  readonly describe: { readonly stop: string; readonly start: string };
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface ValidateOptions {
  readonly runId: string;
  /** ISO time the run started (receipts after it are the run's own). */
  readonly startedAt: string;
  readonly target: Target;
  readonly keysDir: string;
  readonly gatewayLedger: string;
  /** The upstream's copy of this gateway's chain, when it is on this host. */
  readonly upstreamLedger?: string;
  readonly trust: TrustStore;
  readonly trustPath: string;
  /** The profile the installation runs (what IQ-02 checks against the running policy hash). */
  readonly profilePath: string;
  readonly profile: Profile;
  readonly operator?: Operator;
  readonly broker: BrokerLogin;
  /** The package's file manifest (IQ-01); undefined when none ships with it. */
  readonly manifestPath?: string;
  readonly packageRoot: string;
  /** How to stop and start governance, when the operator allows OQ-13 to do that (the CLI: shell commands). */
  readonly governanceControl?: GovernanceControl;
  /** Progress lines (stderr). */
  readonly log?: (line: string) => void;
}

/** The Modbus tags and actors the OQ checks act with, chosen from the profile. */
export interface Subjects {
  /** A numeric Modbus tag without approvals, with limits (and a step limit when the profile has one). */
  readonly free: TagPolicy;
  /** A numeric Modbus tag that needs approvals, with limits. */
  readonly approval?: TagPolicy;
  /** An actor with a Modbus source address and an actor key that may write both. */
  readonly writer: ActorPolicy;
  readonly writerSource: string;
  /** A loopback source address no actor has. */
  readonly strangerSource: string;
}

export class ValidateContext {
  readonly ops: OpsClient;
  readonly gatewayId: string;
  /** Facts one check leaves for a later one (e.g. OQ-08's intent seq for OQ-09). */
  readonly shared = new Map<string, unknown>();
  private session: BrokerSession | undefined;
  private cache: { headSeq: number; receipts: readonly Receipt[] } | undefined;
  private subjectsCache: Subjects | undefined;

  constructor(readonly o: ValidateOptions) {
    this.ops = new OpsClient(o.target.http);
    this.gatewayId = o.profile.gateway.id;
  }

  log(line: string): void {
    this.o.log?.(line);
  }

  async broker(): Promise<BrokerSession> {
    this.session ??= await BrokerSession.open(this.o.broker);
    return this.session;
  }

  async close(): Promise<void> {
    await this.session?.close();
    this.session = undefined;
  }

  /** The gateway ledger's head seq, as the running gateway reports it. */
  async headSeq(): Promise<number> {
    return (await this.ops.chain()).headSeq;
  }

  /** Every receipt of the gateway ledger, read from a fresh copy when the head moved. */
  async receipts(): Promise<readonly Receipt[]> {
    // When the gateway does not answer, read the folder anyway (and cache nothing).
    const head = await this.headSeq().catch(() => Number.NaN);
    if (this.cache && this.cache.headSeq === head) return this.cache.receipts;
    const copy = await copyLedger(this.o.gatewayLedger);
    copy.remove();
    this.cache = { headSeq: head, receipts: copy.receipts };
    return copy.receipts;
  }

  /** Waits (polling, up to timeoutMs) until receipts after `afterSeq` satisfy `done`; returns those after afterSeq. */
  async receiptsAfter(afterSeq: number, done: (rs: readonly Receipt[]) => boolean, timeoutMs = 15_000): Promise<Receipt[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rs = (await this.receipts()).filter((r) => r.seq > afterSeq);
      if (done(rs) || Date.now() > deadline) return rs;
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** A Modbus master on the gateway's front from `source`, addressing the tag's device. */
  async gatewayMaster(tag: TagPolicy, source?: string): Promise<ModbusMaster> {
    return ModbusMaster.connect(hostPort(this.o.target.modbus), this.device(tag).unit, source);
  }

  /** Reads a tag from the PLC itself when its address is known, else through the gateway (reads pass unchanged). */
  async plcValue(tag: TagPolicy): Promise<{ value: number; via: string }> {
    // The PLC address of READY / --plc is the profile's first Modbus device.
    const direct = tag.device === firstModbusDevice(this.o.profile) ? this.o.target.plc?.modbus : undefined;
    const master = direct ? await ModbusMaster.connect(hostPort(direct), this.device(tag).unit) : await this.gatewayMaster(tag);
    try {
      return { value: await master.read(tag), via: direct ? `the PLC at ${direct}` : `a read through the gateway at ${this.o.target.modbus}` };
    } finally {
      await master.close();
    }
  }

  device(tag: TagPolicy): ModbusDevice {
    const d = this.o.profile.devices.get(tag.device);
    if (!d || d.protocol !== 'modbus') throw new Error(`${tag.name}: device ${tag.device} is not a Modbus device`);
    return d;
  }

  actorKeyPath(actor: string): string {
    return join(this.o.keysDir, 'actors', `${actor}.jwk`);
  }

  governanceKeyPath(): string | undefined {
    const p = join(this.o.keysDir, 'governance.jwk');
    return existsSync(p) ? p : undefined;
  }

  /** The tags and actors the OQ checks use; throws when the profile has none that fit. */
  subjects(): Subjects {
    this.subjectsCache ??= chooseSubjects(this.o.profile, (a) => existsSync(this.actorKeyPath(a)));
    return this.subjectsCache;
  }
}

function firstModbusDevice(profile: Profile): string | undefined {
  return [...profile.devices.values()].find((d) => d.protocol === 'modbus')?.id;
}

const NUMERIC = new Set(['float32', 'uint16', 'int16', 'int32', 'uint32']);

function chooseSubjects(profile: Profile, hasKey: (actor: string) => boolean): Subjects {
  // Tags of one device, the first Modbus device (its PLC is the one READY / --plc names).
  const device = firstModbusDevice(profile);
  const modbusTags = [...profile.tags.values()].filter(
    (t) => t.device === device && t.modbus && t.modbus.table === 'holding' && NUMERIC.has(t.type) && t.min !== undefined && t.max !== undefined && t.writeRoles.length > 0 && t.minIntervalMs === 0 && profile.devices.get(t.device)?.protocol === 'modbus',
  );
  const free = modbusTags.filter((t) => t.approvals.count === 0).sort((a, b) => Number(b.maxStep !== undefined) - Number(a.maxStep !== undefined));
  const approval = modbusTags.find((t) => t.approvals.count > 0);
  for (const tag of free) {
    const writer = [...profile.actors.values()].find((a) => a.modbusSources.length > 0 && tag.writeRoles.includes(a.role) && hasKey(a.id) && (!approval || approval.writeRoles.includes(a.role)))
      ?? [...profile.actors.values()].find((a) => a.modbusSources.length > 0 && tag.writeRoles.includes(a.role) && hasKey(a.id));
    if (!writer) continue;
    const taken = new Set([...profile.actors.values()].flatMap((a) => a.modbusSources));
    let stranger = '';
    for (let i = 250; i > 1 && !stranger; i--) if (!taken.has(`127.0.0.${i}`)) stranger = `127.0.0.${i}`;
    return {
      free: tag,
      ...(approval && approval.writeRoles.includes(writer.role) ? { approval } : {}),
      writer,
      writerSource: writer.modbusSources[0] as string,
      strangerSource: stranger,
    };
  }
  throw new Error('the profile has no numeric Modbus holding tag with limits, without approvals and min interval, that an actor with a Modbus source and an actor key may write');
}
