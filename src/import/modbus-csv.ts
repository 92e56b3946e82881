/**
 * `taogate profile import modbus-csv`: a register map in CSV, the form PLC
 * programming tools and drive manuals export,
 *
 *   name,table,address,type,word_order,units,min,max,description
 *
 * -> a profile skeleton for one Modbus device. The header row names the
 * columns (any order, case-insensitive; name, table, address and type are
 * required, unknown columns are ignored). Every bad row is reported with its
 * line number; nothing is written unless every row is good and the result
 * passes the profile check.
 */
import type { ModbusTable, TagType, WordOrder } from '../policy/types.js';
import { CsvError, parseCsv } from './csv.js';
import { fittingLimits, nameSegment, renderSkeleton, skeletonIssues, type SkeletonTag } from './skeleton.js';

export interface CsvImportOptions {
  readonly file: string;
  readonly text: string;
  readonly device: string;
  readonly host: string;
  readonly port: number;
  readonly unit: number;
  readonly gateway: { readonly id: string; readonly site: string };
}

export type CsvImportResult = { readonly ok: true; readonly yaml: string; readonly tags: number } | { readonly ok: false; readonly errors: readonly string[] };

const COLUMNS = ['name', 'table', 'address', 'type', 'word_order', 'units', 'min', 'max', 'description'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['name', 'table', 'address', 'type'];

const TABLES: Readonly<Record<string, ModbusTable>> = {
  holding: 'holding', holding_register: 'holding', hr: 'holding', '4x': 'holding',
  input: 'input', input_register: 'input', ir: 'input', '3x': 'input',
  coil: 'coil', coils: 'coil', '0x': 'coil',
  discrete: 'discrete', discrete_input: 'discrete', di: 'discrete', '1x': 'discrete',
};
const TYPES: readonly TagType[] = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

export function importModbusCsv(o: CsvImportOptions): CsvImportResult {
  let records;
  try {
    records = parseCsv(o.text);
  } catch (err) {
    if (err instanceof CsvError) return { ok: false, errors: [`${o.file}:${err.line}: ${err.message}`] };
    throw err;
  }
  const at = (line: number, msg: string) => `${o.file}:${line}: ${msg}`;
  if (records.length === 0) return { ok: false, errors: [at(1, 'empty file: expected a header row name,table,address,type,word_order,units,min,max,description')] };
  const [header, ...rows] = records;
  const index = new Map<Column, number>();
  header!.fields.forEach((f, i) => {
    const key = f.trim().toLowerCase().replace(/[\s-]+/g, '_') as Column;
    if ((COLUMNS as readonly string[]).includes(key) && !index.has(key)) index.set(key, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length > 0) return { ok: false, errors: [at(header!.line, `header misses column(s) ${missing.join(', ')} (expected ${COLUMNS.join(',')})`)] };
  if (rows.length === 0) return { ok: false, errors: [at(header!.line, 'no register rows after the header')] };

  const errors: string[] = [];
  const tags: SkeletonTag[] = [];
  const lineOf = new Map<string, number>();
  for (const row of rows) {
    const cell = (c: Column) => (index.has(c) ? (row.fields[index.get(c)!] ?? '').trim() : '');
    const bad = (msg: string) => errors.push(at(row.line, msg));
    const rawName = cell('name');
    if (rawName === '') {
      bad('name is empty');
      continue;
    }
    const segments = rawName.split('.').map(nameSegment);
    const name = segments[0] === o.device && segments.length > 1 ? segments.join('.') : [o.device, ...segments].join('.');
    const table = TABLES[cell('table').toLowerCase().replace(/[\s-]+/g, '_')];
    if (!table) bad(`table '${cell('table')}' is not one of holding, input, coil, discrete`);
    const addressText = cell('address');
    const address = /^\d+$/.test(addressText) ? Number(addressText) : NaN;
    if (!(address >= 0 && address <= 65535)) bad(`address '${addressText}' is not a register or coil address 0..65535 (0-based)`);
    const type = cell('type').toLowerCase() as TagType;
    if (!TYPES.includes(type)) bad(`type '${cell('type')}' is not one of ${TYPES.join(', ')}`);
    const wo = cell('word_order').toUpperCase();
    if (wo !== '' && !WORD_ORDERS.includes(wo as WordOrder)) bad(`word_order '${cell('word_order')}' is not one of ${WORD_ORDERS.join(', ')}`);
    const limit = (c: 'min' | 'max'): number | undefined => {
      const t = cell(c);
      if (t === '') return undefined;
      const n = Number(t);
      if (!Number.isFinite(n)) {
        bad(`${c} '${t}' is not a number`);
        return undefined;
      }
      return n;
    };
    const min = limit('min');
    const max = limit('max');
    if (lineOf.has(name)) bad(`tag ${name} is already defined on line ${lineOf.get(name)}`);
    if (!table || !TYPES.includes(type) || !(address >= 0 && address <= 65535) || lineOf.has(name)) continue;
    if ((table === 'coil' || table === 'discrete') && type !== 'bool') {
      bad(`a ${table} holds one bit: type must be bool, not ${type}`);
      continue;
    }
    const limits = fittingLimits(type, min, max);
    if (min !== undefined && limits.min === undefined) bad(`min ${min} does not fit ${type}${max !== undefined && min > max ? ' or is above max' : ''}`);
    if (max !== undefined && limits.max === undefined && !(min !== undefined && limits.min === undefined)) bad(`max ${max} does not fit ${type}`);
    lineOf.set(name, row.line);
    const units = cell('units');
    const description = cell('description');
    tags.push({ name, type, ...(units ? { units } : {}), ...(description ? { description } : {}), modbus: { table, address, ...(wo && type !== 'bool' ? { wordOrder: wo as WordOrder } : {}) }, ...limits });
  }
  if (errors.length > 0) return { ok: false, errors };

  const yaml = renderSkeleton({
    gateway: o.gateway,
    deviceId: o.device,
    device: { protocol: 'modbus', description: `imported from ${o.file}`, host: o.host, port: o.port, unit: o.unit },
    tags,
    header: [`Imported by \`taogate profile import modbus-csv\` from ${o.file} (${tags.length} tags).`, `Set devices.${o.device}.host / port / unit to where the PLC really is.`],
  });
  // What the profile check still finds (overlapping registers, ...) is reported on the CSV line of its tag.
  const issues = skeletonIssues(yaml, o.file);
  if (issues.length > 0) {
    return {
      ok: false,
      errors: issues.map((i) => {
        const tag = [...lineOf.keys()].filter((n) => i.message.includes(n)).sort((a, b) => b.length - a.length)[0];
        return tag ? at(lineOf.get(tag)!, i.message) : `${o.file}: ${i.message}`;
      }),
    };
  }
  return { ok: true, yaml, tags: tags.length };
}
