/**
 * The console's files: the page (public/), and the two @noble ES modules it
 * signs with, served straight from node_modules (no bundler). Only flat file
 * names with a known extension are served from fixed folders, so a request
 * path can never climb out of them.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** URL prefix -> folder. */
const FOLDERS: Readonly<Record<string, string>> = {
  '/static/': PUBLIC_DIR,
  '/vendor/noble-ed25519/': dirname(fileURLToPath(import.meta.resolve('@noble/ed25519'))),
  '/vendor/noble-hashes/': dirname(fileURLToPath(import.meta.resolve('@noble/hashes/sha2.js'))),
};

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
  const file = pathname === '/' || pathname === '/console' || pathname === '/console/' ? join(PUBLIC_DIR, 'index.html') : resolveFile(pathname);
  if (!file) return false;
  let body = cache.get(file);
  if (!body) {
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    cache.set(file, body);
  }
  const ext = file.slice(file.lastIndexOf('.') + 1);
  res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  res.end(body);
  return true;
}

function resolveFile(pathname: string): string | undefined {
  for (const [prefix, dir] of Object.entries(FOLDERS)) {
    if (!pathname.startsWith(prefix)) continue;
    const name = pathname.slice(prefix.length);
    return SAFE_NAME.test(name) ? join(dir, name) : undefined;
  }
  return undefined;
}
