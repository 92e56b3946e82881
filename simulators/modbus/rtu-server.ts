/**
 * The simulator's Modbus RTU side: the same tables and function codes as the
 * TCP side, served as RTU frames on a serial device (serialport) or on a TCP
 * port (what a serial-to-Ethernet converter in transparent mode carries).
 * As on a real RS-485 line, a request for another unit id gets no answer,
 * and a broadcast (unit 0) write is applied without an answer
 * (Modbus over serial line v1.02, 2.1).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionContext } from './connection.js';
import { handlePdu } from './pdu.js';
import { encodeRtu, RtuRequestReader } from './rtu.js';

export interface SerialLine {
  readonly baud: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
}

/** Serves RTU requests arriving on a byte stream until it closes. */
export function serveRtuStream(stream: Duplex, ctx: ConnectionContext, source: string): void {
  const reader = new RtuRequestReader();
  let silence: NodeJS.Timeout | undefined;
  const answer = (frame: Buffer) => {
    const unit = frame[0]!;
    if (unit !== 0 && unit !== ctx.options.unitId) {
      ctx.stats.ignored++;
      return;
    }
    const result = handlePdu(frame.subarray(1, frame.length - 2), ctx.memory);
    if (result.write !== undefined) ctx.log.append({ ts: Date.now(), unit, ...result.write, source });
    if (unit === 0) return; // broadcast: applied, never answered
    ctx.stats.requests++;
    if (result.exception !== undefined) ctx.stats.exceptions++;
    stream.write(encodeRtu(unit, result.response));
  };
  stream.on('data', (chunk: Buffer) => {
    clearTimeout(silence);
    const { frames, waiting } = reader.push(chunk);
    for (const f of frames) answer(f);
    if (waiting) {
      silence = setTimeout(() => {
        const f = reader.flush();
        if (f) answer(f);
      }, 20);
    }
  });
  stream.on('error', () => stream.destroy());
  stream.on('close', () => clearTimeout(silence));
}

export async function listenRtuTcp(host: string, port: number, ctx: ConnectionContext, sockets: Set<Socket>): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    ctx.stats.connections++;
    ctx.stats.openConnections++;
    socket.once('close', () => {
      sockets.delete(socket);
      ctx.stats.openConnections--;
    });
    serveRtuStream(socket, ctx, `${(socket.remoteAddress ?? '').replace(/^::ffff:/, '')}:${socket.remotePort ?? 0}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Opens the serial device and serves RTU on it; resolves with a closer. */
export async function openRtuSerial(path: string, line: SerialLine, ctx: ConnectionContext): Promise<Duplex> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: line.baud, parity: line.parity, dataBits: line.dataBits, stopBits: line.stopBits, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`modbus sim: cannot open serial port ${path}: ${err.message.replace(/^Error: /, '')}`)) : resolve())));
  serveRtuStream(port, ctx, `serial:${path}`);
  return port;
}
