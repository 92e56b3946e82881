/**
 * node-opcua is loaded through require() (src/devices/opcua/node-opcua.ts):
 * an ES module import of it makes Node 20 scan every module it re-exports
 * before loading them, ~0.5 s of CPU at each start of an OPC UA process.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFiles } from '../../src/cli/build-stamp.mjs';
import { nodeOpcua } from '../../src/devices/opcua/node-opcua.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';

describe('node-opcua loading', () => {
  it('no module of src/ or simulators/ imports node-opcua values as an ES module (types only)', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(PACKAGE_ROOT)) {
      const text = readFileSync(join(PACKAGE_ROOT, file), 'utf8');
      // Every import statement naming a node-opcua package, types-only ones excepted.
      for (const m of text.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'(node-opcua[^']*)';/gms)) {
        if (m[1] || m[3] === 'node-opcua-debug') continue;
        offenders.push(`${file}: import ${m[2]!.replace(/\s+/g, ' ')} from '${m[3]}'`);
      }
      // import('node-opcua').Name in a type is fine; a dynamic import is not.
      if (/\bimport\(\s*'node-opcua'\s*\)(?!\.[A-Z])/.test(text)) offenders.push(`${file}: import('node-opcua')`);
    }
    expect(offenders, 'take values from src/devices/opcua/node-opcua.ts').to.deep.equal([]);
  });

  it('the required module is the one an ES import gives (one copy of every class)', async () => {
    const esm = await import('node-opcua');
    expect(nodeOpcua.Variant).to.equal(esm.Variant);
    expect(nodeOpcua.OPCUAServer).to.equal(esm.OPCUAServer);
    expect(nodeOpcua.StatusCodes.Good).to.equal(esm.StatusCodes.Good);
  });
});
