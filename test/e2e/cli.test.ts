/**
 * The real `taogate` CLI as a child process: help, usage errors, profile
 * check, keys init, ledger verify on a tampered ledger.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { generateRawKeyPair, Signer } from '../../src/crypto/ed25519.js';
import { Ledger } from '../../src/ledger/index.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { runCli } from '../helpers/cli.js';

describe('taogate CLI (child process)', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when asked for --help every command answers and exits 0', async () => {
    const commands = [
      [], ['demo'], ['profile', 'check'], ['keys', 'init'], ['tao', 'request'], ['tao', 'present'], ['approvals'], ['approve'], ['reject'],
      ['ledger', 'verify'], ['ledger', 'show'], ['ledger', 'export'], ['ledger', 'settle'], ['broker'], ['governance'], ['gateway'], ['sim', 'modbus'], ['sim', 'opcua'],
      ['learn'], ['replay'], ['profile', 'diff'], ['validate'], ['breakglass', 'grant'], ['breakglass', 'review'], ['keys', 'rotate'], ['pki', 'list'], ['broker', 'mosquitto-config'],
    ];
    // Four at a time: a 2-core machine starting 25 Node processes at once is a load test, not a help test.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < commands.length; i += 4) results.push(...(await Promise.all(commands.slice(i, i + 4).map((c) => runCli([...c, '--help'], { timeoutMs: 90_000 })))));
    results.forEach((r, i) => {
      expect(r.code, `${commands[i]!.join(' ')} --help: ${r.stderr}`).to.equal(0);
      expect(r.stdout).to.match(/Usage: taogate/);
    });
  });

  it('when the arguments are wrong it says what and exits 64', async () => {
    const missing = await runCli(['ledger', 'verify']);
    expect(missing.code).to.equal(64);
    expect(missing.stderr).to.match(/--data/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).to.equal(64);
    expect(unknown.stderr).to.match(/unknown command/);
    const badPort = await runCli(['demo', '--port-base', 'abc']);
    expect(badPort.code).to.equal(64);
    expect(badPort.stderr).to.match(/port-base/);
  });

  it('when a profile is valid profile check exits 0; with a typo, a wrong type and a bad indent it names each FILE:LINE:COL', async () => {
    const ok = await runCli(['profile', 'check', 'profiles/demo-cell.yaml']);
    expect(ok.code, ok.stderr).to.equal(0);
    const text = readFileSync('profiles/demo-cell.yaml', 'utf8');
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, text.replace('write_roles: [operator]', 'wirte_roles: [operator]'));
    const r1 = await runCli(['profile', 'check', typo]);
    expect(r1.code).to.equal(1);
    expect(r1.stderr).to.match(new RegExp(`${typo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: .*wirte_roles.*write_roles`));
    const wrongType = join(dir, 'type.yaml');
    writeFileSync(wrongType, text.replace(/max_step: 30/, 'max_step: thirty'));
    const r2 = await runCli(['profile', 'check', wrongType, '--json']);
    expect(r2.code).to.equal(1);
    const j = JSON.parse(r2.stdout) as { ok: boolean; errors: { line: number; col: number; message: string }[] };
    expect(j.ok).to.equal(false);
    const line = text.split('\n').findIndex((l) => l.includes('max_step: 30')) + 1;
    expect(j.errors[0]!.line).to.equal(line);
    const indent = join(dir, 'indent.yaml');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('max_step: 30'));
    lines[at] = `   ${lines[at]}`;
    writeFileSync(indent, lines.join('\n'));
    const r3 = await runCli(['profile', 'check', indent]);
    expect(r3.code).to.equal(1);
    expect(r3.stderr).to.match(/:\d+:\d+: /);
    const missing = await runCli(['profile', 'check', join(dir, 'nope.yaml')]);
    expect(missing.code).to.equal(1);
  });

  it('when keys init runs it writes private keys mode 0600 and a trust store, and refuses to overwrite them', async () => {
    const keys = join(dir, 'keys');
    const r = await runCli(['keys', 'init', '--dir', keys, '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const created = (JSON.parse(r.stdout) as { created: string[] }).created;
    for (const f of created.filter((f) => f.endsWith('.jwk') || f.endsWith('.secret'))) expect(statSync(f).mode & 0o777, f).to.equal(0o600);
    const trust = TrustStore.load(join(keys, 'trust.json'));
    expect(trust.keys().map((k) => k.role)).to.include.members(['governance', 'gateway', 'upstream', 'approver', 'actor']);
    expect(trust.byName('bob', 'approver')?.approverRole).to.equal('supervisor');
    // The demo profile's reactor PLC logs in with user + password_file plc/reactor.secret (inside the keys dir).
    const plcSecret = join(keys, 'plc', 'reactor.secret');
    expect(created).to.include(plcSecret);
    expect(statSync(plcSecret).mode & 0o777).to.equal(0o600);
    expect(readFileSync(plcSecret, 'utf8')).to.match(/^[A-Za-z0-9_-]{24}\n$/);
    const again = await runCli(['keys', 'init', '--dir', keys]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/refusing to overwrite/);
  });

  it('when one stored receipt is changed ledger verify exits 1 naming its seq; intact it exits 0 with count and head', async () => {
    const ledgerDir = join(dir, 'gateway');
    const pair = generateRawKeyPair();
    const signer = new Signer(pair);
    const trustFile = join(dir, 'trust.json');
    const trust = TrustStore.fromJson({ version: 1, keys: [] });
    trust.add({ kid: signer.keyId, name: 'gw-test', role: 'gateway', publicKey: pair.publicKey });
    trust.save(trustFile);
    const ledger = await Ledger.open(ledgerDir, { gatewayId: 'gw-test', signer });
    await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append('denied', { target: 'skid.flow_sp', value: String(i), code: 'out_of_range' })));
    const head = ledger.head.hash;
    await ledger.close();

    const ok = await runCli(['ledger', 'verify', '--data', ledgerDir, '--trust', trustFile, '--json']);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ ok: true, count: 50, head });

    const db = new ClassicLevel<string, string>(ledgerDir);
    const key = [] as string[];
    for await (const k of db.keys()) if (k.startsWith('r!')) key.push(k);
    const victim = key[17]!;
    const value = await db.get(victim);
    await db.put(victim, value!.replace('"value":"17"', '"value":"71"'));
    await db.close();

    const bad = await runCli(['ledger', 'verify', '--data', ledgerDir, '--trust', trustFile, '--json']);
    expect(bad.code).to.equal(1);
    expect(JSON.parse(bad.stdout)).to.include({ ok: false, firstBad: 17 });
    const human = await runCli(['ledger', 'verify', '--data', ledgerDir, '--trust', trustFile]);
    expect(human.code).to.equal(1);
    expect(human.stdout).to.match(/seq 17/);
  });
});
