/** The clause map (src/validate/clauses.ts) against the suite and docs/compliance.md. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CLAUSES, clausesOf } from '../../src/validate/clauses.js';
import { SUITE } from '../../src/validate/suite.js';

const DOC = readFileSync(new URL('../../docs/compliance.md', import.meta.url), 'utf8');

describe('validate clause map', () => {
  it('when the suite runs every check gives evidence for at least one clause, and the map names no unknown check', () => {
    for (const c of SUITE) expect(clausesOf(c.id), c.id).to.not.be.empty;
    const ids = new Set(SUITE.map((c) => c.id));
    for (const cl of CLAUSES) for (const id of cl.checks) expect(ids.has(id), `${cl.id} -> ${id}`).to.equal(true);
    expect(new Set(SUITE.map((c) => c.id)).size).to.equal(SUITE.length);
  });

  it('when the issue lists its clauses they are all in the map, with 11.10 (i) and (j) procedural', () => {
    const required = ['(a)', '(b)', '(c)', '(d)', '(e)', '(f)', '(g)', '(h)', '(k)'].map((x) => `21 CFR 11.10${x}`)
      .concat(['21 CFR 11.50', '21 CFR 11.70', '21 CFR 11.100', '21 CFR 11.200', '21 CFR 11.300'])
      .concat(['7', '9', '12', '14'].map((s) => `EU GMP Annex 11 §${s}`))
      .concat(['1.1', '1.2', '2.1', '2.8', '2.12', '3.1', '3.3', '3.9'].map((s) => `IEC 62443-3-3 SR ${s}`));
    const ids = CLAUSES.map((c) => c.id);
    for (const r of required) expect(ids, r).to.include(r);
    for (const p of ['21 CFR 11.10(i)', '21 CFR 11.10(j)']) expect(CLAUSES.find((c) => c.id === p)).to.deep.include({ checks: [] });
  });

  it('when docs/compliance.md explains a mapping it lists exactly the checks of the map', () => {
    for (const cl of CLAUSES) {
      const short = cl.id.replace('21 CFR ', '').replace('EU GMP Annex 11 ', '').replace('IEC 62443-3-3 ', '');
      const line = DOC.split('\n').find((l) => l.startsWith(`- **${short} `));
      expect(line, `docs/compliance.md has no line for ${cl.id}`).to.be.a('string');
      const listed = (line!.match(/\(([A-Z]Q-\d\d(?:, [A-Z]Q-\d\d)*)\)/)?.[1] ?? '').split(', ').filter(Boolean);
      expect(listed, cl.id).to.deep.equal([...cl.checks]);
    }
    for (const c of SUITE) expect(DOC, c.id).to.include(`| ${c.id} |`);
  });
});
