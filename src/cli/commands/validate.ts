/**
 * `taogate validate`: the IQ/OQ qualification suite against a running
 * installation, writing oq-report.json / .html / .pdf / .sig into --out;
 * `taogate validate verify DIR`: the signature and the named receipts;
 * `taogate validate manifest`: the package's file manifest (npm prepack).
 * Exit 0: every check passed or did not run; 1: a check failed (or verify failed).
 */
import { exec } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { bodyOf } from '../../validate/checks/act.js';
import type { GovernanceControl } from '../../validate/context.js';
import { copyLedger } from '../../validate/ledger-copy.js';
import { buildManifest, MANIFEST_FILE, runSuite, SUITE, ValidateContext, verifyReportDir, writeReport, type Operator, type Report, type Target } from '../../validate/index.js';
import { action, output } from '../action.js';
import { brokerLogin } from '../broker-creds.js';
import { CliError, EXIT } from '../exit.js';
import { dataPaths, keyPaths, ledgerDir } from '../paths.js';
import { DEMO_PROFILE, loadProfileOrExit } from '../profile-source.js';
import { loadKey, loadTrust } from '../trust.js';
import { PACKAGE_ROOT } from '../../package-root.js';

interface ValidateOpts {
  ready?: string;
  gateway?: string;
  broker?: string;
  http?: string;
  data?: string;
  plc?: string;
  out?: string;
  as?: string;
  keys?: string;
  profile?: string;
  manifest?: string;
  upstreamData?: string;
  governanceStop?: string;
  governanceStart?: string;
  json?: boolean;
  quiet?: boolean;
  /** TLS to the broker (added with --broker by env-options.ts). */
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
  only?: string;
}

