/**
 * InfluxDB line protocol for receipts (InfluxDB 1.x / 2.x write API):
 *
 *   taogate_<kind>,gateway=..,kind=..,tag=..,actor=..,outcome=.. value="..",readback="..",tao="<jti>",seq=<n>i,hash="..." <ns>
 *
 * One measurement per receipt kind; tags with an empty value are left out
 * (line protocol has no empty tag values). The timestamp is the receipt's ts
 * in nanoseconds plus (seq mod 1,000,000) ns: still inside the receipt's
 * millisecond, but unique per receipt, so two receipts of the same
 * millisecond never collapse into one point, and a re-sent receipt lands on
 * the SAME point (series + time) and overwrites it: the seq is the point's
 * identity. Escaping per the line-protocol reference: measurement , and
 * space; tag keys/values and field keys , = and space; string field values
 * " and \ (newlines become \n).
 */
import { exportFields, isObject, text, type Receipt } from '../ledger/index.js';

export const MEASUREMENT_PREFIX = 'taogate_';

export function escapeMeasurement(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ').replace(/([, ])/g, '\\$1');
}

/** Tag values: , = and space escaped; control characters become spaces and a backslash becomes '/' (a trailing one would escape the separator). */
export function escapeTag(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ').replace(/\\/g, '/').replace(/([,= ])/g, '\\$1');
}

export function escapeFieldString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
}

/** The point time in ns (a decimal string: it does not fit a double). */
export function pointTime(r: Receipt): string {
  return (BigInt(r.ts) * 1_000_000n + BigInt(r.seq % 1_000_000)).toString();
}

export function receiptToLine(r: Receipt): string {
  const f = exportFields(r);
  const readback = text(isObject(r.body) ? r.body.readback : undefined);
  const tags: [string, string][] = [
    ['actor', f.actor],
    ['gateway', f.gateway],
    ['kind', f.kind],
    ['outcome', f.outcome],
    ['tag', f.target],
  ];
  const tagText = tags
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `,${k}=${escapeTag(v)}`)
    .join('');
  const fields = [
    `value=${escapeFieldString(f.value)}`,
    `readback=${escapeFieldString(readback)}`,
    `tao=${escapeFieldString(f.jti)}`,
    `seq=${r.seq}i`,
    `hash=${escapeFieldString(r.hash)}`,
  ].join(',');
  return `${escapeMeasurement(MEASUREMENT_PREFIX + r.kind)}${tagText} ${fields} ${pointTime(r)}`;
}
