/** Tag values <-> Modbus registers for every type and word order. */
import { expect } from 'chai';
import { decodeRegisters, encodeRegisters, registerCount } from '../../src/gateway/modbus/registers.js';
import type { TagType, WordOrder } from '../../src/policy/types.js';

describe('modbus registers codec', () => {
  it('when 42.5 is a float32 it is 0x422A 0x0000 in ABCD and swapped per word order', () => {
    expect(encodeRegisters('float32', 'ABCD', 42.5)).to.deep.equal([0x422a, 0x0000]);
    expect(encodeRegisters('float32', 'CDAB', 42.5)).to.deep.equal([0x0000, 0x422a]);
    expect(encodeRegisters('float32', 'BADC', 42.5)).to.deep.equal([0x2a42, 0x0000]);
    expect(encodeRegisters('float32', 'DCBA', 42.5)).to.deep.equal([0x0000, 0x2a42]);
  });

  it('when a value is encoded and decoded it round-trips for every type and word order', () => {
    const samples: Record<Exclude<TagType, 'bool' | 'string'>, number[]> = {
      int16: [-32768, -1, 0, 1, 32767],
      uint16: [0, 1, 500, 65535],
      int32: [-2147483648, -1, 0, 123456789, 2147483647],
      uint32: [0, 1, 4294967295],
      float32: [0, -1.5, 42.5, Math.fround(0.1), Math.fround(3.4e38)],
      float64: [0, -1.5, 0.1, 1e300, Number.MIN_VALUE],
    };
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as WordOrder[]) {
      for (const [type, values] of Object.entries(samples) as [TagType, number[]][]) {
        for (const v of values) {
          const regs = encodeRegisters(type, order, v);
          expect(regs, `${type} ${order}`).to.have.length(registerCount(type));
          expect(decodeRegisters(type, order, regs), `${type} ${order} ${v}`).to.equal(v);
        }
      }
    }
  });
});
