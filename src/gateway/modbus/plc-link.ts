/**
 * A Modbus TCP connection from the gateway to the PLC. Frames are sent as
 * given (the client's transaction id is preserved) and answers are matched
 * by transaction id. Connects lazily, reconnects on the next request after
 * a failure, and fails a request that gets no answer within its timeout.
 */
import { Socket, connect } from 'node:net';
import { FrameReader, type Frame } from './mbap.js';

export class PlcUnavailable extends Error {
  /** True when the request had been written to the PLC connection: the PLC may have applied it. */
  constructor(
    message: string,
    readonly sent = false,
  ) {
    super(message);
    this.name = 'PlcUnavailable';
  }
}

interface Waiter {
  resolve(f: Frame): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class PlcLink {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private nextTid = 1;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 2000,
  ) {}

  /** A transaction id for the gateway's own requests. */
  tid(): number {
    this.nextTid = (this.nextTid + 1) & 0xffff;
    return this.nextTid;
  }

  async send(frame: Buffer): Promise<Frame> {
    const socket = await this.connection();
    const tid = frame.readUInt16BE(0);
    if (this.waiters.has(tid)) throw new PlcUnavailable(`transaction ${tid} already in flight to the PLC`);
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(tid);
        reject(new PlcUnavailable(`PLC ${this.host}:${this.port} did not answer transaction ${tid} within ${this.timeoutMs} ms`, true));
      }, this.timeoutMs);
      this.waiters.set(tid, { resolve, reject, timer });
      socket.write(frame);
    });
  }

  private connection(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port, noDelay: true });
      const reader = new FrameReader();
      const fail = (err: Error) => {
        this.connecting = undefined;
        reject(new PlcUnavailable(`cannot reach PLC ${this.host}:${this.port}: ${err.message}`));
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        s.setNoDelay(true);
        this.socket = s;
        this.connecting = undefined;
        s.on('data', (chunk: Buffer) => {
          const { frames, error } = reader.push(chunk);
          for (const f of frames) {
            const w = this.waiters.get(f.tid);
            if (!w) continue; // late answer to a timed-out request: dropped
            this.waiters.delete(f.tid);
            clearTimeout(w.timer);
            w.resolve(f);
          }
          if (error) s.destroy(new Error(`PLC sent a bad frame: ${error.detail}`));
        });
        s.on('error', () => {});
        s.on('close', () => {
          this.socket = undefined;
          for (const [tid, w] of this.waiters) {
            clearTimeout(w.timer);
            w.reject(new PlcUnavailable(`PLC connection closed before answering transaction ${tid}`, true));
          }
          this.waiters.clear();
        });
        resolve(s);
      });
    });
    return this.connecting;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
