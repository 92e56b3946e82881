/**
 * The console's files: the page (public/), and the @noble ES modules it signs
 * and verifies with (ed25519, curves for P-256, hashes), served straight from
 * node_modules (no bundler). Only flat file names with a known extension (and,
 * for @noble/curves, its one `abstract/` subfolder) are served from fixed
 * folders, so a request path can never climb out of them. @noble/curves
 * imports @noble/hashes by its package name, which a browser cannot resolve
 * without an import map (an inline script, which the CSP forbids): those
 * import specifiers are rewritten to the /vendor/noble-hashes/ URL on the way out.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../package-root.js';

const PUBLIC_DIR = packageFile('src/console/public/');

interface Folder {
  readonly dir: string;
  /** Subfolders (one level) whose files are served too. */
  readonly subdirs?: readonly string[];
  /** Rewrite bare `@noble/hashes/` imports to the URL this server serves them at. */
  readonly rewriteImports?: boolean;
}

/** URL prefix -> folder. */
const FOLDERS: Readonly<Record<string, Folder>> = {
  '/static/': { dir: PUBLIC_DIR },
  '/vendor/noble-ed25519/': { dir: dirname(fileURLToPath(import.meta.resolve('@noble/ed25519'))) },
  '/vendor/noble-hashes/': { dir: dirname(fileURLToPath(import.meta.resolve('@noble/hashes/sha2.js'))) },
  '/vendor/noble-curves/': { dir: dirname(fileURLToPath(import.meta.resolve('@noble/curves/nist.js'))), subdirs: ['abstract'], rewriteImports: true },
};

/** `from '@noble/hashes/x.js'` (and the double-quoted form) -> `from '/vendor/noble-hashes/x.js'`. */
export function rewriteNobleImports(source: string): string {
  return source.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])@noble\/hashes\//g, '$1$2/vendor/noble-hashes/');
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(html|js|css|svg)$/;

/** Same-origin only: scripts, styles, fetch and SSE from this server; nothing inline, no frames. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const cache = new Map<string, Buffer>();

/** Serves `pathname` when it names a console file; false when it does not. */
export async function serveStatic(pathname: string, res: ServerResponse): Promise<boolean> {
  const found = pathname === '/' || pathname === '/console' || pathname === '/console/' ? { file: join(PUBLIC_DIR, 'index.html'), rewrite: false } : resolveFile(pathname);
  if (!found) return false;
  const { file, rewrite } = found;
  let body = cache.get(file);
  if (!body) {
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    if (rewrite && file.endsWith('.js')) body = Buffer.from(rewriteNobleImports(body.toString('utf8')), 'utf8');
    cache.set(file, body);
  }
  const ext = file.slice(file.lastIndexOf('.') + 1);
  res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  res.end(body);
  return true;
}

function resolveFile(pathname: string): { file: string; rewrite: boolean } | undefined {
  for (const [prefix, folder] of Object.entries(FOLDERS)) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length);
    const slash = rest.indexOf('/');
    const sub = slash < 0 ? undefined : rest.slice(0, slash);
    const name = slash < 0 ? rest : rest.slice(slash + 1);
    if (sub !== undefined && !(folder.subdirs ?? []).includes(sub)) return undefined;
    if (!SAFE_NAME.test(name)) return undefined;
    return { file: sub === undefined ? join(folder.dir, name) : join(folder.dir, sub, name), rewrite: folder.rewriteImports === true };
  }
  return undefined;
}
