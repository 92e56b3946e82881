/**
 * Profile value types <-> OPC UA built-in DataTypes, and the strict check a
 * client's Variant must pass before the gate sees it. node-opcua skips its
 * own type checks on the engine write hook (docs/opcua.md), so this is the
 * only type check a gated write gets: the DataType must be exactly the
 * tag's (OPC UA Part 4 §5.10.4: BadTypeMismatch), scalar, and representable
 * as a canonical value string (src/policy/values.ts).
 */
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { TagType } from '../../policy/types.js';
import { formatValue, parseValue } from '../../policy/values.js';

const { DataType, Variant, VariantArrayType } = nodeOpcua;
type DataType = NodeOpcua.DataType;
type Variant = NodeOpcua.Variant;

export const DATA_TYPES: Readonly<Record<TagType, DataType>> = {
  bool: DataType.Boolean,
  int16: DataType.Int16,
  uint16: DataType.UInt16,
  int32: DataType.Int32,
  uint32: DataType.UInt32,
  float32: DataType.Float,
  float64: DataType.Double,
  string: DataType.String,
};

export type Canonical = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string; readonly shown: string };

/** The canonical value string of a client's Variant, or why it does not fit the tag's type. */
export function canonicalOf(type: TagType, variant: Variant | null | undefined): Canonical {
  if (!variant) return { ok: false, reason: 'no value', shown: '' };
  const shown = showValue(variant.value);
  if (variant.arrayType !== VariantArrayType.Scalar) return { ok: false, reason: `expected a scalar ${DataType[DATA_TYPES[type]]}, got an array`, shown };
  if (variant.dataType !== DATA_TYPES[type]) {
    return { ok: false, reason: `expected DataType ${DataType[DATA_TYPES[type]]}, got ${DataType[variant.dataType] ?? variant.dataType}`, shown };
  }
  try {
    const value = formatValue(type, variant.value as number | boolean | string);
    const parsed = parseValue(type, value);
    if (!parsed.ok) return { ok: false, reason: parsed.reason, shown };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, reason: (err as Error).message, shown };
  }
}

/** A Variant for a canonical value string (for forwarding to the PLC). */
export function variantOf(type: TagType, value: string): Variant {
  const parsed = parseValue(type, value);
  if (!parsed.ok) throw new TypeError(`'${value}' is not a valid ${type}: ${parsed.reason}`);
  return new Variant({ dataType: DATA_TYPES[type], value: parsed.value });
}

/** A canonical string for a value read from the PLC (best effort; undefined when it does not fit). */
export function canonicalFromPlc(type: TagType, value: unknown): string | undefined {
  try {
    return formatValue(type, value as number | boolean | string);
  } catch {
    return undefined;
  }
}

/** Short printable form of an untrusted value, for receipts and logs. */
function showValue(v: unknown): string {
  const s = typeof v === 'string' ? v : Array.isArray(v) ? `[array ${v.length}]` : String(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
