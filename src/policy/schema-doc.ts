/**
 * The profile reference (docs/profile-reference.md), generated from the
 * published JSON Schema so the two cannot drift: `taogate profile reference`
 * prints it and a test compares the committed file with this output.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../package-root.js';

type Schema = {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  title?: string;
};

export const PROFILE_SCHEMA_PATH = pathToFileURL(packageFile('profiles/profile.schema.json'));

export function profileReference(schema: Schema = JSON.parse(readFileSync(PROFILE_SCHEMA_PATH, 'utf8')) as Schema): string {
  const defs = schema.$defs ?? {};
  const resolve = (s: Schema): Schema => (s.$ref?.startsWith('#/$defs/') ? { ...defs[s.$ref.slice(8)], ...omit(s, '$ref'), description: s.description ?? defs[s.$ref.slice(8)]?.description } : s);
  const out: string[] = [
    '# Profile reference',
    '',
    '<!-- Generated from profiles/profile.schema.json by `taogate profile reference`; do not edit by hand. -->',
    '',
    schema.description ?? '',
    '',
    'Keys are snake_case; unknown keys are errors (`taogate profile check` names them with line and column and suggests the closest key).',
    '',
  ];
  const section = (title: string, s: Schema, depth: number) => {
    const r = resolve(s);
    out.push(`${'#'.repeat(depth)} ${title}`, '');
    if (r.description) out.push(r.description, '');
    const map = r.additionalProperties && typeof r.additionalProperties === 'object' ? r.additionalProperties : Object.values(r.patternProperties ?? {})[0];
    if (map && !r.properties) {
      out.push(`A map from an id to an entry:`, '');
      section(`${title}.<id>`, map, depth + 1);
      return;
    }
    if (!r.properties) return;
    out.push('| key | type | required | default | description |', '|---|---|---|---|---|');
    const nested: [string, Schema][] = [];
    for (const [key, raw] of Object.entries(r.properties)) {
      const p = resolve(raw);
      out.push(`| \`${key}\` | ${typeOf(p, resolve)} | ${r.required?.includes(key) ? 'yes' : ''} | ${p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : ''} | ${(p.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
      const objectLike = p.properties || (p.additionalProperties && typeof p.additionalProperties === 'object') || p.patternProperties;
      if (objectLike) nested.push([`${title}.${key}`, raw]);
      else if (p.items && resolve(p.items).properties) nested.push([`${title}.${key}[]`, p.items]);
    }
    out.push('');
    for (const [t, s2] of nested) section(t, s2, Math.min(depth + 1, 6));
  };
  for (const [key, s] of Object.entries(schema.properties ?? {})) section(key, s, 2);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

function typeOf(s: Schema, resolve: (s: Schema) => Schema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return alts.map((a) => typeOf(resolve(a), resolve)).join(' or ');
  let t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'object');
  if (t === 'array' && s.items) t = `array of ${typeOf(resolve(s.items), resolve)}`;
  const range = [s.minimum !== undefined ? `>= ${s.minimum}` : '', s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '', s.maximum !== undefined ? `<= ${s.maximum}` : ''].filter(Boolean).join(', ');
  return range ? `${t} (${range})` : t;
}

function omit<T extends object>(o: T, key: keyof T): Partial<T> {
  const copy = { ...o };
  delete copy[key];
  return copy;
}
