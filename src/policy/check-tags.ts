/**
 * Semantic checks of devices, tags and methods, after the schema passed:
 * references resolve, bindings fit the device's protocol and the tag's
 * type, Modbus addresses do not overlap, limits make sense.
 */
import type { CheckContext } from './check-context.js';
import { registersFor, type RawTag } from './raw.js';
import { didYouMean } from './suggest.js';
import { FLOAT32_MAX, INT_RANGES, isIntegerType, isNumericType } from './values.js';

interface Span {
  readonly name: string;
  readonly first: number;
  readonly last: number;
}

export function checkTags(ctx: CheckContext): void {
  const spans = new Map<string, Span[]>(); // "device/space" -> spans
  const nodeIds = new Map<string, string>(); // "device node_id" -> tag
  for (const [name, tag] of Object.entries(ctx.raw.tags)) {
    const at = ['tags', name] as const;
    checkLimits(ctx, name, tag);
    checkWriteRoles(ctx, [...at, 'write_roles'], tag.write_roles ?? []);
    const device = ctx.raw.devices[tag.device];
    if (!device) {
      ctx.error([...at, 'device'], `tag ${name}: device '${tag.device}' is not defined under devices${didYouMean(tag.device, Object.keys(ctx.raw.devices))}`);
      continue;
    }
    const wrong = device.protocol === 'modbus' ? 'opcua' : 'modbus';
    if (tag[wrong]) ctx.error([...at, wrong], `tag ${name}: device ${tag.device} is ${device.protocol}, so it takes no ${wrong} binding`, 'key');
    if (!tag[device.protocol]) {
      const what = device.protocol === 'modbus' ? 'modbus: {table, address}' : 'opcua: {node_id}';
      ctx.error(at, `tag ${name}: device ${tag.device} is ${device.protocol}, so the tag needs ${what}`, 'key');
    }
    if (device.protocol === 'modbus' && tag.modbus) checkModbus(ctx, name, tag, spans);
    if (device.protocol === 'opcua' && tag.opcua) {
      const key = `${tag.device} ${tag.opcua.node_id}`;
      const other = nodeIds.get(key);
      if (other) ctx.error([...at, 'opcua', 'node_id'], `tag ${name}: node ${tag.opcua.node_id} is already tag ${other}`);
      else nodeIds.set(key, name);
    }
  }
  checkMethods(ctx);
}

function checkModbus(ctx: CheckContext, name: string, tag: RawTag, spans: Map<string, Span[]>): void {
  const m = tag.modbus!;
  const at = ['tags', name, 'modbus'] as const;
  const bits = m.table === 'coil' || m.table === 'discrete';
  if (tag.type === 'string') {
    ctx.error(['tags', name, 'type'], `tag ${name}: string tags exist on OPC UA devices only`);
    return;
  }
  if (bits && tag.type !== 'bool') {
    ctx.error([...at, 'table'], `tag ${name}: a ${m.table} holds one bit, so the type must be bool, not ${tag.type}`);
  }
  if ((m.table === 'input' || m.table === 'discrete') && (tag.write_roles ?? []).length > 0) {
    ctx.error(['tags', name, 'write_roles'], `tag ${name}: ${m.table === 'input' ? 'input registers' : 'discrete inputs'} are read-only; remove write_roles`, 'key');
  }
  const count = bits ? 1 : registersFor(tag.type);
  const span: Span = { name, first: m.address, last: m.address + count - 1 };
  if (span.last > 65535) {
    ctx.error([...at, 'address'], `tag ${name}: ${tag.type} at ${m.address} spans ${count} registers, past the last address 65535`);
    return;
  }
  const space = `${tag.device}/${bits ? (m.table === 'coil' ? 'coil' : 'discrete') : m.table}`;
  const taken = spans.get(space) ?? [];
  const clash = taken.find((s) => s.first <= span.last && span.first <= s.last);
  if (clash) {
    ctx.error([...at, 'address'], `tag ${name}: ${m.table} ${range(span)} overlaps tag ${clash.name} (${m.table} ${range(clash)})`);
  }
  taken.push(span);
  spans.set(space, taken);
}

function checkLimits(ctx: CheckContext, name: string, tag: RawTag): void {
  const at = ['tags', name] as const;
  if (!isNumericType(tag.type)) {
    for (const key of ['min', 'max', 'max_step'] as const) {
      if (tag[key] !== undefined) ctx.error([...at, key], `tag ${name}: ${tag.type} tags have no ${key}`, 'key');
    }
    return;
  }
  for (const key of ['min', 'max', 'max_step'] as const) {
    const v = tag[key];
    if (v === undefined) continue;
    if (!Number.isFinite(v)) ctx.error([...at, key], `tag ${name}: ${key} must be a finite number`);
    else if (isIntegerType(tag.type)) {
      const [lo, hi] = INT_RANGES[tag.type];
      if (!Number.isInteger(v)) ctx.error([...at, key], `tag ${name}: ${key} ${v} must be a whole number for ${tag.type}`);
      else if (key !== 'max_step' && (v < lo || v > hi)) ctx.error([...at, key], `tag ${name}: ${key} ${v} is outside the ${tag.type} range ${lo}..${hi}`);
    } else if (tag.type === 'float32' && Math.abs(v) > FLOAT32_MAX) {
      ctx.error([...at, key], `tag ${name}: ${key} ${v} is outside the float32 range`);
    }
  }
  if (tag.min !== undefined && tag.max !== undefined && tag.min > tag.max) {
    ctx.error([...at, 'min'], `tag ${name}: min ${tag.min} is greater than max ${tag.max}`);
  }
}

function checkMethods(ctx: CheckContext): void {
  for (const [name, method] of Object.entries(ctx.raw.methods ?? {})) {
    const at = ['methods', name] as const;
    checkWriteRoles(ctx, [...at, 'call_roles'], method.call_roles ?? []);
    const device = ctx.raw.devices[method.device];
    if (!device) {
      ctx.error([...at, 'device'], `method ${name}: device '${method.device}' is not defined under devices${didYouMean(method.device, Object.keys(ctx.raw.devices))}`);
    } else if (device.protocol !== 'opcua') {
      ctx.error([...at, 'device'], `method ${name}: device ${method.device} is ${device.protocol}; methods exist on OPC UA devices only`);
    }
    const seen = new Set<string>();
    for (const [i, arg] of (method.args ?? []).entries()) {
      if (seen.has(arg.name)) ctx.error([...at, 'args', i, 'name'], `method ${name}: argument ${arg.name} is listed twice`);
      seen.add(arg.name);
    }
  }
}

/** Roles that may write or call must be held by some actor: a typo here would silently lock a tag. */
function checkWriteRoles(ctx: CheckContext, path: readonly (string | number)[], roles: readonly string[]): void {
  const held = ctx.actorRoles();
  roles.forEach((role, i) => {
    if (!held.has(role)) ctx.error([...path, i], `role '${role}' is held by no actor${didYouMean(role, held)}`);
  });
}

function range(s: Span): string {
  return s.first === s.last ? `${s.first}` : `${s.first}-${s.last}`;
}
