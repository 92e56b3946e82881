/**
 * Issue 11, defects 3 and 4: the outcome of a forwarded write says what the
 * PLC did. A PLC that answers after the gateway's PLC timeout has applied the
 * write: the outcome is never `voided`; a read-back settles it as committed,
 * and when nothing settles it the outcome is `indeterminate`, raised on
 * /readyz, the metrics and the ledger until a person settles it with a
 * signed `taogate ledger settle` (the real CLI).
 */
import { expect } from 'chai';
import type { Receipt } from '../../src/ledger/index.js';
import { runCli } from '../helpers/cli.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { closeClient, f32, modbusClient, type ModbusClient } from '../simulators/modbus-helpers.js';
import { waitForValue } from '../helpers/wait.js';

const HELD_MS = 4000; // longer than the gateway's PLC timeout

async function ledgerReceipts(cell: Cell): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for await (const r of cell.gateway.ledger.iterate()) out.push(r as Receipt);
  return out;
}

function bodyOf(r: Receipt): Record<string, unknown> {
  return r.body as Record<string, unknown>;
}

const waitFor = waitForValue;

async function writeFlow(client: ModbusClient, value: number): Promise<'ok' | string> {
  try {
    await client.writeRegisters(100, f32(value));
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('outcomes when the PLC answers late or never', function () {
  this.timeout(120_000);
  let cell: Cell;
  let proxy: DelayProxy;
  let hmi: ModbusClient;

  before(async () => {
    cell = await startCell({
      modbus: true,
      http: true,
      skidVia: async (plcPort) => {
        proxy = await startDelayProxy(plcPort);
        return proxy.port;
      },
    });
    hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    hmi.setTimeout(15_000);
  });
  after(async () => {
    await closeClient(hmi).catch(() => {});
    await cell?.close();
    await proxy?.close();
  });

  it('when the write answer comes after the PLC timeout but the PLC applied it, the read-back records committed, never voided', async () => {
    const before = cell.plc!.readFloat32(100);
    const value = before + 5;
    proxy.delayMs = HELD_MS;
    proxy.holds = ({ fc }) => fc === 16;
    const answer = await writeFlow(hmi, value);
    proxy.holds = () => false;
    expect(answer, 'the client is told the PLC did not answer').to.not.equal('ok');
    expect(cell.plc!.readFloat32(100), 'the PLC applied the write').to.equal(value);

    const outcome = await waitFor('the outcome receipt', async () => {
      const rs = await ledgerReceipts(cell);
      const intent = [...rs].reverse().find((r) => r.kind === 'intent' && bodyOf(r).target === 'skid.flow_sp');
      return intent && rs.find((r) => ['committed', 'voided', 'indeterminate'].includes(r.kind) && bodyOf(r).intent === intent.seq);
    });
    expect(outcome.kind).to.equal('committed');
    expect(String(bodyOf(outcome).reason)).to.match(/did not answer.*read-back shows the intended value/);
    expect(Number(bodyOf(outcome).readback)).to.equal(value);
  });

  it('when neither the answer nor a read-back comes, the outcome is indeterminate, /readyz is degraded and a metric counts it, until a supervisor settles it with the CLI', async () => {
    const before = cell.plc!.readFloat32(100);
    const value = before + 3;
    proxy.delayMs = HELD_MS;
    proxy.writeSeen = false;
    proxy.holds = ({ fc, sinceWrite }) => fc === 16 || (fc === 3 && sinceWrite);
    const answer = await writeFlow(hmi, value);
    expect(answer).to.not.equal('ok');
    const outcome = await waitFor('the indeterminate receipt', async () => {
      const rs = await ledgerReceipts(cell);
      const intent = [...rs].reverse().find((r) => r.kind === 'intent' && bodyOf(r).target === 'skid.flow_sp');
      return intent && rs.find((r) => ['committed', 'voided', 'indeterminate'].includes(r.kind) && bodyOf(r).intent === intent.seq);
    });
    proxy.holds = () => false;
    expect(outcome.kind, JSON.stringify(outcome.body)).to.equal("indeterminate");
    expect(String(bodyOf(outcome).reason)).to.match(/did not answer.*read-back failed/);
    const intentSeq = bodyOf(outcome).intent as number;

    const ready = (await (await fetch(`${cell.http!.url}/readyz`)).json()) as { ok: boolean; degraded?: boolean; checks: Record<string, { detail?: string }> };
    expect(ready.degraded).to.equal(true);
    expect(ready.checks.outcomes!.detail).to.contain(`intent ${intentSeq}`);
    const metrics = await (await fetch(`${cell.http!.url}/metrics`)).text();
    expect(metrics).to.match(/^taogate_indeterminate_open 1$/m);

    // Refused: a person without an approver key, a wrong outcome word, an intent that is not open.
    const gateway = ['--gateway', cell.http!.url, '--keys', cell.keysDir];
    const noKey = await runCli(['ledger', 'settle', String(outcome.seq), '--as', 'alice', '--outcome', 'committed', '--reason', 'x', ...gateway]);
    expect(noKey.code, noKey.stderr).to.equal(1);
    expect(noKey.stderr).to.match(/approver key for 'alice'/);
    const badWord = await runCli(['ledger', 'settle', String(outcome.seq), '--as', 'bob', '--outcome', 'maybe', '--reason', 'x', ...gateway]);
    expect(badWord.code).to.equal(64);
    const notOpen = await runCli(['ledger', 'settle', '0', '--as', 'bob', '--outcome', 'voided', '--reason', 'x', ...gateway, '--json']);
    expect(notOpen.code, notOpen.stderr).to.equal(2);
    expect(JSON.parse(notOpen.stdout).code).to.equal('unknown_request');

    // The PLC holds the value (the proxy only held answers): bob establishes that and settles it.
    expect(cell.plc!.readFloat32(100)).to.equal(value);
    const settled = await runCli(['ledger', 'settle', String(outcome.seq), '--as', 'bob', '--outcome', 'committed', '--reason', `HMI panel shows ${value}`, ...gateway, '--json']);
    expect(settled.code, settled.stderr).to.equal(0);
    const result = JSON.parse(settled.stdout) as { seq: number; intent: number };
    expect(result.intent).to.equal(intentSeq);
    const rs = await ledgerReceipts(cell);
    const receipt = rs.find((r) => r.seq === result.seq)!;
    expect(receipt.kind).to.equal('settled');
    expect(bodyOf(receipt)).to.include({ intent: intentSeq, outcome: 'committed', by: 'bob' });
    expect(bodyOf(receipt).statement, 'the signed statement is in the record').to.have.property('sig');

    const after = (await (await fetch(`${cell.http!.url}/readyz`)).json()) as { degraded?: boolean };
    expect(after.degraded).to.equal(undefined);
    expect(await (await fetch(`${cell.http!.url}/metrics`)).text()).to.match(/^taogate_indeterminate_open 0$/m);
    const again = await runCli(['ledger', 'settle', String(outcome.seq), '--as', 'carol', '--outcome', 'voided', '--reason', 'x', ...gateway]);
    expect(again.code, 'an outcome is settled once').to.equal(2);
  });

  it('when the gateway restarts, an open indeterminate outcome is still raised', async () => {
    const before = cell.plc!.readFloat32(100);
    proxy.delayMs = HELD_MS;
    proxy.writeSeen = false;
    proxy.holds = ({ fc, sinceWrite }) => fc === 16 || (fc === 3 && sinceWrite);
    expect(await writeFlow(hmi, before + 2)).to.not.equal('ok');
    await waitFor('an open indeterminate outcome', () => (cell.gateway.gate.indeterminates.size > 0 ? true : undefined));
    proxy.holds = () => false;
    const open = cell.gateway.gate.indeterminates.list().map((e) => e.intent);
    await closeClient(hmi);
    await cell.restartGateway();
    hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    hmi.setTimeout(15_000);
    expect(cell.gateway.gate.indeterminates.list().map((e) => e.intent)).to.deep.equal(open);
  });
});
