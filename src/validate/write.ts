/** Writes the report files into DIR: oq-report.json, .html, .pdf (when Chromium is present) and .sig (when someone signs). */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signer } from '../crypto/ed25519.js';
import { renderHtml } from './html.js';
import { renderPdf } from './pdf.js';
import { reportBytes, type Report } from './report.js';
import { signReport } from './signature.js';

export interface WrittenReport {
  readonly json: string;
  readonly html: string;
  readonly pdf?: string;
  readonly pdfSkipped?: string;
  readonly sig?: string;
}

export async function writeReport(dir: string, report: Report, signer?: Signer): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const bytes = reportBytes(report);
  const json = join(dir, 'oq-report.json');
  const html = join(dir, 'oq-report.html');
  const pdf = join(dir, 'oq-report.pdf');
  const sig = join(dir, 'oq-report.sig');
  writeFileSync(json, bytes);
  const page = renderHtml(report);
  writeFileSync(html, page);
  // A report from an earlier run must not sit beside this one.
  rmSync(pdf, { force: true });
  rmSync(sig, { force: true });
  let pdfResult;
  try {
    pdfResult = await renderPdf(page, pdf);
  } catch (err) {
    pdfResult = { ok: false as const, reason: `chromium failed: ${(err as Error).message.split('\n')[0]}` };
  }
  if (signer) writeFileSync(sig, `${JSON.stringify(signReport(bytes, signer))}\n`);
  return { json, html, ...(pdfResult.ok ? { pdf } : { pdfSkipped: pdfResult.reason }), ...(signer ? { sig } : {}) };
}
