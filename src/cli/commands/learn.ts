/**
 * `taogate learn` (a candidate profile from captures, or proposals from the
 * gateway's denied receipts) and `taogate replay` (recorded writes through
 * the policy evaluation). See docs/commissioning.md.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { levelRecords, type Receipt } from '../../ledger/index.js';
import {
  applyProposals,
  candidateYaml,
  CaptureError,
  endpointKey,
  learnReport,
  propose,
  proposeFromDenied,
  readTraffic,
  replay,
  replayTable,
  tagNameOf,
  type DeniedReceipt,
  type LedgerLearning,
} from '../../learn/index.js';
import { loadProfile, parseProfile, ProfileError } from '../../policy/index.js';
import { action, collect, output } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { ledgerDir } from '../paths.js';

interface LearnOpts {
  pcap?: string[];
  ledger?: string;
  profile?: string;
  device?: string[];
  out?: string;
  report?: string;
  margin: string;
  gatewayId: string;
  site: string;
  json?: boolean;
}

interface ReplayOpts {
  pcap: string[];
  profile: string;
  device?: string[];
  json?: boolean;
}

const DEVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

/** --device NAME=HOST:PORT, repeatable -> name by "HOST:PORT" and "HOST:PORT" by name. */
export function parseDevices(specs: readonly string[] = []): { byEndpoint: Map<string, string>; byName: Map<string, string>; ports: number[] } {
  const byEndpoint = new Map<string, string>();
  const byName = new Map<string, string>();
  const ports: number[] = [];
  for (const spec of specs) {
    const m = /^([^=]+)=(.+):(\d{1,5})$/.exec(spec);
    if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new CliError(`--device ${spec}: expected NAME=HOST:PORT (e.g. skid=10.0.0.5:502)`, EXIT.usage);
    const [, name, host, port] = m as unknown as [string, string, string, string];
    if (!DEVICE_NAME.test(name)) throw new CliError(`--device ${spec}: device name '${name}' must start with a letter and hold only letters, digits, '_' and '-' (48 at most)`, EXIT.usage);
    const at = endpointKey({ ip: host.replace(/^\[(.*)\]$/, '$1'), port: Number(port) }); // [v6]:port or v4:port, as the capture names it
    byEndpoint.set(at, name);
    byName.set(name, at);
    ports.push(Number(port));
  }
  return { byEndpoint, byName, ports };
}

function traffic(paths: readonly string[], ports: readonly number[]) {
  try {
    return readTraffic(paths, { serverPorts: ports });
  } catch (err) {
    if (err instanceof CaptureError) throw new CliError(err.message);
    throw err;
  }
}

