/** Export rows: JSON Lines carries the whole receipt; CSV flattens the body fields the gate writes. */
import { expect } from 'chai';
import { CSV_HEADER, exportFields, receiptToCsvRow, receiptToJsonl, sealReceipt, GENESIS_PREV, type Receipt } from '../../src/ledger/index.js';
import { newSigner } from './helpers.js';

const signer = newSigner();
const base = { seq: 0, prev: GENESIS_PREV, ts: Date.UTC(2024, 0, 2, 3, 4, 5, 678), gateway: 'gw-1' };

describe('ledger/export', () => {
  it('when the header is printed, it lists the documented columns in order', () => {
    expect(CSV_HEADER).to.equal('seq,ts_iso,kind,gateway,actor,target,value,outcome,code,jti,hash,prev');
  });

  it('when a committed write is exported, the CSV row carries actor, target, value, outcome and jti', () => {
    const r = sealReceipt({ ...base, kind: 'committed', body: { actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: 'j-1', intent: 7 } }, signer);
    const row = receiptToCsvRow(r).split(',');
    expect(row).to.deep.equal(['0', '2024-01-02T03:04:05.678Z', 'committed', 'gw-1', 'hmi-1', 'skid.flow_sp', '42.5', 'committed', '', 'j-1', r.hash, GENESIS_PREV]);
  });

  it('when a denial is exported, outcome is refused and code is the refusal code', () => {
    const r = sealReceipt({ ...base, kind: 'denied', body: { actor: 'opti', target: 'reactor.temp_sp', value: '999', code: 'out_of_range', reason: 'above 180' } }, signer);
    expect(exportFields(r)).to.include({ outcome: 'refused', code: 'out_of_range', jti: '' });
  });

  it('when a cell holds commas, quotes or newlines, it is quoted per RFC 4180', () => {
    const r = sealReceipt({ ...base, kind: 'config', body: { actor: 'a,"b"\nc' } }, signer);
    const row = receiptToCsvRow(r);
    expect(row).to.include('"a,""b""\nc"');
    expect(exportFields(r).outcome).to.equal('');
  });

  it('when the body is not an object or a value is not a string, it still exports', () => {
    const arr = sealReceipt({ ...base, kind: 'checkpoint', body: [1, 2] }, signer);
    expect(exportFields(arr)).to.include({ actor: '', value: '' });
    const num = sealReceipt({ ...base, kind: 'intent', body: { value: 42, target: 't' } }, signer);
    expect(exportFields(num).value).to.equal('42');
  });

  it('when a receipt is written as JSON Lines, it parses back to the same receipt, with no newline inside', () => {
    const r = sealReceipt({ ...base, kind: 'intent', body: { reason: 'line1\nline2' } }, signer);
    const line = receiptToJsonl(r);
    expect(line).not.to.include('\n');
    expect(JSON.parse(line) as Receipt).to.deep.equal(r);
    expect(Object.keys(JSON.parse(line) as object)).to.deep.equal(['seq', 'prev', 'ts', 'kind', 'gateway', 'kid', 'body', 'hash', 'sig']);
    expect(r.kid, 'the line names the key that signed it').to.equal(signer.keyId);
  });
});
