/** Options of startModbusSim, resolved once into a fully-populated object. */

/**
 * What the simulator does with a request for a unit id it does not serve:
 * - 'exception': answer exception 0x0B "gateway target device failed to respond"
 *   (App. Protocol v1.1b3 §7), so a client fails fast instead of timing out;
 * - 'ignore': send no answer, like a serial device that is not addressed.
 */
export type OtherUnitPolicy = 'ignore' | 'exception';

export interface ModbusSimOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (an ephemeral port, read it back from `sim.port`). */
  port?: number;
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
  const tableSize = integerIn('tableSize', options.tableSize ?? 1000, MIN_TABLE_SIZE_WITH_MODEL, 65536);
  return {
    host: options.host ?? '127.0.0.1',
    port: integerIn('port', options.port ?? 0, 0, 65535),
    unitId: integerIn('unitId', options.unitId ?? 1, 1, 255),
    answerUnit255: options.answerUnit255 ?? false,
    answerOtherUnits: policy,
    logFile: options.logFile,
    tickMs: integerIn('tickMs', options.tickMs ?? 100, 1, 60_000),
    model,
    tableSize,
  };
}
