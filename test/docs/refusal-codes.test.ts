/** docs/refusal-codes.md and src/refusal/codes.ts must list the same codes with the same mappings. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODBUS_EXCEPTIONS } from '../../src/gateway/modbus/exceptions.js';
import { REFUSAL_CODES } from '../../src/refusal/codes.js';

describe('docs: refusal codes', () => {
  it('when the docs table is read it lists exactly the codes of the code, with the same Modbus and OPC UA mapping', () => {
    const text = readFileSync(new URL('../../docs/refusal-codes.md', import.meta.url), 'utf8');
    const rows = [...text.matchAll(/^\| `([a-z_]+)` \| (\w+) \| (.+?) \| (0x[0-9A-F]{2}) \((\w+)\) \| (\w+) \|$/gm)];
    const documented = Object.fromEntries(rows.map((m) => [m[1], { group: m[2], text: m[3], modbus: m[5], hex: m[4], opcua: m[6] }]));
    expect(Object.keys(documented)).to.deep.equal(Object.keys(REFUSAL_CODES));
    for (const [code, info] of Object.entries(REFUSAL_CODES)) {
      const d = documented[code]!;
      expect(d, code).to.deep.equal({
        group: info.group,
        text: info.text,
        modbus: info.modbus,
        hex: `0x${DEFAULT_MODBUS_EXCEPTIONS[info.modbus].toString(16).padStart(2, '0').toUpperCase()}`,
        opcua: info.opcua,
      });
    }
  });
});
