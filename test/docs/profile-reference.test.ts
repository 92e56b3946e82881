/** docs/profile-reference.md is generated from the JSON Schema; it must not drift. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { profileReference } from '../../src/policy/schema-doc.js';

describe('docs: profile reference', () => {
  it('when the schema changes the committed reference must be regenerated (taogate profile reference > docs/profile-reference.md)', () => {
    const committed = readFileSync(new URL('../../docs/profile-reference.md', import.meta.url), 'utf8');
    expect(committed).to.equal(profileReference());
  });

  it('when the reference is generated it documents every tag key of the schema', () => {
    const schema = JSON.parse(readFileSync(new URL('../../profiles/profile.schema.json', import.meta.url), 'utf8')) as { $defs: { tag: { properties: Record<string, unknown> } } };
    const text = profileReference();
    for (const key of Object.keys(schema.$defs.tag.properties)) expect(text).to.include(`| \`${key}\` |`);
  });
});
