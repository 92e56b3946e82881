/** oq-report.pdf: the HTML printed to A4 by headless Chromium (Debian's chromium, driven by playwright-core), when both are present. */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export type PdfResult = { ok: true } | { ok: false; reason: string };

export async function renderPdf(html: string, out: string, executablePath = CHROMIUM): Promise<PdfResult> {
  if (!existsSync(executablePath)) return { ok: false, reason: `${executablePath} is not installed` };
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { ok: false, reason: 'playwright-core is not installed' };
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({ path: out, format: 'A4', printBackground: true, preferCSSPageSize: true });
    return { ok: true };
  } finally {
    await browser.close();
  }
}
