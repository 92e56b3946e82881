/**
 * The OPC UA front: the gateway's own OPC UA server, in front of the PLCs
 * of the profile's `opcua` devices. Clients connect to it as if it were the
 * PLC: they browse, read and subscribe the mirrored tags, and every Write of
 * a Value and every Call of a profile method goes through the gate with the
 * session's actor (write-hook.ts, call.ts). See server.ts for security and
 * identity, address-space.ts for the nodes, audit.ts for the events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataValue, OPCUAServer, UAVariable, Variant } from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { OpcuaDevice, Profile, TagPolicy } from '../../policy/types.js';
import { OpcuaPlcSession, PlcUnavailable, type DeviceHealth } from '../../devices/opcua/index.js';
import type { Front } from '../front.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { buildGatewayNodes, gatewayNodeId } from './address-space.js';
import { AuditEvents } from './audit.js';
import { gatedCall, presentTao } from './call.js';
import { findFreePort } from './free-port.js';
import { ActorDirectory } from './identity.js';
import { plcPkiDir } from './pki-dir.js';
import { createServer } from './server.js';
import { canonicalFromPlc } from './variants.js';
import { gatedWrite, type EngineWrite } from './write-hook.js';

const { resolveNodeId, StatusCodes } = nodeOpcua;

export interface OpcuaFrontOptions {
  readonly host: string;
  /** 0 = a free port. */
  readonly port: number;
  readonly profile: Profile;
  readonly devices: readonly OpcuaDevice[];
  /**
   * Certificates; default a temp dir removed on close(). PKI/server: the
   * front's own server PKI (client certificates it trusts); PKI/plc-client:
   * the gateway's client certificate towards the PLCs and the PLC server
   * certificates it trusts; PKI/user: user certificates.
   */
  readonly pkiDir?: string;
  /** Where a device's relative password_file / user_cert / user_key are resolved (the gateway's keys dir). Default: the working dir. */
  readonly keysDir?: string;
  /** Trust every client application certificate on first use (demo); default false. */
  readonly autoAcceptClientCertificates?: boolean;
  /** Offer SecurityPolicy None (default false; the demo and tests turn it on). */
  readonly allowSecurityNone?: boolean;
  readonly plcTimeoutMs?: number;
  /** How long start() waits for the PLCs before serving anyway. Default 3000. */
  readonly plcConnectWaitMs?: number;
  readonly log: GateLogger;
}

export class OpcuaFront implements Front {
  readonly name = 'opcua' as const;
  private readonly actors: ActorDirectory;
  private readonly links = new Map<string, OpcuaPlcSession>();
  private readonly variables = new Map<string, UAVariable>();
  private readonly outcomes = new Set<Promise<void>>();
  private server: OPCUAServer | undefined;
  private tempPki: string | undefined;

  constructor(private readonly o: OpcuaFrontOptions) {
    this.actors = new ActorDirectory(o.profile);
  }

  owns(tag: string): boolean {
    const t = this.o.profile.tags.get(tag);
    return t?.opcua !== undefined && this.o.devices.some((d) => d.id === t.device);
  }

  /** Reads the PLC itself (not the mirror): step checks and read-backs need the value now. */
  async readCurrent(tagName: string): Promise<string | undefined> {
    const tag = this.o.profile.tags.get(tagName);
    const link = tag ? this.links.get(tag.device) : undefined;
    if (!tag?.opcua || !link) return undefined;
    const dv = await link.read(tag.opcua.nodeId);
    if (!dv.statusCode.isGood()) throw new PlcUnavailable(`PLC answered ${dv.statusCode.name} reading ${tagName}`);
    return canonicalFromPlc(tag.type, dv.value.value);
  }