/** The installation's addresses: a saved READY line (or its JSON), else the flags. */
function targetOf(o: ValidateOpts): Target {
  if (o.ready) {
    let text: string;
    try {
      text = readFileSync(o.ready, 'utf8');
    } catch (err) {
      throw new CliError(`--ready ${o.ready}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const line = text.split('\n').find((l) => l.startsWith('READY ')) ?? text;
    let r: { mqtt?: string; modbus?: string; opcua?: string; plc?: { modbus?: string; opcua?: string }; http?: string; data?: string };
    try {
      r = JSON.parse(line.replace(/^READY /, '')) as typeof r;
    } catch {
      throw new CliError(`--ready ${o.ready}: no READY line or READY JSON in the file`);
    }
    if (!r.mqtt || !r.modbus || !r.http || !(o.data ?? r.data)) throw new CliError(`--ready ${o.ready}: the READY line lacks mqtt, modbus, http or data`);
    return { mqtt: r.mqtt, modbus: r.modbus, http: r.http, data: resolve(o.data ?? (r.data as string)), ...(r.opcua ? { opcua: r.opcua } : {}), plc: { ...(r.plc?.modbus ? { modbus: r.plc.modbus } : {}), ...(r.plc?.opcua ? { opcua: r.plc.opcua } : {}) } };
  }
  if (!o.gateway || !o.broker || !o.http || !o.data) throw new CliError('give --ready FILE, or --gateway HOST:PORT --broker URL --http URL --data DIR', EXIT.usage);
  return { mqtt: o.broker, modbus: o.gateway, http: o.http, data: resolve(o.data), ...(o.plc ? { plc: { modbus: o.plc } } : {}) };
}

/** The profile the gateway runs: --profile, else the one its last start receipt names. */
async function runningProfilePath(o: ValidateOpts, gatewayLedger: string): Promise<string> {
  if (o.profile) return resolve(o.profile);
  const copy = await copyLedger(gatewayLedger);
  copy.remove();
  const start = [...copy.receipts].reverse().find((r) => r.kind === 'start');
  const named = start ? String(bodyOf(start).profile ?? '') : '';
  const candidates = named ? [isAbsolute(named) ? named : resolve(PACKAGE_ROOT, named)] : [];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  if (!start) throw new CliError(`${gatewayLedger}: no start receipt names the running profile; pass --profile FILE`);
  throw new CliError(`the gateway runs profile '${named}', which is not readable here; pass --profile FILE`);
}

/** OQ-13's governance stop/start as the operator's shell commands (exit 0 expected). */
function shellControl(stop: string, start: string): GovernanceControl {
  const run = async (cmd: string) => {
    try {
      await promisify(exec)(cmd, { timeout: 60_000 });
    } catch (err) {
      throw new Error(`'${cmd}' failed: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  return { describe: { stop, start }, stop: () => run(stop), start: () => run(start) };
}

export function registerValidateCommand(program: Command): void {
  const validate = program
    .command('validate')
    .description('run the IQ/OQ qualification suite against a running installation and write a signed report (oq-report.json/.html/.pdf/.sig). exit 0 all passed or not run; 1 a check failed')
    .option('--ready <file>', 'a file holding the READY line of `taogate demo` (or its JSON)')
    .option('--gateway <host:port>', "the gateway's Modbus TCP front (without --ready)")
    .option('--broker <url>', 'MQTT broker URL (without --ready)')
    .option('--http <url>', "the gateway's HTTP endpoint (without --ready)")
    .option('--data <dir>', 'the installation data dir: keys/, gateway/ (ledger), upstream/ (default from READY)')
    .option('--plc <host:port>', "the PLC of the profile's first Modbus device, read-only, to see that refused writes left it untouched (default from READY)")
    .option('--out <dir>', 'where the report files go (required)')
    .option('--as <name>', 'who runs the qualification: their approver key approves OQ-08 and signs the report')
    .option('--keys <dir>', 'keys dir (default DATA/keys)')
    .option('--profile <file>', 'the profile the installation runs (default: the one its start receipt names)')
    .option('--manifest <file>', `the package's file manifest (default ${MANIFEST_FILE} in the package)`)
    .option('--upstream-data <dir>', "the upstream's copy of this gateway's chain (default DATA/upstream/<gateway id>)")
    .option('--governance-stop <cmd>', 'shell command that stops governance (allows OQ-13; needs --governance-start)')
    .option('--governance-start <cmd>', 'shell command that starts governance again')
    .option('--only <ids>', 'run only these checks, comma-separated (e.g. IQ-01,OQ-02); the rest are left out of the report')
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'print {ok, dir, summary, files} on stdout')
    .action(
      action(async (o: ValidateOpts) => {
        if (!o.out) throw new CliError('--out DIR: where the report files go', EXIT.usage);
        const out = resolve(o.out);
        if ((o.governanceStop === undefined) !== (o.governanceStart === undefined)) throw new CliError('--governance-stop and --governance-start go together', EXIT.usage);
        const only = o.only?.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
        const unknown = only?.filter((id) => !SUITE.some((c) => c.id === id)) ?? [];
        if (unknown.length) throw new CliError(`--only: no check ${unknown.join(', ')} (checks: ${SUITE.map((c) => c.id).join(', ')})`, EXIT.usage);
        const target = targetOf(o);
        const paths = dataPaths(target.data);
        const keysDir = o.keys ? resolve(o.keys) : paths.keys;
        const kp = keyPaths(keysDir);
        const trust = loadTrust(kp.trust);
        const gatewayLedger = ledgerDir(target.data);
        if (!existsSync(gatewayLedger)) throw new CliError(`--data ${target.data}: no gateway ledger at ${gatewayLedger}`);
        const profilePath = await runningProfilePath(o, gatewayLedger);
        const profile = loadProfileOrExit(profilePath === DEMO_PROFILE ? undefined : profilePath);
        let operator: Operator | undefined;
        if (o.as) {
          const file = kp.approver(o.as);
          if (!existsSync(file)) throw new CliError(`--as ${o.as}: no approver key at ${file}`);
          const key = loadKey(file);
          const role = trust.byName(o.as, 'approver')?.approverRole ?? profile.approvers.get(o.as)?.role;
          if (!role) throw new CliError(`--as ${o.as}: not an approver of the profile or the trust store`);
          operator = { name: o.as, role, signer: key.signer };
        }
        const upstream = o.upstreamData ? resolve(o.upstreamData) : join(paths.upstreamLedger, profile.gateway.id);
        const manifest = o.manifest ? resolve(o.manifest) : join(PACKAGE_ROOT, MANIFEST_FILE);
        const ctx = new ValidateContext({
          runId: `OQ-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`,
          startedAt: new Date().toISOString(),
          target,
          keysDir,
          gatewayLedger,
          ...(existsSync(upstream) ? { upstreamLedger: upstream } : {}),
          trust,
          trustPath: kp.trust,
          profilePath,
          profile,
          ...(operator ? { operator } : {}),
          broker: brokerLogin({ broker: target.mqtt, keys: keysDir, mqttCa: o.mqttCa, mqttCert: o.mqttCert, mqttKey: o.mqttKey }),
          ...(existsSync(manifest) ? { manifestPath: manifest } : {}),
          packageRoot: PACKAGE_ROOT,
          ...(o.governanceStop && o.governanceStart ? { governanceControl: shellControl(o.governanceStop, o.governanceStart) } : {}),
          ...(o.quiet || o.json ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
        });
        try {
          await ctx.ops.chain();
        } catch (err) {
          throw new CliError(`cannot reach the gateway's HTTP endpoint ${target.http} (/api/chain): ${(err as Error).message}`);
        }
        let report: Report;
        try {
          report = await runSuite(ctx, only ? SUITE.filter((c) => only.includes(c.id)) : SUITE);
        } finally {
          await ctx.close();
        }
        const files = await writeReport(out, report, operator?.signer);
        const s = report.summary;
        const human = [
          ...report.checks.map((c) => `${c.result.padEnd(7)} ${c.id} ${c.title}${c.why ? ` (${c.why})` : ''}`),
          `${s.result}: ${s.pass} passed, ${s.fail} failed, ${s.notRun} not run; report in ${out}${files.pdf ? '' : ` (no PDF: ${files.pdfSkipped})`}${files.sig ? `, signed by ${operator?.name}` : ', NOT signed (no --as)'}`,
        ].join('\n');
        output(o.json === true, { ok: s.result === 'PASS', dir: out, summary: s, files }, human);
        return s.result === 'PASS' ? EXIT.ok : EXIT.failed;
      }),
    );

  validate
    .command('verify')
    .description('check a report: its signature, and that every receipt it names is in the ledger with the same hash and the ledger verifies. exit 0 valid; 1 not')
    .argument('<dir>', 'the report dir (oq-report.json and oq-report.sig)')
    .option('--data <dir>', 'the installation data dir or a ledger dir (default: the one the report names)')
    .option('--trust <file>', 'trust store (default: DATA/keys/trust.json)')
    .option('--json', 'print {ok, signer, receipts, problems}')
    .action(
      action(async (dir: string, _o: unknown, cmd: Command) => {
        // --data and --json are also options of `validate` itself: read them from both levels.
        const o = cmd.optsWithGlobals<{ data?: string; trust?: string; json?: boolean }>();
        const jsonPath = join(dir, 'oq-report.json');
        let named: string | undefined;
        try {
          named = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { installation?: { addresses?: { data?: string } } }).installation?.addresses?.data;
        } catch {
          named = undefined;
        }
        const data = o.data ?? named;
        if (!data) throw new CliError(`${jsonPath}: cannot tell which installation it is about: pass --data DIR`);
        const trust = loadTrust(o.trust ?? keyPaths(dataPaths(data).keys).trust);
        const v = await verifyReportDir(dir, trust, ledgerDir(data));
        if (o.json) output(true, v, '');
        else if (v.ok) process.stdout.write(`valid: signed by ${v.signer}; ${v.receipts} named receipts are in the ledger and verify\n`);
        else for (const p of v.problems) process.stderr.write(`taogate: ${dir}: ${p}\n`);
        return v.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  validate
    .command('manifest')
    .description(`write the package's file manifest (SHA-256 of package.json, src/, simulators/, profiles/) that IQ-01 checks; npm pack runs it`)
    .argument('[file]', 'where to write it', join(PACKAGE_ROOT, MANIFEST_FILE))
    .action(
      action(async (file: string) => {
        const m = buildManifest(PACKAGE_ROOT);
        writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
        process.stderr.write(`wrote ${file}: ${Object.keys(m.files).length} files of ${m.name} ${m.version}\n`);
      }),
    );
}
