/**
 * Issue 12, section 3: the gateway's write request id travels in the signed
 * proposal, so governance's log line for that proposal carries it next to
 * the TAO id (or the denial code).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { startGovernanceService } from '../../src/governance/service.js';
import { startCell, type Cell } from '../helpers/cell.js';

describe('site logs: correlation id from the gateway into governance', function () {
  let cell: Cell;
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  const capture = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, ...(msg !== undefined ? { msg } : {}) });

  before(async () => {
    cell = await startCell({ modbus: true });
    await cell.stopGovernance();
    cell.governance = await startGovernanceService({
      url: cell.broker.url,
      username: 'governance',
      password: cell.secret('governance'),
      profile: cell.profile,
      trust: cell.trust,
      signer: readPrivateKeyFile(keyPaths(cell.keysDir).governance).signer,
      log: { debug: capture, info: capture, warn: capture, error: capture },
      statePath: join(cell.dir, 'governance', 'approvals.json'),
    });
  });
  after(async () => cell?.close());

  it('when a write is decided inline, governance logs the write`s request id with the TAO id, or with the approval request when pending', async () => {
    const ok = await cell.gateway.gate.authorize({ id: 'req-corr-ok', protocol: 'cli', source: 'test', actor: 'hmi-1', op: 'write', target: 'skid.flow_sp', value: '41' });
    expect(ok.allowed, JSON.stringify(ok)).to.equal(true);
    if (ok.allowed) await ok.ticket.committed();
    const issued = lines.find((l) => l.msg === 'proposal decided' && l.obj.req === 'req-corr-ok');
    expect(issued, JSON.stringify(lines)).to.not.equal(undefined);
    expect(issued!.obj).to.include({ decision: 'issue', jti: ok.allowed ? ok.ticket.jti : '' });

    const pending = await cell.gateway.gate.authorize({ id: 'req-corr-pending', protocol: 'cli', source: 'test', actor: 'hmi-1', op: 'write', target: 'skid.pressure_max', value: '300' });
    expect(pending.allowed).to.equal(false);
    const logged = lines.find((l) => l.msg === 'proposal decided' && l.obj.req === 'req-corr-pending');
    expect(logged?.obj).to.include({ decision: 'pending' });
  });
});
