/**
 * One Modbus TCP connection from the gateway to a PLC. Requests carry the
 * gateway's own transaction ids and answers are matched by them; a request
 * that gets no answer within its timeout fails (the connection is then
 * dropped, so a late answer can never be taken for the next request's).
 */
import { connect, type Socket } from 'node:net';
import { PlcUnavailable } from './errors.js';
import { encodeFrame, FrameReader, type Frame } from './mbap.js';

interface Waiter {
  resolve(f: Frame): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class MbapConnection {
  private readonly waiters = new Map<number, Waiter>();
  private nextTid = 0;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly where: string,
    private readonly onClose: () => void,
  ) {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const f of frames) {
        const w = this.waiters.get(f.tid);
        if (!w) continue;
        this.waiters.delete(f.tid);
        clearTimeout(w.timer);
        w.resolve(f);
      }
      if (error) socket.destroy(new Error(`PLC sent a bad frame: ${error.detail}`));
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const [tid, w] of this.waiters) {
        clearTimeout(w.timer);
        w.reject(new PlcUnavailable(`connection to PLC ${where} closed before it answered transaction ${tid}`, true));
      }
      this.waiters.clear();
      this.onClose();
    });
  }

  static open(host: string, port: number, timeoutMs: number, onClose: () => void): Promise<MbapConnection> {
    const where = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => s.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(new PlcUnavailable(`cannot reach PLC ${where}: ${err.message}`, false, true));
      };
      s.once('error', fail);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        s.setNoDelay(true);
        resolve(new MbapConnection(s, where, onClose));
      });
    });
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  get inFlight(): number {
    return this.waiters.size;
  }

  /** Sends one request PDU; resolves with the answer frame (which may be an exception answer). */
  request(unit: number, pdu: Buffer, timeoutMs: number): Promise<Frame> {
    if (!this.open) return Promise.reject(new PlcUnavailable(`connection to PLC ${this.where} is closed`));
    this.nextTid = (this.nextTid + 1) & 0xffff;
    const tid = this.nextTid;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(tid);
        reject(new PlcUnavailable(`PLC ${this.where} did not answer within ${timeoutMs} ms`, true));
        this.socket.destroy();
      }, timeoutMs);
      this.waiters.set(tid, { resolve, reject, timer });
      this.socket.write(encodeFrame(tid, unit, pdu));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
