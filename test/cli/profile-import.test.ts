/**
 * Commissioning from the PLC with the real CLI: `profile import opcua`
 * against the hardened reactor simulator (as the demo runs it),
 * `profile import modbus-csv` (good map, and bad rows reported by line),
 * `profile hash-password`, and an unreachable endpoint. Every skeleton the
 * importers write passes `profile check` unchanged.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { OpcuaSim } from '../../simulators/opcua/index.js';
import { startSecuredReactor } from '../../src/cli/demo/reactor-plc.js';
import { ensurePlcSecret, plcSecretFile } from '../../src/cli/plc-secret.js';
import { findFreePort } from '../../src/gateway/opcua/free-port.js';
import { importModbusCsv } from '../../src/import/modbus-csv.js';
import { checkProfileFile } from '../../src/policy/index.js';
import { verifyPassword } from '../../src/policy/password.js';
import { runCli } from '../helpers/cli.js';

interface Skeleton {
  devices: Record<string, Record<string, unknown>>;
  tags: Record<string, { type: string; units?: string; min?: number; max?: number; description?: string; opcua?: { node_id: string }; modbus?: { table: string; address: number; word_order?: string }; write_roles: string[] }>;
  methods?: Record<string, { opcua: { object_id: string; method_id: string }; args: { name: string; type: string }[]; call_roles: string[] }>;
  actors: Record<string, unknown>;
}

const CSV_HEADER = 'name,table,address,type,word_order,units,min,max,description';

describe('taogate profile import / hash-password', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-import-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('opcua', () => {
    let sim: OpcuaSim;
    const keys = () => join(dir, 'data', 'keys');
    const gatewayPki = () => join(dir, 'data', 'pki', 'gateway-opcua', 'plc-client');

    before(async () => {
      // The demo's arrangement: the hardened reactor trusts the gateway's PLC-client certificate and vice versa.
      sim = await startSecuredReactor({ host: '127.0.0.1', port: 0, plcPkiDir: join(dir, 'plc'), gatewayPlcPkiDir: gatewayPki(), password: ensurePlcSecret(plcSecretFile(keys())) });
    });
    after(async () => {
      await sim?.close();
    });

    it('when it browses the secured reactor as user gateway it writes a skeleton that passes profile check, with types, units, ranges and methods, nothing writable', async () => {
      const out = join(dir, 'reactor.yaml');
      const r = await runCli(['profile', 'import', 'opcua', sim.endpoint, '--security-policy', 'Basic256Sha256', '--security-mode', 'SignAndEncrypt', '--user', 'gateway', '--password-file', plcSecretFile(keys()), '--device', 'reactor', '--data', join(dir, 'data'), '--out', out, '--json'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.include({ out, tags: 7, methods: 2 });
      // what `taogate profile check` runs
      expect(checkProfileFile(out)).to.deep.equal({ ok: true, errors: [] });

      const p = parse(readFileSync(out, 'utf8')) as Skeleton;
      expect(p.devices.reactor).to.deep.include({ protocol: 'opcua', endpoint: sim.endpoint, security_policy: 'Basic256Sha256', security_mode: 'SignAndEncrypt', user: 'gateway', password_file: 'plc/reactor.secret' });
      expect(p.tags['reactor.temp_sp']).to.deep.include({ type: 'float64', units: '°C', min: 0, max: 200, opcua: { node_id: 'ns=1;s=reactor.temp_sp' }, write_roles: [] });
      expect(p.tags['reactor.agitator_rpm']).to.deep.include({ type: 'int32', units: 'r/min', min: 0, max: 1000 });
      expect(p.tags['reactor.batch_state']).to.deep.include({ type: 'string', description: 'Idle | Running | Stopped' });
      expect(p.tags['reactor.batch_state']).to.not.have.property('min');
      expect(Object.keys(p.tags)).to.have.length(7);
      for (const t of Object.values(p.tags)) expect(t.write_roles).to.deep.equal([]);
      expect(p.methods!['reactor.StartBatch']).to.deep.equal({ device: 'reactor', opcua: { object_id: 'ns=1;s=reactor', method_id: 'ns=1;s=reactor.StartBatch' }, args: [{ name: 'recipeId', type: 'string' }], call_roles: [] });
      expect(p.methods!['reactor.Stop']!.args).to.deep.equal([]);
      expect(p.actors).to.deep.equal({});
      expect(sim.writes()).to.have.length(0);
    });

    it('when the endpoint does not answer it fails within its timeout with exit 1 and writes nothing', async () => {
      const port = await findFreePort('127.0.0.1');
      const out = join(dir, 'nothing.yaml');
      const r = await runCli(['profile', 'import', 'opcua', `opc.tcp://127.0.0.1:${port}`, '--security-policy', 'None', '--timeout-ms', '3000', '--data', join(dir, 'data'), '--out', out], { timeoutMs: 120_000 });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/taogate: import from opc\.tcp:\/\/127\.0\.0\.1:\d+: /);
      expect(existsSync(out)).to.equal(false);
    });
  });

  describe('modbus-csv', () => {
    it('when every row is good the CLI writes a skeleton that passes profile check', async () => {
      const csv = join(dir, 'dosing.csv');
      writeFileSync(csv, [CSV_HEADER, 'rate_sp,holding,200,uint16,,l/h,0,500,Dosing rate setpoint', 'rate_pv,input,0,uint16,,l/h,,,"Dosing rate, measured"', 'flow,holding,210,float32,CDAB,m3/h,0,12.5,', 'run,coil,3,bool,,,,,Pump run'].join('\r\n') + '\r\n');
      const out = join(dir, 'dosing.yaml');
      const r = await runCli(['profile', 'import', 'modbus-csv', csv, '--device', 'dosing', '--unit', '2', '--out', out], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).to.equal(0);
      expect(checkProfileFile(out)).to.deep.equal({ ok: true, errors: [] });
      const p = parse(readFileSync(out, 'utf8')) as Skeleton;
      expect(p.devices.dosing).to.deep.include({ protocol: 'modbus', unit: 2 });
      expect(p.tags['dosing.rate_sp']).to.deep.include({ type: 'uint16', units: 'l/h', min: 0, max: 500, modbus: { table: 'holding', address: 200 }, write_roles: [] });
      expect(p.tags['dosing.rate_pv']!.description).to.equal('Dosing rate, measured');
      expect(p.tags['dosing.flow']!.modbus).to.deep.equal({ table: 'holding', address: 210, word_order: 'CDAB' });
      expect(p.tags['dosing.run']).to.deep.include({ type: 'bool', modbus: { table: 'coil', address: 3 } });
    });

    it('when rows are bad the CLI names each by line, exits 1 and writes nothing', async () => {
      const csv = join(dir, 'bad.csv');
      writeFileSync(csv, [CSV_HEADER, 'ok,holding,1,uint16,,,,,', 'speed,holding,2,uint17,,,,,', 'level,holding,70000,int16,,,,,', 'ok,holding,5,int16,,,,,', 'temp,coil,4,float32,,,,,'].join('\n'));
      const out = join(dir, 'bad.yaml');
      const r = await runCli(['profile', 'import', 'modbus-csv', csv, '--device', 'skid', '--out', out], { timeoutMs: 60_000 });
      expect(r.code).to.equal(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).to.have.length(4);
      expect(lines[0]).to.equal(`${csv}:3: type 'uint17' is not one of bool, int16, uint16, int32, uint32, float32, float64`);
      expect(lines[1]).to.match(new RegExp(`^${csv}:4: address '70000'`));
      expect(lines[2]).to.equal(`${csv}:5: tag skid.ok is already defined on line 2`);
      expect(lines[3]).to.match(new RegExp(`^${csv}:6: a coil holds one bit`));
      expect(existsSync(out)).to.equal(false);
    });

    it('when the profile check finds a clash the error points at the CSV line of the tag', () => {
      const r = importModbusCsv({ file: 'map.csv', text: [CSV_HEADER, 'a,holding,10,float32,,,,,', 'b,holding,11,uint16,,,,,'].join('\n'), device: 'skid', host: '127.0.0.1', port: 502, unit: 1, gateway: { id: 'gw', site: 's' } });
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.errors.length).to.be.greaterThan(0);
        expect(r.errors.every((e) => /^map\.csv:[23]: /.test(e)), r.errors.join('\n')).to.equal(true);
      }
    });

    it('when the header misses a required column or a quote is not closed it says which line', () => {
      const base = { file: 'm.csv', device: 'skid', host: 'h', port: 502, unit: 1, gateway: { id: 'gw', site: 's' } };
      const noType = importModbusCsv({ ...base, text: 'name,table,address\nx,holding,1\n' });
      expect(noType).to.deep.equal({ ok: false, errors: ['m.csv:1: header misses column(s) type (expected name,table,address,type,word_order,units,min,max,description)'] });
      const open = importModbusCsv({ ...base, text: `${CSV_HEADER}\nx,holding,1,uint16,,,,,"never closed\n` });
      expect(open).to.deep.equal({ ok: false, errors: ['m.csv:2: a quoted field is not closed'] });
    });
  });

  describe('hash-password', () => {
    it('when a password comes on stdin it prints a password_hash that verifies with that password only', async () => {
      const r = await runCli(['profile', 'hash-password'], { input: 'correct horse battery\n', timeoutMs: 60_000 });
      expect(r.code, r.stderr).to.equal(0);
      const hash = r.stdout.trim();
      expect(hash).to.match(/^scrypt\$16384\$8\$1\$/);
      expect(verifyPassword(hash, 'correct horse battery')).to.equal(true);
      expect(verifyPassword(hash, 'correct horse battery\n')).to.equal(false);
      expect(verifyPassword(hash, 'wrong')).to.equal(false);
    });

    it('when stdin is empty it exits 1 and prints no hash', async () => {
      const r = await runCli(['profile', 'hash-password'], { input: '', timeoutMs: 60_000 });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.include('empty password');
    });
  });
});
