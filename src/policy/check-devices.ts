/**
 * Semantic checks of the Modbus topology, after the schema passed: every
 * Modbus device has its own unit id at the gateway's one Modbus front, at
 * most one device takes unit ids 0 / 255 (`default`), devices that share an
 * RS-485 line (or one serial-to-Ethernet converter) agree on its settings
 * and have distinct unit ids on it.
 */
import type { CheckContext } from './check-context.js';
import type { RawDevice } from './raw.js';

export function checkDevices(ctx: CheckContext): void {
  const units = new Map<number, string>();
  const defaults: string[] = [];
  const lines = new Map<string, { id: string; settings: string; units: Map<number, string> }>();
  for (const [id, d] of Object.entries(ctx.raw.devices)) {
    if (d.protocol !== 'modbus') continue;
    const at = ['devices', id] as const;
    const unit = d.unit ?? 1;
    const owner = units.get(unit);
    if (owner !== undefined) {
      ctx.error(d.unit === undefined ? at : [...at, 'unit'], `device ${id}: unit ${unit}${d.unit === undefined ? ' (the default)' : ''} is already device ${owner}'s; unit ids are unique at the gateway's Modbus front`, d.unit === undefined ? 'key' : 'value');
    } else units.set(unit, id);
    if (d.default === true) {
      if (defaults.length > 0) ctx.error([...at, 'default'], `device ${id}: device ${defaults[0]} is already the default (unit ids 0 and 255 go to one device)`);
      defaults.push(id);
    }
    const line = lineOf(d);
    if (!line) continue;
    const plcUnit = d.plc_unit ?? unit;
    const known = lines.get(line.key);
    if (!known) {
      lines.set(line.key, { id, settings: line.settings, units: new Map([[plcUnit, id]]) });
      continue;
    }
    if (known.settings !== line.settings) {
      ctx.error([...at, 'serial'], `device ${id}: serial line ${d.serial!.path} is also used by device ${known.id} with other settings (${known.settings}); devices on one line share its settings`);
    }
    const onLine = known.units.get(plcUnit);
    if (onLine !== undefined) {
      const where = d.transport === 'rtu' ? `serial line ${d.serial!.path}` : `${d.host}:${d.port ?? 502}`;
      ctx.error(d.plc_unit !== undefined ? [...at, 'plc_unit'] : d.unit !== undefined ? [...at, 'unit'] : at, `device ${id}: unit ${plcUnit} on ${where} is already device ${onLine}'s; set plc_unit to the unit the PLC answers`);
    } else known.units.set(plcUnit, id);
  }
}

/** Devices that share one RTU line: the same serial path, or the same converter host:port. */
function lineOf(d: RawDevice): { key: string; settings: string } | undefined {
  if (d.transport === 'rtu' && d.serial) {
    const s = d.serial;
    return { key: `serial ${s.path}`, settings: `${s.baud} baud, parity ${s.parity}, ${s.data_bits} data bits, ${s.stop_bits} stop bit${s.stop_bits > 1 ? 's' : ''}` };
  }
  if (d.transport === 'rtu_over_tcp') return { key: `tcp ${d.host}:${d.port ?? 502}`, settings: '' };
  return undefined;
}
