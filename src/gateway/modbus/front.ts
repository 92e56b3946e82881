/**
 * The Modbus TCP front: one listening port in front of every Modbus device
 * of the profile, told apart by unit id (units.ts). Writes (FC 5, 6, 15,
 * 16, 22, 23) are held for the gate; reads pass through. Requests of one
 * client connection are answered in order; many connections are served at
 * once, and they share each device's small pool of PLC connections
 * (src/devices/modbus). A connection that stays idle too long is closed,
 * and one source address may hold only so many connections.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ModbusDeviceLinks } from '../../devices/modbus/devices.js';
import { FrameReader } from '../../devices/modbus/mbap.js';
import type { ModbusDevice, ModbusExceptionClass, Profile } from '../../policy/types.js';
import type { Front } from '../front.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { modbusExceptions, type ModbusExceptionConfig } from './exceptions.js';
import { ModbusRequests } from './requests.js';
import { UnitRouter } from './units.js';

export interface ModbusFrontOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  /** Default: every Modbus device of the profile. */
  readonly devices?: readonly ModbusDevice[];
  /** Overrides on top of the profile's gateway.modbus_exceptions. */
  readonly exceptions?: Partial<Record<ModbusExceptionClass, number>>;
  /** Default: the profile's gateway.modbus_idle_timeout_s. */
  readonly idleTimeoutMs?: number;
  /** Default: the profile's gateway.modbus_max_connections_per_source. */
  readonly maxConnectionsPerSource?: number;
  readonly log: GateLogger;
}

export class ModbusFront implements Front {
  readonly name = 'modbus' as const;
  readonly links: ModbusDeviceLinks;
  private readonly router: UnitRouter;
  private readonly exceptions: ModbusExceptionConfig;
  private readonly sockets = new Set<Socket>();
  private readonly perSource = new Map<string, number>();
  /** Connections refused over the cap, per source, since its last warning (one warning a minute per source). */
  private readonly overCap = new Map<string, { refused: number; warnedAt: number }>();
  private readonly outcomes = new Set<Promise<void>>();
  private server: Server | undefined;
  private requests: ModbusRequests | undefined;

  constructor(private readonly o: ModbusFrontOptions) {
    const devices = o.devices ?? [...o.profile.devices.values()].filter((d): d is ModbusDevice => d.protocol === 'modbus');
    this.links = new ModbusDeviceLinks(devices);
    this.router = new UnitRouter(o.profile, this.links);
    this.exceptions = modbusExceptions({ ...o.profile.modbusFront.exceptions, ...o.exceptions });
  }

  owns(tag: string): boolean {
    return this.router.forTag(tag) !== undefined;
  }

  async readCurrent(tag: string): Promise<string | undefined> {
    const route = this.router.forTag(tag);
    if (!route || !this.requests) return undefined;
    return this.requests.readTag(route, tag);
  }

  /** Each Modbus device's link, up or down, for /readyz. */
  devices(): readonly { device: string; up: boolean; detail: string }[] {
    return this.links.all().map((l) => {
      const s = l.state();
      const d = l.device;
      const where = d.transport === 'rtu' ? `serial ${d.serial!.path}` : `${d.transport === 'tcp' ? 'tcp' : 'rtu-over-tcp'} ${d.host}:${d.port}`;
      return { device: d.id, up: s.up !== false, detail: s.up === false ? `${where}: ${s.error ?? 'down'}` : `${where}${s.up === undefined ? ' (not used yet)' : ''}` };
    });
  }

  async start(gate: Gate): Promise<string> {
    this.requests = new ModbusRequests(gate, this.router, this.exceptions, this.o.log, (p) => this.track(p));
    // Serial lines open now, so a missing or busy port is reported at start. The gateway keeps
    // serving the other devices; the line is tried again on the next request to one of its devices.
    for (const f of await this.links.probeLines()) {
      const units = this.links
        .all()
        .filter((l) => l.device.transport === 'rtu' && `serial ${l.device.serial!.path}` === f.line)
        .map((l) => `${l.device.id} (unit ${l.device.unit})`);
      this.o.log.error({ line: f.line, err: f.error }, `cannot open ${f.line}: ${f.error}; ${units.join(', ')} answer exception 0x${this.exceptions.no_path.toString(16).padStart(2, '0')} until it opens (tried again on each request)`);
    }
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : `${this.o.host}:${this.o.port}`);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await Promise.allSettled([...this.outcomes]);
    await this.links.close();
  }

  private track(p: Promise<void>): void {
    this.outcomes.add(p);
    void p.finally(() => this.outcomes.delete(p));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const source = `${remote}:${socket.remotePort ?? 0}`;
    const cap = this.o.maxConnectionsPerSource ?? this.o.profile.modbusFront.maxConnectionsPerSource;
    const open = this.perSource.get(remote) ?? 0;
    if (open >= cap) {
      const o = this.overCap.get(remote) ?? { refused: 0, warnedAt: 0 };
      o.refused++;
      if (Date.now() - o.warnedAt >= 60_000) {
        this.o.log.warn({ source, open, cap, refused: o.refused }, `modbus connection refused: ${remote} already holds ${open} connections (cap ${cap}); ${o.refused} refused since the last warning`);
        o.refused = 0;
        o.warnedAt = Date.now();
      }
      this.overCap.set(remote, o);
      socket.destroy();
      return;
    }
    this.perSource.set(remote, open + 1);
    this.sockets.add(socket);
    const idleMs = this.o.idleTimeoutMs ?? this.o.profile.modbusFront.idleTimeoutS * 1000;
    socket.setTimeout(idleMs, () => {
      this.o.log.info({ source, idleMs }, 'modbus connection idle: closed');
      socket.destroy();
    });
    const actor = [...this.o.profile.actors.values()].find((a) => a.modbusSources.includes(remote))?.id ?? null;
    const client = { actor, source };
    const reader = new FrameReader();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const frame of frames) {
        chain = chain.then(() => this.requests!.handle(frame, client).then((answer) => void (!socket.destroyed && socket.write(answer))));
      }
      if (error) {
        this.o.log.warn({ source, error: error.error, detail: error.detail }, 'modbus framing error: closing connection');
        chain = chain.then(async () => {
          socket.destroy();
          await this.requests!.refuseFraming(client, error.detail);
        });
      }
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      const n = (this.perSource.get(remote) ?? 1) - 1;
      if (n <= 0) this.perSource.delete(remote);
      else this.perSource.set(remote, n);
    });
  }
}

/** "::ffff:127.0.0.1" -> "127.0.0.1" */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
