/**
 * The package's file manifest: the SHA-256 of every file the installation
 * runs (package.json and everything under src/, simulators/, profiles/).
 * `npm pack` writes it (prepack: `taogate validate manifest`) as
 * taogate-manifest.json at the package root; IQ-01 compares the installed
 * files against it. A source checkout carries none until one is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const MANIFEST_FILE = 'taogate-manifest.json';
export const MANIFEST_FORMAT = 'taogate.manifest.v1';
const ROOTS = ['src', 'simulators', 'profiles'];

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly name: string;
  readonly version: string;
  /** package-relative path (forward slashes) -> sha256 hex */
  readonly files: Readonly<Record<string, string>>;
}

export interface ManifestCheck {
  readonly ok: boolean;
  readonly checked: number;
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  /** Files installed under the manifest's folders that it does not list. */
  readonly extra: readonly string[];
}

export function packageInfo(root: string): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return { name: String(pkg.name ?? ''), version: String(pkg.version ?? '') };
}

/** The files a manifest covers, package-relative, sorted. */
export function packageFiles(root: string): string[] {
  const out = ['package.json'];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  for (const r of ROOTS) if (existsSync(join(root, r))) walk(join(root, r));
  return out.sort();
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function buildManifest(root: string): Manifest {
  const files: Record<string, string> = {};
  for (const f of packageFiles(root)) files[f] = sha256File(join(root, f));
  return { format: MANIFEST_FORMAT, ...packageInfo(root), files };
}

export function readManifest(path: string): Manifest {
  const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT || typeof m.files !== 'object' || m.files === null) throw new Error(`${path}: not a ${MANIFEST_FORMAT} file`);
  return m as Manifest;
}

export function checkManifest(root: string, m: Manifest): ManifestCheck {
  const changed: string[] = [];
  const missing: string[] = [];
  const listed = Object.keys(m.files);
  for (const f of listed) {
    const p = join(root, f);
    if (!existsSync(p)) missing.push(f);
    else if (sha256File(p) !== m.files[f]) changed.push(f);
  }
  const known = new Set(listed);
  const extra = packageFiles(root).filter((f) => !known.has(f));
  return { ok: changed.length === 0 && missing.length === 0 && extra.length === 0, checked: listed.length, changed, missing, extra };
}

/** A digest of the whole manifest (what the report names as the software's identity). */
export function manifestDigest(m: Manifest): string {
  const lines = Object.keys(m.files).sort().map((f) => `${m.files[f]}  ${f}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}
