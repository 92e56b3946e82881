/**
 * A small pool of Modbus TCP connections to one PLC, shared by every client
 * of the gateway's front: at most `maxConnections` are open (real PLCs
 * accept 4-16), each carries one request at a time, and requests wait in
 * order for a free connection. Connections open on demand and are reused.
 */
import { PlcUnavailable } from './errors.js';
import { MbapConnection } from './mbap-connection.js';

export interface TcpPoolOptions {
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
  readonly timeoutMs: number;
}

interface Queued {
  resolve(c: MbapConnection): void;
  reject(e: Error): void;
}

export class TcpPool {
  private readonly idle: MbapConnection[] = [];
  private readonly busy = new Set<MbapConnection>();
  private opening = 0;
  private readonly queue: Queued[] = [];
  private closed = false;
  /** Most connections open at once since start (for tests and metrics). */
  peak = 0;

  constructor(readonly o: TcpPoolOptions) {}

  get openConnections(): number {
    return this.idle.length + this.busy.size;
  }

  async request(unit: number, pdu: Buffer): Promise<Buffer> {
    const conn = await this.acquire();
    try {
      return (await conn.request(unit, pdu, this.o.timeoutMs)).pdu;
    } finally {
      this.release(conn);
    }
  }

  /** Resolves when a connection is open or can be opened now; throws PlcUnavailable (noPath) when the PLC cannot be reached. */
  async ensureReachable(): Promise<void> {
    if (this.idle.some((c) => c.open) || this.busy.size > 0) return;
    this.release(await this.acquire());
  }

  private acquire(): Promise<MbapConnection> {
    if (this.closed) return Promise.reject(new PlcUnavailable('device link closed'));
    let conn: MbapConnection | undefined;
    while ((conn = this.idle.pop())) {
      if (conn.open) {
        this.busy.add(conn);
        return Promise.resolve(conn);
      }
    }
    if (this.openConnections + this.opening < this.o.maxConnections) return this.openOne();
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  private async openOne(): Promise<MbapConnection> {
    this.opening++;
    try {
      const conn = await MbapConnection.open(this.o.host, this.o.port, this.o.timeoutMs, () => this.dropped(conn));
      if (this.closed) {
        conn.close();
        throw new PlcUnavailable('device link closed');
      }
      this.busy.add(conn);
      this.peak = Math.max(this.peak, this.openConnections);
      return conn;
    } finally {
      this.opening--;
    }
  }

  private release(conn: MbapConnection): void {
    this.busy.delete(conn);
    if (this.closed || !conn.open) {
      this.serveQueue();
      return;
    }
    const next = this.queue.shift();
    if (next) {
      this.busy.add(conn);
      next.resolve(conn);
    } else this.idle.push(conn);
  }

  /** A connection closed: its slot is free for a waiting request. */
  private dropped(conn: MbapConnection): void {
    this.busy.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    this.serveQueue();
  }

  private serveQueue(): void {
    while (this.queue.length > 0 && this.openConnections + this.opening < this.o.maxConnections) {
      const next = this.queue.shift()!;
      this.openOne().then(next.resolve, next.reject);
    }
  }

  close(): void {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new PlcUnavailable('device link closed'));
    for (const c of [...this.idle, ...this.busy]) c.close();
    this.idle.length = 0;
    this.busy.clear();
  }
}
