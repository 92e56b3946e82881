/**
 * JSON Schema validation of a parsed profile (profiles/profile.schema.json,
 * draft 2020-12), with every ajv error mapped back to the YAML node it is
 * about and rewritten as a sentence: unknown keys point at the key and
 * suggest the closest valid one, wrong types say expected vs got.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ProfileIssue } from './errors.js';
import type { NodePath, YamlSource } from './source.js';
import { didYouMean } from './suggest.js';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../package-root.js';

/** The published schema; editors load it through the `# yaml-language-server: $schema=` comment. */
export const PROFILE_SCHEMA_URL = pathToFileURL(packageFile('profiles/profile.schema.json'));

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(PROFILE_SCHEMA_URL, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, verbose: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

export function schemaIssues(src: YamlSource): ProfileIssue[] {
  const validate = validator();
  if (validate(src.data)) return [];
  const out: ProfileIssue[] = [];
  for (const err of validate.errors ?? []) {
    const issue = toIssue(src, err);
    if (issue) out.push(issue);
  }
  return out;
}

function toIssue(src: YamlSource, err: ErrorObject): ProfileIssue | undefined {
  const path = pointerToPath(err.instancePath);
  const where = describe(path) || 'profile';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'if':
    case 'allOf':
    case 'propertyNames':
      return undefined; // the nested errors say what is wrong
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return src.issueAt([...path, key], `unknown key '${key}'${path.length ? ` in ${where}` : ' at top level'}${didYouMean(key, known)}`, 'key');
    }
    case 'false schema': {
      const key = String(path[path.length - 1]);
      const parent = src.dataAt(path.slice(0, -1)) as { protocol?: unknown } | undefined;
      const ctx = typeof parent?.protocol === 'string' ? ` for ${article(parent.protocol)} device` : ' here';
      return src.issueAt(path, `key '${key}' is not allowed${ctx}`, 'key');
    }
    case 'required':
      return src.issueAt(path, `${where}: missing required key '${String(p.missingProperty)}'`, 'key');
    case 'type':
      return src.issueAt(path, `${where}: expected ${article(String(p.type))}, got ${got(err.data)}`);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof err.data === 'string' ? didYouMean(err.data, allowed) : '';
      return src.issueAt(path, `${where}: ${got(err.data)} is not one of ${allowed.join(', ')}${hint}`);
    }
    case 'const':
      return src.issueAt(path, `${where}: must be ${JSON.stringify(p.allowedValue)}, got ${got(err.data)}`);
    case 'pattern':
      if (err.propertyName !== undefined) {
        return src.issueAt([...path, err.propertyName], `${nameKind(path)} '${err.propertyName}' is not valid: ${patternHint(err)}`, 'key');
      }
      return src.issueAt(path, `${where}: ${got(err.data)} is not valid: ${patternHint(err)}`);
    case 'uniqueItems':
      return src.issueAt([...path, Number(p.i)], `${where}: duplicate entry ${got((err.data as unknown[])[Number(p.i)])}`);
    default:
      return src.issueAt(path, `${where}: ${err.propertyName !== undefined ? `'${err.propertyName}' ` : ''}${err.message ?? 'is not valid'}`);
  }
}

function pointerToPath(pointer: string): NodePath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** tags['skid.flow_sp'].write_roles[0] style, for messages. */
export function describe(path: NodePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `['${seg}']`;
  }
  return out;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function got(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string '${value}'`;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function nameKind(path: NodePath): string {
  const section = String(path[0] ?? '');
  return { devices: 'device id', tags: 'tag name', methods: 'method name', actors: 'actor id', approvers: 'approver id' }[section] ?? 'name';
}

function patternHint(err: ErrorObject): string {
  const description = (err.parentSchema as { description?: string } | undefined)?.description;
  return description ?? `must match ${String((err.params as { pattern?: unknown }).pattern)}`;
}
