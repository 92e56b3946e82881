/**
 * docs/interface.md (the outside contract) and the code agree on the exit
 * codes and the demo's default port base; and nothing in the repository
 * points readers at design files that are not part of it.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT_BASE } from '../../src/cli/demo/ports.js';
import { EXIT } from '../../src/cli/exit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = () => readFileSync(join(ROOT, 'docs/interface.md'), 'utf8');

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else if (/\.(ts|mjs|js|md|yaml|json)$/.test(name)) out.push(p);
  }
  return out;
}

describe('docs: the outside contract', () => {
  it('when the exit code table is read it lists exactly the codes of src/cli/exit.ts', () => {
    const section = doc().split('\nExit codes')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented).to.deep.equal(Object.values(EXIT));
  });

  it('when the demo section is read it names the default port base of the code', () => {
    expect(doc()).to.contain(`\`N\` is ${DEFAULT_PORT_BASE}`);
    expect(doc()).to.contain(`"mqtt":"mqtt://127.0.0.1:${DEFAULT_PORT_BASE}"`);
  });

  it('when the repository is searched no file cites design notes kept outside it', () => {
    const self = fileURLToPath(import.meta.url);
    // The names of the design notes kept beside the repository (their contract is restated in
    // docs/interface.md), assembled so that this file does not cite them itself.
    const cites = new RegExp([['INTER', 'FACE\\.md'], ['FIELD', '-NOTES'], ['shared', '\\/design']].map((p) => p.join('')).join('|'));
    const offenders = ['src', 'test', 'simulators', 'docs', 'profiles']
      .flatMap((d) => filesUnder(join(ROOT, d)))
      .concat(join(ROOT, 'README.md'))
      .filter((f) => f !== self && cites.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => f.slice(ROOT.length))).to.deep.equal([]);
  });
});
