export { startOpcuaSim } from './server.js';
export { describeOpcuaSim } from './describe.js';
export { METHODS, TAGS, tagNodeId, REACTOR_NAMESPACE_INDEX } from './tags.js';
export type { MethodSpec, TagDataType, TagSpec } from './tags.js';
export type {
  BatchState,
  CallLogEntry,
  ClientInfo,
  OpcuaSim,
  OpcuaSimOptions,
  OpcuaSimSecurity,
  ReactorTag,
  SimLogEntry,
  TagValue,
  WriteLogEntry,
} from './types.js';
