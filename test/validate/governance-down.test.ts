/**
 * OQ-13 on a cell whose governance it may stop (the demo runs governance in
 * its own process, so there it is NOT RUN): with governance stopped a write
 * inside the limits is refused with a receipt, the PLC keeps its value, and
 * governance is started again.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { keyPaths } from '../../src/cli/paths.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { oqGovernanceDown } from '../../src/validate/checks/index.js';
import { runSuite, ValidateContext } from '../../src/validate/index.js';
import { startCell, type Cell } from '../helpers/cell.js';

describe('validate OQ-13 (governance unreachable) on an in-process cell', function () {
  this.timeout(120_000);
  let cell: Cell;
  before(async () => {
    cell = await startCell({ modbus: true, http: true });
  });
  after(async () => {
    await cell?.close();
  });

  function context(withControl: boolean): ValidateContext {
    return new ValidateContext({
      runId: 'OQ-test',
      startedAt: new Date().toISOString(),
      target: { mqtt: cell.broker.url, modbus: `127.0.0.1:${cell.modbusPort}`, plc: { modbus: cell.plc!.address }, http: cell.http!.url, data: cell.dir },
      keysDir: cell.keysDir,
      gatewayLedger: cell.gateway.ledger.dir,
      trust: cell.trust,
      trustPath: keyPaths(cell.keysDir).trust,
      profilePath: DEMO_PROFILE,
      profile: cell.profile,
      broker: { url: cell.broker.url, username: 'operator', password: cell.secret('operator') },
      packageRoot: fileURLToPath(new URL('../../', import.meta.url)),
      ...(withControl
        ? { governanceControl: { describe: { stop: 'cell.stopGovernance()', start: 'cell.startGovernance()' }, stop: () => cell.stopGovernance(), start: async () => void (await cell.startGovernance()) } }
        : {}),
    });
  }

  it('when stopping governance is not allowed the check is NOT RUN and says why', async () => {
    const ctx = context(false);
    try {
      const report = await runSuite(ctx, [oqGovernanceDown]);
      expect(report.checks[0]).to.include({ id: 'OQ-13', result: 'NOT RUN' });
      expect(report.checks[0]!.why).to.match(/not allowed to stop governance/);
      expect(report.summary.result).to.equal('PASS');
    } finally {
      await ctx.close();
    }
  });

  it('when it may stop governance a write is refused with a receipt, the PLC is untouched, and governance comes back', async () => {
    const ctx = context(true);
    try {
      const report = await runSuite(ctx, [oqGovernanceDown]);
      const c = report.checks[0]!;
      expect(c.result, `${c.observed} ${c.why ?? ''}`).to.equal('PASS');
      expect(c.receipts.map((r) => r.kind)).to.deep.equal(['denied']);
      expect(String(c.evidence.code)).to.match(/^governance_/);
      expect(c.evidence.plcAfter).to.equal(c.evidence.plcBefore);
      expect(cell.governance, 'governance started again').to.not.equal(undefined);
      const ready = await fetch(`${cell.http!.url}/readyz`);
      expect(ready.status).to.equal(200);
    } finally {
      await ctx.close();
    }
  });
});
