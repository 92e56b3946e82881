/**
 * Export formats for historians and auditors. `exportFields` flattens a
 * receipt into the columns every tabular format shares; CSV renders them
 * here, and the InfluxDB line-protocol exporter (src/historian) renders the
 * same fields as tags and fields. JSON Lines carries the whole receipt, so
 * an export file can be verified again (sources.ts jsonlRecords).
 */
import type { Receipt, ReceiptKind } from './types.js';

export const CSV_COLUMNS = ['seq', 'ts_iso', 'kind', 'gateway', 'actor', 'target', 'value', 'outcome', 'code', 'jti', 'hash', 'prev'] as const;
export type ExportColumn = (typeof CSV_COLUMNS)[number];
export const CSV_HEADER = CSV_COLUMNS.join(',');

/** What a receipt kind means for the write it records ('' for chain bookkeeping). */
export const OUTCOME_OF_KIND: Readonly<Record<ReceiptKind, string>> = {
  intent: 'authorized',
  committed: 'committed',
  voided: 'voided',
  indeterminate: 'indeterminate',
  denied: 'refused',
  denied_summary: 'refused',
  settled: 'settled',
  staged: 'staged',
  genesis: '',
  config: '',
  checkpoint: '',
  start: '',
  stop: '',
  key_rotated: '',
  alarm: '',
  breakglass: 'breakglass',
};

export type ExportFields = Record<ExportColumn, string>;

/** The flat columns of a receipt; body fields absent from the body become ''. */
export function exportFields(r: Receipt): ExportFields {
  const body = isObject(r.body) ? r.body : {};
  return {
    seq: String(r.seq),
    ts_iso: isoTime(r.ts),
    kind: r.kind,
    gateway: r.gateway,
    actor: text(body.actor),
    target: text(body.target),
    value: text(body.value),
    outcome: OUTCOME_OF_KIND[r.kind] ?? '',
    code: text(body.code),
    jti: text(body.jti),
    hash: r.hash,
    prev: r.prev,
  };
}

/** One receipt as one JSON line (no trailing newline), fields in receipt order. */
export function receiptToJsonl(r: Receipt): string {
  const { seq, prev, ts, kind, gateway, kid, body, hash, sig } = r;
  return JSON.stringify(kid === undefined ? { seq, prev, ts, kind, gateway, body, hash, sig } : { seq, prev, ts, kind, gateway, kid, body, hash, sig });
}

/** One receipt as one RFC 4180 CSV row (no trailing newline), columns as CSV_HEADER. */
export function receiptToCsvRow(r: Receipt): string {
  const f = exportFields(r);
  return CSV_COLUMNS.map((c) => csvCell(f[c])).join(',');
}

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A body value as export text: strings as they are, absent as '', anything else as JSON. */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isoTime(ts: number): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
