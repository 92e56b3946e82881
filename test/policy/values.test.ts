import { expect } from 'chai';
import { formatValue, parseValue, valuesEqual, FLOAT32_MAX, type TagType } from '../../src/policy/index.js';

function value(type: TagType, text: string): unknown {
  const r = parseValue(type, text);
  expect(r.ok, `${type} '${text}' should parse`).to.equal(true);
  return (r as { value: unknown }).value;
}

function refused(type: TagType, text: string): string {
  const r = parseValue(type, text);
  expect(r.ok, `${type} '${text}' should be refused`).to.equal(false);
  return (r as { reason: string }).reason;
}

describe('policy: canonical values', () => {
  it('when given float32 42.1 it keeps the float32 value and writes it back as "42.1"', () => {
    const v = value('float32', '42.1');
    expect(v).to.equal(Math.fround(42.1));
    expect(formatValue('float32', v as number)).to.equal('42.1');
    expect(formatValue('float32', 42.5)).to.equal('42.5');
    expect(formatValue('float32', 0.1)).to.equal('0.1');
    expect(valuesEqual('float32', '42.1', Math.fround(42.1))).to.equal(true);
    expect(valuesEqual('float32', '42.1', '42.099998474121094')).to.equal(true);
    expect(valuesEqual('float64', '42.1', '42.099998474121094')).to.equal(false);
    expect(valuesEqual('float32', '42.1', '42.2')).to.equal(false);
  });

  it('when given -0 it reads 0 and never writes "-0"', () => {
    expect(Object.is(value('float32', '-0'), 0)).to.equal(true);
    expect(Object.is(value('float64', '-0.0'), 0)).to.equal(true);
    expect(Object.is(value('int16', '-0'), 0)).to.equal(true);
    expect(formatValue('float64', -0)).to.equal('0');
    expect(formatValue('float32', -0)).to.equal('0');
    expect(formatValue('int32', -0)).to.equal('0');
    expect(valuesEqual('float64', '-0', '0')).to.equal(true);
  });

  it('when given an exponent, hex, a plus sign, leading zeros or whitespace it refuses', () => {
    for (const type of ['float32', 'float64', 'int16', 'uint32'] as const) {
      for (const text of ['1e3', '1E3', '0x10', '+5', ' 5', '5 ', '', '.5', '5.', '007', 'NaN', 'Infinity', '1_000', '١']) refused(type, text);
    }
  });

  it('when an integer is outside its type it refuses with the range', () => {
    expect(value('int16', '32767')).to.equal(32767);
    expect(value('int16', '-32768')).to.equal(-32768);
    expect(refused('int16', '32768')).to.equal('outside the int16 range -32768..32767');
    expect(refused('int16', '-32769')).to.equal('outside the int16 range -32768..32767');
    expect(refused('uint16', '-1')).to.equal('outside the uint16 range 0..65535');
    expect(value('uint32', '4294967295')).to.equal(4294967295);
    refused('uint32', '4294967296');
    refused('int32', '2147483648');
    expect(refused('int32', '1.5')).to.equal('not a whole number');
    expect(refused('int32', '1.0')).to.equal('not a whole number');
  });

  it('when a float32 is beyond FLT_MAX it refuses; FLT_MAX itself round-trips', () => {
    refused('float32', '340282366920938463463374607431768211456'); // 2^128
    expect(value('float32', '340282346638528859811704183484516925440')).to.equal(FLOAT32_MAX);
    const text = formatValue('float32', FLOAT32_MAX);
    expect(text).to.equal('340282350000000000000000000000000000000');
    expect(value('float32', text)).to.equal(FLOAT32_MAX);
    expect(value('float64', '340282366920938463463374607431768211456')).to.equal(2 ** 128);
    refused('float64', `1${'0'.repeat(309)}`);
  });

  it('when given bools it accepts exactly "true" and "false"', () => {
    expect(value('bool', 'true')).to.equal(true);
    expect(value('bool', 'false')).to.equal(false);
    for (const t of ['TRUE', 'True', '1', '0', 'yes', ' true']) refused('bool', t);
    expect(formatValue('bool', true)).to.equal('true');
    expect(valuesEqual('bool', 'true', true)).to.equal(true);
    expect(valuesEqual('bool', 'true', 'TRUE')).to.equal(false);
  });

  it('when given strings it takes them as they are', () => {
    expect(value('string', ' R-17 ')).to.equal(' R-17 ');
    expect(valuesEqual('string', 'a', 'a')).to.equal(true);
    expect(valuesEqual('string', 'a', 'A')).to.equal(false);
    refused('string', 'x'.repeat(4097));
  });

  it('when writing numbers it never uses an exponent', () => {
    expect(formatValue('float32', 1e-7)).to.equal('0.0000001');
    expect(formatValue('float64', 1e21)).to.equal('1000000000000000000000');
    expect(formatValue('float64', 1.5e-7)).to.equal('0.00000015');
    expect(formatValue('float64', 0.1 + 0.2)).to.equal('0.30000000000000004');
    expect(formatValue('float64', 1.1)).to.equal('1.1');
    expect(valuesEqual('float64', '1.10', '1.1')).to.equal(true);
  });

  it('when formatting a value of the wrong kind or range it throws', () => {
    expect(() => formatValue('bool', 1)).to.throw(TypeError);
    expect(() => formatValue('int16', 40000)).to.throw(RangeError);
    expect(() => formatValue('int16', 1.5)).to.throw(RangeError);
    expect(() => formatValue('float64', Number.NaN)).to.throw(TypeError);
    expect(() => formatValue('float32', 1e39)).to.throw(RangeError);
  });

  it('when comparing an unparseable side it is never equal', () => {
    expect(valuesEqual('int16', '5', '05')).to.equal(false);
    expect(valuesEqual('float32', 'x', 'x')).to.equal(false);
  });

  it('when any float is formatted, parsing the text gives the same value back (1000 random values)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 1000; i++) {
      const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      expect(value('float64', formatValue('float64', x))).to.equal(x === 0 ? 0 : x);
      const f = Math.fround(x);
      expect(value('float32', formatValue('float32', f))).to.equal(f === 0 ? 0 : f);
    }
  });
});
