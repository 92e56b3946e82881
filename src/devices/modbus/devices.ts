/**
 * The field side of the Modbus front: one link per Modbus device of the
 * profile. TCP devices get their own connection pool; RTU devices that share
 * a serial line (or one serial-to-Ethernet converter) share one RtuLine, so
 * the line carries one request at a time whatever device it is for.
 */
import type { ModbusDevice } from '../../policy/types.js';
import { PlcUnavailable } from './errors.js';
import { serialOpener, tcpOpener } from './line-openers.js';
import { RtuLine } from './rtu-line.js';
import { TcpPool } from './tcp-pool.js';

export interface DeviceState {
  /** true: reachable; false: the last attempt failed; undefined: not tried yet (TCP opens on demand). */
  readonly up: boolean | undefined;
  readonly error?: string;
}

export interface ModbusDeviceLink {
  readonly device: ModbusDevice;
  /** Sends one request PDU to the device; resolves with its answer PDU (possibly an exception answer). Throws PlcUnavailable. */
  request(pdu: Buffer): Promise<Buffer>;
  /** Resolves when the device can be sent a request now; throws PlcUnavailable (noPath) when its line cannot be opened. */
  ready(): Promise<void>;
  state(): DeviceState;
}

class TcpDeviceLink implements ModbusDeviceLink {
  private last: DeviceState = { up: undefined };
  constructor(
    readonly device: ModbusDevice,
    readonly pool: TcpPool,
  ) {}

  async request(pdu: Buffer): Promise<Buffer> {
    try {
      const answer = await this.pool.request(this.device.plcUnit, pdu);
      this.last = { up: true };
      return answer;
    } catch (err) {
      this.last = { up: false, error: (err as Error).message };
      throw err;
    }
  }

  async ready(): Promise<void> {
    try {
      await this.pool.ensureReachable();
    } catch (err) {
      this.last = { up: false, error: (err as Error).message };
      throw err;
    }
  }

  state(): DeviceState {
    return this.last;
  }
}

class RtuDeviceLink implements ModbusDeviceLink {
  private last: DeviceState = { up: undefined };
  constructor(
    readonly device: ModbusDevice,
    readonly line: RtuLine,
  ) {}

  async request(pdu: Buffer): Promise<Buffer> {
    const d = this.device;
    try {
      const answer = await this.line.request({ unit: d.plcUnit, pdu, timeoutMs: d.timeoutMs, gapMs: d.interFrameGapMs });
      this.last = { up: true };
      return answer;
    } catch (err) {
      this.last = { up: false, error: (err as Error).message };
      throw err;
    }
  }

  ready(): Promise<void> {
    return this.line.ensureOpen();
  }

  state(): DeviceState {
    const line = this.line.state();
    return line.up === false ? line : this.last;
  }
}

export class ModbusDeviceLinks {
  private readonly links = new Map<string, ModbusDeviceLink>();
  private readonly pools: TcpPool[] = [];
  private readonly lines = new Map<string, RtuLine>();

  constructor(devices: readonly ModbusDevice[]) {
    for (const d of devices) this.links.set(d.id, this.linkFor(d));
  }

  private linkFor(d: ModbusDevice): ModbusDeviceLink {
    if (d.transport === 'tcp') {
      const pool = new TcpPool({ host: d.host, port: d.port, maxConnections: d.maxConnections, timeoutMs: d.timeoutMs });
      this.pools.push(pool);
      return new TcpDeviceLink(d, pool);
    }
    const key = d.transport === 'rtu' ? `serial ${d.serial!.path}` : `rtu-over-tcp ${d.host}:${d.port}`;
    let line = this.lines.get(key);
    if (!line) {
      line = new RtuLine({ name: key, open: d.transport === 'rtu' ? serialOpener(d.serial!) : tcpOpener(d.host, d.port, d.timeoutMs) });
      this.lines.set(key, line);
    }
    return new RtuDeviceLink(d, line);
  }

  get(id: string): ModbusDeviceLink {
    const link = this.links.get(id);
    if (!link) throw new PlcUnavailable(`no Modbus device '${id}'`, false, true);
    return link;
  }

  all(): ModbusDeviceLink[] {
    return [...this.links.values()];
  }

  /** Opens every serial line now; returns the lines that could not be opened (name and why). */
  async probeLines(): Promise<{ line: string; error: string }[]> {
    const failed: { line: string; error: string }[] = [];
    for (const [name, line] of this.lines) {
      if (!name.startsWith('serial ')) continue;
      await line.probe();
      const s = line.state();
      if (s.up === false) failed.push({ line: name, error: s.error ?? 'unknown error' });
    }
    return failed;
  }

  /** Most connections one TCP device's pool held at once. */
  peakConnections(id: string): number {
    const link = this.links.get(id);
    return link instanceof TcpDeviceLink ? link.pool.peak : link ? 1 : 0;
  }

  async close(): Promise<void> {
    for (const p of this.pools) p.close();
    for (const l of this.lines.values()) await l.close();
  }
}