  async start(gate: Gate): Promise<string> {
    const pkiDir = this.o.pkiDir ?? (this.tempPki = mkdtempSync(join(tmpdir(), 'taogate-opcua-front-')));
    const port = this.o.port === 0 ? await findFreePort(this.o.host) : this.o.port;
    const server = createServer({
      host: this.o.host,
      port,
      pkiDir,
      autoAcceptClientCertificates: this.o.autoAcceptClientCertificates ?? false,
      allowSecurityNone: this.o.allowSecurityNone ?? false,
      actors: this.actors,
      gatewayId: this.o.profile.gateway.id,
      log: this.o.log,
    });
    this.server = server;
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('opcua front: no address space after initialize()');
    const audit = new AuditEvents(addressSpace);
    const track = (p: Promise<void>) => {
      this.outcomes.add(p);
      void p.finally(() => this.outcomes.delete(p));
    };
    const ns = addressSpace.getOwnNamespace().index;
    const nodes = buildGatewayNodes(addressSpace, this.o.profile, this.o.devices, {
      call: (method, args, context) =>
        gatedCall({ gate, actors: this.actors, links: this.links, audit, log: this.o.log, track, methodNode: (m) => resolveNodeId(gatewayNodeId(ns, m.name)) }, method, args, context),
      present: (envelope, context) => presentTao({ gate, actors: this.actors }, envelope, context),
    });
    for (const [tag, v] of nodes.variables) this.variables.set(tag, v);

    (server.engine as unknown as { write: EngineWrite }).write = gatedWrite({
      gate,
      actors: this.actors,
      tagsByNodeId: nodes.tagsByNodeId,
      links: this.links,
      audit,
      log: this.o.log,
      nodeExists: (nodeId) => addressSpace.findNode(nodeId) !== null,
      nodeOf: (tag) => this.variables.get(tag.name)!.nodeId,
      mirrored: (tag) => this.mirrored(tag),
      refreshFromPlc: async (tag) => {
        const link = this.links.get(tag.device);
        if (!link || !tag.opcua) return undefined;
        const dv = await link.read(tag.opcua.nodeId);
        this.mirror(tag, dv);
        if (dv.sourceTimestamp) this.refreshedAt.set(tag.name, dv.sourceTimestamp.getTime());
        return dv;
      },
      readCurrent: (tag) => this.readCurrent(tag),
      track,
    });

    for (const device of this.o.devices) {
      const tags = [...this.o.profile.tags.values()].filter((t) => t.device === device.id && t.opcua);
      const link = new OpcuaPlcSession({
        device,
        tags,
        pkiDir: plcPkiDir(pkiDir),
        keysDir: this.o.keysDir ?? process.cwd(),
        log: this.o.log,
        timeoutMs: this.o.plcTimeoutMs,
        // A notification sampled before the read that followed a write must not put the older value back.
        onValue: (tag, dv) => {
          const after = this.refreshedAt.get(tag.name);
          if (after !== undefined && dv.sourceTimestamp && dv.sourceTimestamp.getTime() < after) return;
          this.mirror(tag, dv);
        },
        onLost: () => this.markLost(device.id),
      });
      this.links.set(device.id, link);
    }
    await Promise.all([...this.links.values()].map((l) => l.start(this.o.plcConnectWaitMs ?? 3000)));
    await server.start();
    const endpoint = `opc.tcp://${this.o.host}:${port}`;
    this.o.log.info({ endpoint, devices: this.o.devices.map((d) => d.id) }, 'OPC UA front listening');
    return endpoint;
  }

  /** Each PLC link: up, or down and why (for /readyz). */
  devices(): DeviceHealth[] {
    return this.o.devices.map((d) => this.links.get(d.id)?.health() ?? { device: d.id, up: false, detail: 'not started' });
  }

  /** PLC source time of the last read after an acknowledged write, per tag. */
  private readonly refreshedAt = new Map<string, number>();

  /** The only way a gateway variable changes: a PLC data change, with its status and source timestamp. */
  private mirror(tag: TagPolicy, dv: DataValue): void {
    this.variables.get(tag.name)?.setValueFromSource(dv.value, dv.statusCode, dv.sourceTimestamp ?? new Date());
  }

  private markLost(device: string): void {
    for (const [name, v] of this.variables) {
      if (this.o.profile.tags.get(name)?.device !== device) continue;
      v.setValueFromSource(v.readValue().value, StatusCodes.UncertainNoCommunicationLastUsableValue);
    }
  }

  private mirrored(tag: TagPolicy): Variant | undefined {
    return this.variables.get(tag.name)?.readValue().value;
  }

  async close(): Promise<void> {
    await this.server?.shutdown(0).catch((err: Error) => this.o.log.warn({ err: err.message }, 'OPC UA front shutdown failed'));
    await Promise.allSettled([...this.outcomes]);
    await Promise.all([...this.links.values()].map((l) => l.close()));
    if (this.tempPki) rmSync(this.tempPki, { recursive: true, force: true });
  }
}
