/**
 * The reactor's tag table: one row per OPC UA variable, independent of
 * node-opcua so that describe.ts (used by --help) stays cheap to import.
 */
import type { ReactorState } from './model.js';
import type { ReactorTag, TagValue } from './types.js';

export const REACTOR_NAMESPACE_INDEX = 1;

export type TagDataType = 'Double' | 'Int32' | 'String';

/** Engineering units (OPC UA standard units, UNECE codes) of the analog tags. */
export type TagUnit = 'degree_celsius' | 'revolutions_per_minute';

export interface TagSpec {
  tag: ReactorTag;
  dataType: TagDataType;
  writable: boolean;
  description: string;
  /** Analog items carry EngineeringUnits and EURange properties (what a profile import reads). */
  analog?: { units: TagUnit; low: number; high: number };
  read(s: ReactorState): TagValue;
  /** Only for writable tags: applies a type-checked value to the model. */
  write?(s: ReactorState, value: number): void;
}

export const TAGS: readonly TagSpec[] = [
  {
    tag: 'reactor.temp_sp',
    dataType: 'Double',
    writable: true,
    description: 'reactor temperature setpoint, degC (initial 80)',
    analog: { units: 'degree_celsius', low: 0, high: 200 },
    read: (s) => s.tempSp,
    write: (s, v) => { s.tempSp = v; },
  },
  {
    tag: 'reactor.agitator_rpm',
    dataType: 'Int32',
    writable: true,
    description: 'agitator speed setpoint, rpm (initial 120)',
    analog: { units: 'revolutions_per_minute', low: 0, high: 1000 },
    read: (s) => s.agitatorRpm,
    write: (s, v) => { s.agitatorRpm = v; },
  },
  {
    tag: 'reactor.jacket_limit',
    dataType: 'Double',
    writable: true,
    description: 'highest jacket temperature, degC (initial 120)',
    analog: { units: 'degree_celsius', low: 0, high: 250 },
    read: (s) => s.jacketLimit,
    write: (s, v) => { s.jacketLimit = v; },
  },
  {
    tag: 'reactor.temp_pv',
    dataType: 'Double',
    writable: false,
    description: 'reactor temperature, degC; follows the jacket with a ~5 s lag',
    analog: { units: 'degree_celsius', low: 0, high: 250 },
    read: (s) => s.tempPv,
  },
  {
    tag: 'reactor.agitator_pv',
    dataType: 'Double',
    writable: false,
    description: 'agitator speed, rpm; ramps toward agitator_rpm at 60 rpm/s',
    analog: { units: 'revolutions_per_minute', low: 0, high: 1000 },
    read: (s) => s.agitatorPv,
  },
  {
    tag: 'reactor.batch_state',
    dataType: 'String',
    writable: false,
    description: 'Idle | Running | Stopped',
    read: (s) => s.batchState,
  },
  {
    tag: 'reactor.batch_id',
    dataType: 'String',
    writable: false,
    description: 'id of the current or last batch ("" before the first)',
    read: (s) => s.batchId,
  },
];

export interface MethodSpec {
  name: 'StartBatch' | 'Stop';
  nodeId: string;
  signature: string;
  description: string;
}

export const METHODS: readonly MethodSpec[] = [
  {
    name: 'StartBatch',
    nodeId: `ns=${REACTOR_NAMESPACE_INDEX};s=reactor.StartBatch`,
    signature: 'StartBatch(recipeId: String) -> (batchId: String)',
    description: 'BadInvalidArgument for an empty recipe, BadInvalidState when Running',
  },
  {
    name: 'Stop',
    nodeId: `ns=${REACTOR_NAMESPACE_INDEX};s=reactor.Stop`,
    signature: 'Stop()',
    description: 'batch_state becomes Stopped (accepted in every state)',
  },
];

export function tagNodeId(tag: ReactorTag): string {
  return `ns=${REACTOR_NAMESPACE_INDEX};s=${tag}`;
}

export function findTag(tag: string): TagSpec | undefined {
  return TAGS.find((t) => t.tag === tag);
}
