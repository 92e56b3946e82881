export { startModbusSim, type ModbusSim, type ModbusSimStats } from './server.js';
export {
  resolveOptions,
  ModbusSimOptionError,
  type ModbusSimOptions,
  type ResolvedModbusSimOptions,
  type OtherUnitPolicy,
} from './options.js';
export { describeModbusSim } from './describe.js';
export type { WriteRecord } from './write-log.js';
export type { AppliedWrite, WriteTable } from './pdu-types.js';
export { SKID, SKID_INITIAL, SKID_PHYSICS, STATUS_BITS } from './skid-map.js';
export { float32ToWords, wordsToFloat32 } from './memory.js';
export { MbapReader, encodeMbap, type MbapFrame, type FramingError } from './mbap.js';
export { handlePdu, SUPPORTED_FUNCTION_CODES } from './pdu.js';
export { ModbusMemory } from './memory.js';
export * as ModbusExceptions from './exceptions.js';
