/**
 * One Modbus RTU line: a serial port (RS-485 half duplex) or a TCP socket
 * to a serial-to-Ethernet converter. Every device on the line shares it, so
 * requests go out strictly one at a time (Modbus over serial line v1.02,
 * 2.1: one master, one request outstanding), each waits for its own answer
 * within the device's timeout, and the line keeps the inter-frame gap of
 * silence before the next request. The line opens on demand; after a
 * failure to open, requests fail fast until `retryMs` has passed.
 */
import type { Duplex } from 'node:stream';
import { PlcUnavailable } from './errors.js';
import { decodeRtu, encodeRtu, responseLength } from './rtu-frame.js';

export interface RtuLineOptions {
  /** For messages: "serial /dev/ttyUSB0" or "rtu-over-tcp 10.0.0.9:4001". */
  readonly name: string;
  readonly open: () => Promise<Duplex>;
  /** How long after a failed open the next attempt may be made. */
  readonly retryMs?: number;
  /** Silence after an answer with an unknown length (FC 43) that ends it. */
  readonly silenceMs?: number;
}

export interface RtuRequest {
  readonly unit: number;
  readonly pdu: Buffer;
  readonly timeoutMs: number;
  readonly gapMs: number;
}

export class RtuLine {
  private stream: Duplex | undefined;
  private opening: Promise<Duplex> | undefined;
  private lastOpenError: { at: number; message: string } | undefined;
  private rx: Buffer = Buffer.alloc(0);
  private onBytes: (() => void) | undefined;
  private onDrop: ((err: Error) => void) | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly o: RtuLineOptions) {}

  /** Up: the line is open; down: the last attempt to open it failed (with why); unknown: not tried yet. */
  state(): { up: boolean | undefined; error?: string } {
    if (this.stream) return { up: true };
    if (this.lastOpenError) return { up: false, error: this.lastOpenError.message };
    return { up: undefined };
  }

  /** Opens the line now (at start, so a missing serial port is reported at once); never throws. */
  async probe(): Promise<void> {
    await this.connection().catch(() => undefined);
  }

  /** Resolves when the line is open (opening it if needed); throws PlcUnavailable (noPath) when it cannot be. */
  async ensureOpen(): Promise<void> {
    await this.connection();
  }

  /** One request on the line, after every earlier one finished; resolves with the answer PDU. */
  request(r: RtuRequest): Promise<Buffer> {
    const run = this.tail.then(() => this.exchange(r));
    this.tail = run.catch(() => undefined).then(() => gap(r.gapMs));
    return run;
  }

  private async exchange(r: RtuRequest): Promise<Buffer> {
    if (this.closed) throw new PlcUnavailable(`${this.o.name} is closed`);
    const stream = await this.connection();
    this.rx = Buffer.alloc(0); // stray bytes from an earlier, timed-out answer
    return new Promise<Buffer>((resolve, reject) => {
      let silence: NodeJS.Timeout | undefined;
      const done = (err: Error | undefined, pdu?: Buffer) => {
        clearTimeout(timer);
        clearTimeout(silence);
        this.onBytes = undefined;
        this.onDrop = undefined;
        if (err) reject(err);
        else resolve(pdu!);
      };
      const timer = setTimeout(() => done(new PlcUnavailable(`unit ${r.unit} on ${this.o.name} did not answer within ${r.timeoutMs} ms`, true)), r.timeoutMs);
      const finish = (frame: Buffer) => {
        const a = decodeRtu(frame);
        if (!a.ok) return done(new PlcUnavailable(`bad answer from unit ${r.unit} on ${this.o.name}: ${a.reason}`, true));
        if (a.unit !== r.unit) return done(new PlcUnavailable(`answer on ${this.o.name} came from unit ${a.unit}, expected ${r.unit}`, true));
        if ((a.pdu[0]! & 0x7f) !== r.pdu[0]) return done(new PlcUnavailable(`answer from unit ${r.unit} has function code ${a.pdu[0]}, expected ${r.pdu[0]}`, true));
        done(undefined, a.pdu);
      };
      this.onBytes = () => {
        const need = responseLength(this.rx);
        if (need === 'more') return;
        if (need === 'unknown') {
          clearTimeout(silence);
          silence = setTimeout(() => finish(this.rx), this.o.silenceMs ?? 20);
          return;
        }
        if (this.rx.length >= need) finish(this.rx.subarray(0, need));
      };
      this.onDrop = (err) => done(new PlcUnavailable(`${this.o.name} closed while waiting for unit ${r.unit}: ${err.message}`, true));
      stream.write(encodeRtu(r.unit, r.pdu));
    });
  }

  private connection(): Promise<Duplex> {
    if (this.stream) return Promise.resolve(this.stream);
    if (this.opening) return this.opening;
    const last = this.lastOpenError;
    if (last && Date.now() - last.at < (this.o.retryMs ?? 2000)) {
      return Promise.reject(new PlcUnavailable(`${this.o.name} is not available: ${last.message}`, false, true));
    }
    this.opening = this.o
      .open()
      .then((s) => {
        this.lastOpenError = undefined;
        this.stream = s;
        s.on('data', (chunk: Buffer) => {
          this.rx = this.rx.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.rx, chunk]);
          this.onBytes?.();
        });
        const drop = (err?: Error) => {
          if (this.stream !== s) return;
          this.stream = undefined;
          this.onDrop?.(err ?? new Error('closed'));
        };
        s.on('error', drop);
        s.on('close', () => drop());
        return s;
      })
      .catch((err: Error) => {
        this.lastOpenError = { at: Date.now(), message: err.message };
        throw new PlcUnavailable(`cannot open ${this.o.name}: ${err.message}`, false, true);
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.stream;
    this.stream = undefined;
    s?.destroy();
  }
}

function gap(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
