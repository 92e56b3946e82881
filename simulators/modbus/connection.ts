/**
 * One client connection: frames the byte stream, filters by unit id, runs
 * each request against the tables and answers in order. Handling is
 * synchronous, so the answers to pipelined requests leave in request order
 * (Impl. Guide v1.0b §4.4.2: the server answers each transaction with its
 * own transaction id).
 */
import type { Socket } from 'node:net';
import { GATEWAY_TARGET_FAILED, exceptionPdu } from './exceptions.js';
import { MbapReader, encodeMbap, type MbapFrame } from './mbap.js';
import type { ModbusMemory } from './memory.js';
import type { ResolvedModbusSimOptions } from './options.js';
import { handlePdu } from './pdu.js';
import type { WriteLog } from './write-log.js';

export interface MutableStats {
  connections: number;
  openConnections: number;
  /** Requests answered (normal or exception). */
  requests: number;
  /** Of those, exception answers. */
  exceptions: number;
  /** Requests for another unit id that got no answer ('ignore'). */
  ignored: number;
  /** Connections closed for a framing error (protocol id != 0, bad length). */
  framingErrors: number;
}

export interface ConnectionContext {
  readonly options: ResolvedModbusSimOptions;
  readonly memory: ModbusMemory;
  readonly log: WriteLog;
  readonly stats: MutableStats;
}

export function formatSource(address: string | undefined, port: number | undefined): string {
  const ip = (address ?? 'unknown').replace(/^::ffff:/, '');
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

export function serveConnection(socket: Socket, ctx: ConnectionContext): void {
  // Impl. Guide v1.0b §4.3.2 (TCP parameterization): small request/response frames, no Nagle delay.
  socket.setNoDelay(true);
  const source = formatSource(socket.remoteAddress, socket.remotePort);
  const reader = new MbapReader();
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    const { frames, error } = reader.push(chunk);
    const answers: Buffer[] = [];
    for (const frame of frames) {
      const answer = answerFrame(frame, ctx, source);
      if (answer !== undefined) answers.push(answer);
    }
    if (answers.length > 0) {
      const flushed = socket.write(answers.length === 1 ? answers[0]! : Buffer.concat(answers));
      // Back-pressure: a client that pipelines without reading must not grow our buffers.
      if (!flushed) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    }
    if (error !== undefined) {
      // Impl. Guide §3.1.3: protocol id 0 is MODBUS; a stream that is not MBAP cannot be resynchronised.
      ctx.stats.framingErrors++;
      socket.destroy();
    }
  });
}

function servesUnit(unitId: number, options: ResolvedModbusSimOptions): boolean {
  return unitId === options.unitId || (options.answerUnit255 && unitId === 0xff);
}

function answerFrame(frame: MbapFrame, ctx: ConnectionContext, source: string): Buffer | undefined {
  const { options, stats } = ctx;
  if (!servesUnit(frame.unitId, options)) {
    // Unit 0 (broadcast) is not supported on TCP; other units are not behind this device.
    if (options.answerOtherUnits === 'ignore') {
      stats.ignored++;
      return undefined;
    }
    stats.requests++;
    stats.exceptions++;
    return encodeMbap(frame.transactionId, frame.unitId, exceptionPdu(frame.pdu[0]!, GATEWAY_TARGET_FAILED)); // §7 code 0B
  }
  const result = handlePdu(frame.pdu, ctx.memory);
  stats.requests++;
  if (result.exception !== undefined) stats.exceptions++;
  if (result.write !== undefined) {
    ctx.log.append({ ts: Date.now(), unit: frame.unitId, ...result.write, source });
  }
  return encodeMbap(frame.transactionId, frame.unitId, result.response);
}
