/**
 * A profile skeleton from what an importer found on a PLC or in a register
 * map: one device, its tags and methods, nobody allowed to write
 * (`write_roles: []`, `call_roles: []`) until a person assigns roles, no
 * actors yet. The YAML is checked with the same loader as `taogate profile
 * check` before anyone sees it, so an import never hands out a profile that
 * does not pass the check.
 */
import { stringify } from 'yaml';
import { parseProfile, ProfileError, type ProfileIssue } from '../policy/index.js';
import type { ModbusTable, TagType, WordOrder } from '../policy/types.js';
import { FLOAT32_MAX, INT_RANGES } from '../policy/values.js';

export interface SkeletonTag {
  /** Full tag name (device.name). */
  readonly name: string;
  readonly type: TagType;
  readonly units?: string;
  readonly description?: string;
  readonly min?: number;
  readonly max?: number;
  readonly opcua?: { readonly nodeId: string };
  readonly modbus?: { readonly table: ModbusTable; readonly address: number; readonly wordOrder?: WordOrder };
}

export interface SkeletonMethod {
  readonly name: string;
  readonly description?: string;
  readonly objectId: string;
  readonly methodId: string;
  readonly args: readonly { readonly name: string; readonly type: TagType }[];
}

export interface Skeleton {
  readonly gateway: { readonly id: string; readonly site: string };
  readonly deviceId: string;
  /** The device entry as it goes into the YAML (snake_case keys). */
  readonly device: Readonly<Record<string, unknown>>;
  readonly tags: readonly SkeletonTag[];
  readonly methods?: readonly SkeletonMethod[];
  /** Comment lines for the top of the file (what was imported, from where, what was skipped). */
  readonly header: readonly string[];
}

/** Keeps min/max only when they fit the type (the profile check refuses limits a type cannot hold). */
export function fittingLimits(type: TagType, low: number | undefined, high: number | undefined): { min?: number; max?: number } {
  if (type === 'bool' || type === 'string') return {};
  const range: readonly [number, number] = type === 'float32' ? [-FLOAT32_MAX, FLOAT32_MAX] : type === 'float64' ? [-Number.MAX_VALUE, Number.MAX_VALUE] : INT_RANGES[type];
  const integer = type !== 'float32' && type !== 'float64';
  const fits = (v: number | undefined) => v !== undefined && Number.isFinite(v) && v >= range[0] && v <= range[1] && (!integer || Number.isInteger(v));
  const out: { min?: number; max?: number } = {};
  if (fits(low)) out.min = low;
  if (fits(high)) out.max = high;
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) return {};
  return out;
}

/** Turns a browse name or CSV name into a dotted-name segment: letters, digits, '_' and '-', not starting with a digit. */
export function nameSegment(raw: string): string {
  const s = raw.trim().replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') return '_';
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}

export function renderSkeleton(s: Skeleton): string {
  const doc = {
    version: 1,
    gateway: s.gateway,
    devices: { [s.deviceId]: s.device },
    tags: Object.fromEntries(
      s.tags.map((t) => [
        t.name,
        {
          device: s.deviceId,
          type: t.type,
          ...(t.units ? { units: t.units } : {}),
          ...(t.description ? { description: t.description } : {}),
          ...(t.opcua ? { opcua: { node_id: t.opcua.nodeId } } : {}),
          ...(t.modbus ? { modbus: { table: t.modbus.table, address: t.modbus.address, ...(t.modbus.wordOrder ? { word_order: t.modbus.wordOrder } : {}) } } : {}),
          ...(t.min !== undefined ? { min: t.min } : {}),
          ...(t.max !== undefined ? { max: t.max } : {}),
          write_roles: [],
        },
      ]),
    ),
    ...(s.methods && s.methods.length > 0
      ? {
          methods: Object.fromEntries(
            s.methods.map((m) => [
              m.name,
              { device: s.deviceId, ...(m.description ? { description: m.description } : {}), opcua: { object_id: m.objectId, method_id: m.methodId }, args: m.args.map((a) => ({ name: a.name, type: a.type })), call_roles: [] },
            ]),
          ),
        }
      : {}),
    actors: {},
  };
  const header = [
    'yaml-language-server: $schema=https://taogate.dev/schemas/profile-v1.schema.json',
    ...s.header,
    'Nothing is writable yet: give write_roles / call_roles, limits (max_step, approvals) and',
    'actors, then run `taogate profile check` on this file.',
  ];
  return `${header.map((l) => `# ${l}`.trimEnd()).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
}

/** The loader's verdict on the generated text ([] = it passes `profile check`). */
export function skeletonIssues(text: string, name: string): ProfileIssue[] {
  try {
    parseProfile(text, name);
    return [];
  } catch (err) {
    if (err instanceof ProfileError) return [...err.errors];
    throw err;
  }
}
