/**
 * The demo contract of docs/interface.md, driven as a user would: `taogate demo`
 * as a child process, the READY line, the CLI against it (exit codes 0 / 2 / 3),
 * a Modbus master, and a clean exit 0 on SIGTERM; then the ledger offline.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBase, runCli, startDemo, type DemoProcess } from '../helpers/cli.js';
import { closeClient, modbusClient } from '../simulators/modbus-helpers.js';

describe('taogate demo (child process) and the CLI against it', function () {
  this.timeout(120_000);
  let dir: string;
  let demo: DemoProcess;
  let base: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-demo-'));
    base = await freePortBase();
    demo = await startDemo(dir, base);
  });
  after(async () => {
    await demo?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli([...args, '--data', dir]);
  const broker = () => demo.ready.mqtt;

  it('when it is ready it prints one READY line with every address on 127.0.0.1 at the port-base layout', () => {
    const lines = demo.stdout().trim().split('\n');
    expect(lines).to.have.length(1);
    expect(demo.ready).to.deep.equal({
      mqtt: `mqtt://127.0.0.1:${base}`,
      modbus: `127.0.0.1:${base + 1}`,
      opcua: `opc.tcp://127.0.0.1:${base + 2}`,
      plc: { modbus: `127.0.0.1:${base + 3}`, opcua: `opc.tcp://127.0.0.1:${base + 4}`, dosing: `127.0.0.1:${base + 6}` },
      http: `http://127.0.0.1:${base + 5}`,
      data: dir,
    });
  });

  it('when a pre-issued TAO is requested, presented, used and presented again the exit codes are 0, 0, 2', async () => {
    const req = await cli('tao', 'request', '--broker', broker(), '--actor', 'optimizer-1', '--tag', 'skid.flow_sp', '--value', '55', '--reason', 'e2e');
    expect(req.code, req.stderr).to.equal(0);
    const envelope = JSON.parse(req.stdout) as { payloadType: string };
    expect(envelope.payloadType).to.match(/taogate/);
    const file = join(dir, 'tao.json');
    writeFileSync(file, req.stdout);
    const staged = await cli('tao', 'present', '--broker', broker(), '--file', file, '--json');
    expect(staged.code, staged.stderr).to.equal(0);
    expect(JSON.parse(staged.stdout).staged).to.equal(true);
    const opti = await modbusClient(base + 1, 1, '127.0.0.2');
    try {
      const b = Buffer.alloc(4);
      b.writeFloatBE(55);
      await opti.writeRegisters(100, [b.readUInt16BE(0), b.readUInt16BE(2)]);
    } finally {
      await closeClient(opti);
    }
    const again = await cli('tao', 'present', '--broker', broker(), '--file', file);
    expect(again.code).to.equal(2);
    expect(JSON.parse(again.stdout)).to.include({ code: 'consumed' });
  });

  it('when hmi-1 writes dosing.rate_sp at unit 2 it reaches the dosing drive over RTU framing; a step over 100 gets 0x03 and the drive keeps its value', async () => {
    const hmi = await modbusClient(base + 1, 2, '127.0.0.1');
    hmi.setTimeout(5000);
    try {
      await hmi.writeRegister(200, 180);
      expect((await hmi.readHoldingRegisters(200, 1)).data).to.deep.equal([180]);
      const refused = await hmi.writeRegister(200, 400).then(
        () => undefined,
        (err: { modbusCode?: number }) => err.modbusCode,
      );
      expect(refused).to.equal(0x03);
      expect((await hmi.readHoldingRegisters(200, 1)).data).to.deep.equal([180]);
      // rate_pv (input 0) follows the setpoint: poll until it arrives (no timing assumed)
      let pv = 0;
      // (a first-order lag rounded to whole units: within 1 of the setpoint counts as arrived)
      for (let i = 0; i < 300 && Math.abs(pv - 180) > 1; i++) {
        pv = (await hmi.readInputRegisters(0, 1)).data[0]!;
        if (Math.abs(pv - 180) > 1) await new Promise((r) => setTimeout(r, 100));
      }
      expect(pv).to.be.within(179, 181);
    } finally {
      await closeClient(hmi);
    }
  });

  it('when a request is out of limits tao request exits 2 with the code; when it needs approval it exits 3 with the request id', async () => {
    const denied = await cli('tao', 'request', '--broker', broker(), '--actor', 'hmi-1', '--tag', 'skid.flow_sp', '--value', '500');
    expect(denied.code).to.equal(2);
    expect(JSON.parse(denied.stdout)).to.include({ code: 'out_of_range' });
    const pending = await cli('tao', 'request', '--broker', broker(), '--actor', 'hmi-1', '--tag', 'skid.pressure_max', '--value', '450');
    expect(pending.code).to.equal(3);
    const id = (JSON.parse(pending.stdout) as { request: string }).request;
    const list = await cli('approvals', '--broker', broker(), '--json');
    expect(list.code).to.equal(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).to.include(id);
    const self = await cli('approve', id, '--as', 'hmi-1', '--reason', 'mine', '--broker', broker());
    expect(self.code).to.equal(2);
    expect(JSON.parse(self.stdout)).to.include({ code: 'self_approval' });
    const notApprover = await cli('approve', id, '--as', 'alice', '--reason', 'not mine to approve', '--broker', broker());
    expect(notApprover.code).to.equal(2);
    expect(JSON.parse(notApprover.stdout)).to.include({ code: 'role_not_allowed' });
    const ok = await cli('approve', id, '--as', 'bob', '--reason', 'relief valve checked', '--broker', broker());
    expect(ok.code, ok.stderr).to.equal(0);
    const issued = await cli('tao', 'request', '--broker', broker(), '--actor', 'hmi-1', '--tag', 'skid.pressure_max', '--value', '450');
    expect(issued.code, issued.stderr).to.equal(0);
    const payload = JSON.parse(Buffer.from((JSON.parse(issued.stdout) as { payload: string }).payload, 'base64').toString()) as { approvals: { approver: string }[] };
    expect(payload.approvals.map((a) => a.approver)).to.deep.equal(['bob']);
  });

  it('when /readyz and /metrics are asked they answer', async () => {
    const ready = await fetch(`${demo.ready.http}/readyz`);
    expect(ready.status).to.equal(200);
    const metrics = await (await fetch(`${demo.ready.http}/metrics`)).text();
    expect(metrics).to.match(/taogate_writes_total\{protocol="modbus",outcome="committed"/);
  });

  it('when SIGTERM arrives it exits 0, the upstream holds the whole chain, and the ledger verifies offline and exports every receipt', async () => {
    expect(await demo.stop('SIGTERM')).to.equal(0);
    // The gateway stops before the upstream: its stop receipt and closing checkpoint are acknowledged.
    expect(demo.stderr()).to.not.include('did not acknowledge the stop receipt');
    const verify = await runCli(['ledger', 'verify', '--data', dir, '--json']);
    expect(verify.code, verify.stderr).to.equal(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; count: number; head: string };
    expect(report.ok).to.equal(true);
    const show = await runCli(['ledger', 'show', '--data', dir, '--json']);
    const receipts = JSON.parse(show.stdout) as { kind: string; hash: string }[];
    expect(receipts).to.have.length(report.count);
    expect(receipts.at(-1)!.hash).to.equal(report.head);
    const upstream = JSON.parse(readFileSync(join(dir, 'upstream', 'status.json'), 'utf8')) as { gateways: { held: { seq: number; hash: string } }[] };
    expect(upstream.gateways[0]!.held).to.deep.equal({ seq: report.count - 1, hash: report.head });
    expect(receipts.map((r) => r.kind)).to.include.members(['staged', 'intent', 'committed', 'denied']);
    for (const format of ['csv', 'jsonl']) {
      const out = await runCli(['ledger', 'export', '--data', dir, '--format', format]);
      expect(out.code, out.stderr).to.equal(0);
      expect(out.stdout.trim().split('\n')).to.have.length(report.count + (format === 'csv' ? 1 : 0));
    }
  });
});
