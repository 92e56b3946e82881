/** Options of startModbusSim, resolved once into a fully-populated object. */

/**
 * What the simulator does with a request for a unit id it does not serve:
 * - 'exception': answer exception 0x0B "gateway target device failed to respond"
 *   (App. Protocol v1.1b3 §7), so a client fails fast instead of timing out;
 * - 'ignore': send no answer, like a serial device that is not addressed.
 */
export type OtherUnitPolicy = 'ignore' | 'exception';

/** Which plant the tables model: the skid (unit 1 of the demo) or the dosing pump drive (unit 2). */
export type SimPlant = 'skid' | 'dosing';

export interface SerialLineOptions {
  baud?: number;
  parity?: 'none' | 'even' | 'odd';
  dataBits?: 7 | 8;
  stopBits?: 1 | 2;
}

export interface ModbusSimOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Modbus TCP (MBAP) listen port; default 0 (an ephemeral port, read it back from `sim.port`). */
  port?: number;
  /** Serve Modbus TCP (MBAP) at all; default true. */
  mbap?: boolean;
  /** Also serve RTU framing on this TCP port (0 = ephemeral; read it back from `sim.rtuPort`). */
  rtuPort?: number;
  /** Also serve RTU on this serial device (e.g. one end of a socat pty pair). */
  serialPath?: string;
  /** The serial line's settings; default 19200 baud, even parity, 8 data bits, 1 stop bit. */
  serial?: SerialLineOptions;
  /** The plant behind the tables; default 'skid'. */
  plant?: SimPlant;
  /** The unit id served; default 1. */
  unitId?: number;
  /** Also serve unit id 0xFF as this device (Impl. Guide v1.0b §3.1.3 recommends 0xFF for directly addressed TCP servers); default false. */
  answerUnit255?: boolean;
  /** Requests for any other unit id (including 0, broadcast, which TCP does not support); default 'exception'. */
  answerOtherUnits?: OtherUnitPolicy;
  /** Append every applied write as a JSON line to this file. */
  logFile?: string;
  /** Process model period in ms; default 100. */
  tickMs?: number;
  /** Run the skid process model on a timer; default true. With false the tables still start
   *  with the skid's initial values and settled inputs, but inputs never move. */
  model?: boolean;
  /** Entries in each of the four tables; default 1000. */
  tableSize?: number;
}

export interface ResolvedModbusSimOptions {
  readonly host: string;
  readonly port: number;
  readonly mbap: boolean;
  readonly rtuPort: number | undefined;
  readonly serialPath: string | undefined;
  readonly serial: Required<SerialLineOptions>;
  readonly plant: SimPlant;
  readonly unitId: number;
  readonly answerUnit255: boolean;
  readonly answerOtherUnits: OtherUnitPolicy;
  readonly logFile: string | undefined;
  readonly tickMs: number;
  readonly model: boolean;
  readonly tableSize: number;
}

/** The skid map needs holding register 110; smaller tables cannot hold it. */
export const MIN_TABLE_SIZE_WITH_MODEL = 111;

export class ModbusSimOptionError extends Error {
  readonly code = 'bad_option';
  constructor(message: string) {
    super(`modbus sim: ${message}`);
    this.name = 'ModbusSimOptionError';
  }
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ModbusSimOptionError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: ModbusSimOptions = {}): ResolvedModbusSimOptions {
  const model = options.model ?? true;
  const policy = options.answerOtherUnits ?? 'exception';
  if (policy !== 'ignore' && policy !== 'exception') {
    throw new ModbusSimOptionError(`answerOtherUnits must be 'ignore' or 'exception', got ${String(policy)}`);
  }
  const tableSize = integerIn('tableSize', options.tableSize ?? 1000, (options.plant ?? 'skid') === 'dosing' ? 201 : MIN_TABLE_SIZE_WITH_MODEL, 65536);
  const plant = options.plant ?? 'skid';
  if (plant !== 'skid' && plant !== 'dosing') throw new ModbusSimOptionError(`plant must be 'skid' or 'dosing', got ${String(plant)}`);
  const mbap = options.mbap ?? true;
  if (!mbap && options.rtuPort === undefined && options.serialPath === undefined) throw new ModbusSimOptionError('nothing to serve: give MBAP, an RTU port or a serial path');
  const sl = options.serial ?? {};
  return {
    host: options.host ?? '127.0.0.1',
    port: integerIn('port', options.port ?? 0, 0, 65535),
    mbap,
    rtuPort: options.rtuPort === undefined ? undefined : integerIn('rtuPort', options.rtuPort, 0, 65535),
    serialPath: options.serialPath,
    serial: { baud: sl.baud ?? 19200, parity: sl.parity ?? 'even', dataBits: sl.dataBits ?? 8, stopBits: sl.stopBits ?? 1 },
    plant,
    unitId: integerIn('unitId', options.unitId ?? 1, 1, 255),
    answerUnit255: options.answerUnit255 ?? false,
    answerOtherUnits: policy,
    logFile: options.logFile,
    tickMs: integerIn('tickMs', options.tickMs ?? 100, 1, 60_000),
    model,
    tableSize,
  };
}
