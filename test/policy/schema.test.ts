/** profiles/profile.schema.json is for editors too: every property documented, no typo slips through. */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { PROFILE_SCHEMA_URL } from '../../src/policy/index.js';

type SchemaNode = { [key: string]: unknown };

function walk(node: unknown, path: string, visit: (n: SchemaNode, path: string) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`, visit));
  visit(node as SchemaNode, path);
  for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`, visit);
}

describe('policy: the published JSON Schema', () => {
  const schema = JSON.parse(readFileSync(PROFILE_SCHEMA_URL, 'utf8')) as SchemaNode;
  const defs = schema.$defs as Record<string, SchemaNode>;

  function described(prop: SchemaNode): boolean {
    if (typeof prop.description === 'string' && prop.description.length > 0) return true;
    const ref = prop.$ref as string | undefined;
    return ref !== undefined && typeof defs[ref.replace('#/$defs/', '')]?.description === 'string';
  }

  it('when an editor completes a key, every property has a description', () => {
    const missing: string[] = [];
    walk(schema, '', (n, path) => {
      const props = n.properties as Record<string, unknown> | undefined;
      if (!props || path.includes('/if') || path.includes('/then')) return;
      for (const [k, v] of Object.entries(props)) if (!described(v as SchemaNode)) missing.push(`${path}/properties/${k}`);
    });
    expect(missing).to.deep.equal([]);
  });

  it('when an object lists its properties, additionalProperties is false so typos are caught', () => {
    const open: string[] = [];
    walk(schema, '', (n, path) => {
      if (n.properties && n.type === 'object' && n.additionalProperties !== false) open.push(path);
    });
    expect(open).to.deep.equal([]);
  });
});