export function registerLearnCommands(program: Command): void {
  program
    .command('learn')
    .description('propose a profile from Modbus TCP captures (pcap/pcapng), or additions from the denied receipts of a gateway ledger')
    .option('--pcap <file>', 'a pcap or pcapng capture of Modbus TCP traffic (repeatable)', collect)
    .option('--ledger <dir>', 'a gateway ledger (or a demo data dir): propose what would allow its denied writes')
    .option('--profile <file>', 'with --ledger: the profile the gateway enforced')
    .option('--device <name=host:port>', 'name the PLC at HOST:PORT (repeatable; default plc_<host>_<port>_u<unit>)', collect)
    .option('--out <file>', 'write the candidate profile here (--pcap: required; --ledger: the profile with the proposals applied)')
    .option('--report <file>', '--pcap: write a Markdown report of what was learned from what')
    .option('--margin <percent>', 'margin on learned limits, in percent of the observed range', '10')
    .option('--gateway-id <id>', 'gateway id of the candidate profile', 'gw-learned')
    .option('--site <text>', 'site of the candidate profile', 'learned-from-capture')
    .option('--json', 'print the summary (or the proposals) as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  taogate learn --pcap cell.pcapng --device skid=10.0.0.5:502 --out candidate.yaml --report learned.md\n  taogate learn --ledger ./data --profile cell.yaml --out proposed.yaml\nexit 0 learned; 1 bad input (not a capture, truncated, no Modbus traffic); 64 usage',
    )
    .action(action(async (opts: LearnOpts) => (opts.ledger !== undefined ? learnFromLedger(opts) : learnFromPcap(opts))));

  program
    .command('replay')
    .description('run every write of a capture, in capture order and timing, through the policy evaluation of a profile (no governance, no PLC)')
    .requiredOption('--pcap <file>', 'a pcap or pcapng capture (repeatable: merged in time order)', collect)
    .requiredOption('--profile <file>', 'the profile to prove (e.g. a learned candidate)')
    .option('--device <name=host:port>', 'the profile device NAME is at HOST:PORT in the capture (repeatable)', collect)
    .option('--json', 'print {counts, refusedByCode, writes, tags, policyHash}')
    .addHelpText('after', '\nexit 0 when every write would pass (or only needs an approval); 1 when something would be refused, or bad input; 64 usage')
    .action(
      action(async (opts: ReplayOpts) => {
        const devices = parseDevices(opts.device);
        const profile = loadProfileOrFail(opts.profile);
        const t = traffic(opts.pcap, [...devices.ports, ...profilePorts(profile)]);
        let result;
        try {
          result = replay(t.transactions, profile, devices.byName);
        } catch (err) {
          throw new CliError((err as Error).message, EXIT.usage);
        }
        if (result.counts.total === 0) throw new CliError(`no Modbus writes in ${opts.pcap.join(', ')} (${t.transactions.length} transactions, all reads or other functions)`);
        output(Boolean(opts.json), result, replayTable(result));
        return result.counts.refused > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}

async function learnFromPcap(opts: LearnOpts): Promise<number> {
  if (!opts.pcap?.length) throw new CliError('give --pcap FILE (repeatable) or --ledger DIR', EXIT.usage);
  if (!opts.out) throw new CliError('--out FILE is required with --pcap', EXIT.usage);
  const margin = Number(opts.margin);
  if (!/^\d+(\.\d+)?$/.test(opts.margin) || margin > 1000) throw new CliError(`--margin ${opts.margin}: expected a percentage like 10`, EXIT.usage);
  const devices = parseDevices(opts.device);
  const t = traffic(opts.pcap, devices.ports);
  const candidate = propose(t.transactions, t.summary, { deviceNames: devices.byEndpoint, margin: margin / 100, gatewayId: opts.gatewayId, site: opts.site });
  if (candidate.tags.length === 0) throw new CliError(`no Modbus reads or writes to learn from in ${opts.pcap.join(', ')}`);
  const text = candidateYaml(candidate);
  try {
    parseProfile(text, opts.out);
  } catch (err) {
    // A candidate that fails the profile check is a bug of the learner: say so instead of writing it.
    throw new CliError(`the learned candidate does not pass the profile check (a bug, please report): ${(err as Error).message}`);
  }
  writeFileSync(opts.out, text);
  if (opts.report) writeFileSync(opts.report, learnReport(candidate, opts.out));
  const written = candidate.tags.filter((x) => x.written).length;
  const summary = {
    out: opts.out,
    report: opts.report ?? null,
    transactions: candidate.transactions,
    devices: candidate.devices.map((d) => ({ id: d.id, host: d.host, port: d.port, unit: d.unit, plcUnit: d.plcUnit })),
    tags: { written, readOnly: candidate.tags.length - written },
    actors: candidate.actors.map((a) => ({ id: a.id, source: a.source, writes: a.writes.count })),
    marginPercent: candidate.marginPct,
  };
  output(
    Boolean(opts.json),
    summary,
    `learned ${candidate.tags.length} tags (${written} written, ${candidate.tags.length - written} read-only) on ${candidate.devices.length} device(s), ${candidate.actors.length} actor(s) from ${candidate.transactions} transactions -> ${opts.out}${opts.report ? ` (report ${opts.report})` : ''}`,
  );
  return EXIT.ok;
}

async function learnFromLedger(opts: LearnOpts): Promise<number> {
  if (opts.pcap?.length) throw new CliError('give --pcap or --ledger, not both', EXIT.usage);
  if (!opts.profile) throw new CliError('--ledger needs --profile FILE (the profile the gateway enforced)', EXIT.usage);
  const dir = ledgerDir(opts.ledger!);
  if (!existsSync(dir)) throw new CliError(`--ledger ${opts.ledger}: no ledger at ${dir}`);
  const profile = loadProfileOrFail(opts.profile);
  const denied: DeniedReceipt[] = [];
  try {
    for await (const rec of levelRecords(dir)) {
      const r = JSON.parse(rec.raw) as Receipt;
      if (r.kind === 'denied' && r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body)) denied.push({ seq: r.seq, ts: r.ts, body: r.body as DeniedReceipt['body'] });
    }
  } catch (err) {
    throw new CliError(`--ledger ${opts.ledger}: cannot read ${dir}: ${(err as Error).message}`);
  }
  const learning = proposeFromDenied(denied, profile);
  if (opts.out) {
    const text = applyProposals(readFileSync(opts.profile, 'utf8'), learning);
    try {
      parseProfile(text, opts.out);
    } catch (err) {
      throw new CliError(`the proposed profile does not pass the profile check (a bug, please report): ${(err as Error).message}`);
    }
    writeFileSync(opts.out, text);
  }
  output(Boolean(opts.json), learning, describeLearning(learning, opts.out));
  return EXIT.ok;
}

function describeLearning(l: LedgerLearning, out: string | undefined): string {
  const lines = [`${l.denied} denied receipts, ${l.proposals.length} proposals${out ? ` (applied in ${out})` : ''}`];
  for (const p of l.proposals) {
    const n = `${p.seen.count}x`;
    if (p.kind === 'add_actor') lines.push(`  add actor ${p.actor} for source ${p.source} (${n} unknown_actor; wrote ${p.targets.join(', ') || '-'})`);
    if (p.kind === 'add_tag') lines.push(`  add tag ${tagNameOf(p)} (${p.type}) for ${p.table} ${p.address} (${n} unknown_tag; values ${p.values.slice(0, 5).join(' | ')})`);
    if (p.kind === 'widen_min') lines.push(`  lower ${p.tag} min ${p.from ?? 'unset'} -> ${p.to} (${n} out_of_range)`);
    if (p.kind === 'widen_max') lines.push(`  raise ${p.tag} max ${p.from ?? 'unset'} -> ${p.to} (${n} out_of_range)`);
    if (p.kind === 'add_role') lines.push(`  let role ${p.role} write ${p.tag} (${n} role_not_allowed: ${p.actors.join(', ')})`);
  }
  const rest = Object.entries(l.notLearned);
  if (rest.length) lines.push(`  not learned (the policy working as meant): ${rest.map(([c, k]) => `${c} ${k}`).join(', ')}`);
  return lines.join('\n');
}

function loadProfileOrFail(path: string) {
  try {
    return loadProfile(path);
  } catch (err) {
    if (err instanceof ProfileError) throw new CliError(`--profile ${path}: ${err.message}`);
    throw new CliError(`--profile ${path}: ${(err as Error).message}`);
  }
}

function profilePorts(profile: ReturnType<typeof loadProfile>): number[] {
  return [...profile.devices.values()].flatMap((d) => (d.protocol === 'modbus' ? [d.port] : []));
}
