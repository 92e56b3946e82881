/**
 * startModbusSim: a Modbus TCP server on node:net with the skid's tables,
 * process model and write log.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { serveConnection, type MutableStats } from './connection.js';
import { DosingModel } from './dosing-model.js';
import { ModbusMemory, readFloat32 } from './memory.js';
import { resolveOptions, type ModbusSimOptions, type ResolvedModbusSimOptions } from './options.js';
import { listenRtuTcp, openRtuSerial } from './rtu-server.js';
import { initSkid } from './skid-model.js';
import { WriteLog, type WriteRecord } from './write-log.js';

export type ModbusSimStats = Readonly<MutableStats> & { readonly writes: number; readonly logFileErrors: number };

export interface ModbusSim {
  readonly host: string;
  /** The Modbus TCP (MBAP) port; 0 when MBAP is off. */
  readonly port: number;
  /** "host:port" of the MBAP side ('' when off). */
  readonly address: string;
  /** The RTU-over-TCP port, when served. */
  readonly rtuPort: number | undefined;
  /** "host:port" of the RTU-over-TCP side, when served. */
  readonly rtuAddress: string | undefined;
  /** The serial device served with RTU, when given. */
  readonly serialPath: string | undefined;
  readonly unitId: number;
  readonly options: ResolvedModbusSimOptions;
  /** Closes every client socket and the listener, and stops the model. Idempotent. */
  close(): Promise<void>;
  /** A copy of the write log (applied writes only), oldest first. */
  writes(): WriteRecord[];
  holding(address: number, count: number): number[];
  inputRegisters(address: number, count: number): number[];
  coils(address: number, count: number): boolean[];
  discreteInputs(address: number, count: number): boolean[];
  /** float32 ABCD from two holding registers. */
  readFloat32(address: number): number;
  /** float32 ABCD from two input registers. */
  readInputFloat32(address: number): number;
  /** Sets holding registers directly (for tests); NOT logged as a client write. */
  setHolding(address: number, values: readonly number[]): void;
  /** Sets coils directly (for tests); NOT logged as a client write. */
  setCoils(address: number, values: readonly boolean[]): void;
  stats(): ModbusSimStats;
}

export async function startModbusSim(options: ModbusSimOptions = {}): Promise<ModbusSim> {
  const opts = resolveOptions(options);
  const memory = new ModbusMemory(opts.tableSize);
  const log = new WriteLog(opts.logFile);
  const stats: MutableStats = { connections: 0, openConnections: 0, requests: 0, exceptions: 0, ignored: 0, framingErrors: 0 };
  const sockets = new Set<Socket>();

  // The plant's register map and initial values are always there; `model` decides whether it moves.
  const model = opts.plant === 'dosing' ? new DosingModel(memory) : initSkid(memory);
  let timer: NodeJS.Timeout | undefined;
  if (opts.model) {
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      model.step((now - last) / 1000);
      last = now;
    }, opts.tickMs);
    timer.unref();
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    stats.connections++;
    stats.openConnections++;
    socket.once('close', () => {
      sockets.delete(socket);
      stats.openConnections--;
    });
    serveConnection(socket, { options: opts, memory, log, stats });
  });

  const ctx = { options: opts, memory, log, stats };
  let rtuServer: Server | undefined;
  let serial: Duplex | undefined;
  try {
    if (opts.mbap) await listen(server, opts.host, opts.port);
    if (opts.rtuPort !== undefined) rtuServer = await listenRtuTcp(opts.host, opts.rtuPort, ctx, sockets);
    if (opts.serialPath !== undefined) serial = await openRtuSerial(opts.serialPath, opts.serial, ctx);
  } catch (err) {
    if (timer !== undefined) clearInterval(timer);
    if (server.listening) server.close();
    rtuServer?.close();
    throw err;
  }
  server.on('error', (err) => process.emitWarning(`modbus sim ${opts.host}:${opts.port}: ${err.message}`));
  const portOf = (srv: Server | undefined) => {
    const a = srv?.listening ? srv.address() : null;
    return typeof a === 'object' && a !== null ? a.port : 0;
  };
  const port = portOf(server);
  const rtuPort = rtuServer ? portOf(rtuServer) : undefined;

  const check = (address: number, count: number): void => {
    if (!memory.inRange(address, count)) {
      throw new RangeError(`modbus sim: ${address}..${address + count - 1} is outside the tables (size ${memory.size})`);
    }
  };
  let closing: Promise<void> | undefined;

  return {
    host: opts.host,
    port,
    address: opts.mbap ? `${opts.host}:${port}` : '',
    rtuPort,
    rtuAddress: rtuPort === undefined ? undefined : `${opts.host}:${rtuPort}`,
    serialPath: opts.serialPath,
    unitId: opts.unitId,
    options: opts,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (timer !== undefined) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        serial?.destroy();
        rtuServer?.close();
        if (server.listening) server.close(() => resolve());
        else resolve();
      });
      return closing;
    },
    writes: () => log.list(),
    holding(address, count) {
      check(address, count);
      return Array.from(memory.holding.subarray(address, address + count));
    },
    inputRegisters(address, count) {
      check(address, count);
      return Array.from(memory.input.subarray(address, address + count));
    },
    coils(address, count) {
      check(address, count);
      return Array.from(memory.coils.subarray(address, address + count), (b) => b === 1);
    },
    discreteInputs(address, count) {
      check(address, count);
      return Array.from(memory.discreteInputs.subarray(address, address + count), (b) => b === 1);
    },
    readFloat32(address) {
      check(address, 2);
      return readFloat32(memory.holding, address);
    },
    readInputFloat32(address) {
      check(address, 2);
      return readFloat32(memory.input, address);
    },
    setHolding(address, values) {
      check(address, values.length);
      for (const v of values) {
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`modbus sim: register value ${v} is not a uint16`);
      }
      memory.holding.set(values, address);
    },
    setCoils(address, values) {
      check(address, values.length);
      memory.coils.set(values.map((b) => (b ? 1 : 0)), address);
    },
    stats: () => ({ ...stats, writes: log.size, logFileErrors: log.fileErrorCount }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
