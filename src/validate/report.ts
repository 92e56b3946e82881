/** The report's JSON form (oq-report.json): what the HTML, the PDF and the signature are made from. */
import type { Framework } from './clauses.js';
import type { CheckRecord, Verdict } from './types.js';

export const REPORT_FORMAT = 'taogate.oq-report.v1';

export type ClauseResult = Verdict | 'INCOMPLETE' | 'PROCEDURAL';

export interface ClauseRow {
  readonly id: string;
  readonly framework: Framework;
  readonly title: string;
  readonly checks: readonly string[];
  readonly result: ClauseResult;
  readonly procedural?: string;
}

export interface Installation {
  readonly gatewayId: string;
  readonly site: string;
  readonly profile: { readonly path: string; readonly policyHash: string };
  readonly keys: readonly { readonly name: string; readonly role: string; readonly kid: string }[];
  readonly software: { readonly name: string; readonly version: string; readonly node: string; readonly manifestDigest: string | null };
  readonly ledger: { readonly count: number; readonly headSeq: number; readonly head: string; readonly checkpoint: { readonly seq: number; readonly size: number; readonly root: string; readonly cosigned: boolean | null } | null };
  readonly addresses: Readonly<Record<string, string>>;
}

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly operator: { readonly name: string; readonly role: string; readonly kid: string } | null;
  readonly installation: Installation;
  readonly summary: { readonly total: number; readonly pass: number; readonly fail: number; readonly notRun: number; readonly result: 'PASS' | 'FAIL' };
  readonly clauses: readonly ClauseRow[];
  readonly checks: readonly CheckRecord[];
}

export function summarize(checks: readonly CheckRecord[]): Report['summary'] {
  const n = (v: Verdict) => checks.filter((c) => c.result === v).length;
  const fail = n('FAIL');
  return { total: checks.length, pass: n('PASS'), fail, notRun: n('NOT RUN'), result: fail > 0 ? 'FAIL' : 'PASS' };
}

/** A clause's result: FAIL when any of its checks failed, PASS when all passed, INCOMPLETE when some did not run. */
export function clauseResult(checkIds: readonly string[], checks: readonly CheckRecord[]): ClauseResult {
  if (checkIds.length === 0) return 'PROCEDURAL';
  const results = checkIds.map((id) => checks.find((c) => c.id === id)?.result ?? 'NOT RUN');
  if (results.includes('FAIL')) return 'FAIL';
  return results.every((r) => r === 'PASS') ? 'PASS' : 'INCOMPLETE';
}

/** The exact bytes written to oq-report.json (and signed). */
export function reportBytes(report: Report): Buffer {
  return Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
}
