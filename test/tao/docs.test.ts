/** docs/tao.md must agree with the code: every TAO refusal code, the pipeline order, the worked example. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSAL_CODES } from '../../src/refusal/codes.js';
import { TAO_PAYLOAD_TYPE } from '../../src/tao/envelope.js';
import { proposalDigest } from '../../src/tao/approval.js';
import { readVector, VECTOR_DIR } from './helpers.js';

const doc = readFileSync(join(VECTOR_DIR, '..', '..', 'docs', 'tao.md'), 'utf8');
const verifySource = readFileSync(join(VECTOR_DIR, '..', '..', 'src', 'tao', 'verify.ts'), 'utf8');

describe('tao: docs/tao.md', () => {
  it('when the docs are read they name every refusal code of the TAO group', () => {
    for (const [code, info] of Object.entries(REFUSAL_CODES)) if (info.group === 'tao') expect(doc, code).to.contain(`\`${code}\``);
  });

  it('when the docs list the pipeline they list the checks in the order verify.ts runs them', () => {
    const run = verifySource.slice(verifySource.indexOf('function runChecks'));
    const inCode = [...run.matchAll(/\b(parseEnvelope|checkType|findKey|checkSignature|decodePayload|checkCanonical|checkShape|checkTime|checkAudience|checkScope|checkPolicy|checkApprovals)\(/g)].map((m) => m[1]);
    const inDoc = [...doc.matchAll(/^\| \d+ \| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(inDoc).to.deep.equal([...inCode, 'checkNotConsumed']);
  });

  it('when the docs show the worked example they quote example.json exactly', () => {
    const ex = readVector('example.json');
    for (const part of [ex.seed, ex.publicKeyHex, ex.publicKeyB64u, ex.kid, ex.canonical, ex.pae, ex.signatureHex, ex.envelope.payload, ex.envelope.signatures[0].sig, JSON.stringify(ex.envelope, null, 2)]) {
      expect(doc).to.contain(part);
    }
    expect(doc).to.contain(`Its canonical bytes (${Buffer.byteLength(ex.canonical)} bytes)`);
    expect(doc).to.contain(TAO_PAYLOAD_TYPE);
  });

  it('when the docs show a proposal digest it is the one the code computes', () => {
    const digest = proposalDigest({ aud: 'gw-cell-1', sub: 'hmi-1', op: 'write', target: 'skid.pressure_max', value: '650' });
    expect(doc).to.contain(`gives \`${digest}\``);
  });
});
