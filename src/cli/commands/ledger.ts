import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { levelRecords, verifyRecords, type Receipt } from '../../ledger/index.js';
import { receiptToCsvRow, CSV_HEADER, receiptToJsonl } from '../../ledger/export.js';
import { action, output, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { ledgerDir } from '../paths.js';
import { findTrustStore } from '../trust.js';
import { verifyLedgerDir } from '../ledger-verify.js';
import { progressReporter } from '../progress.js';
import { receiptToLine } from '../../historian/influx.js';
import { registerBundleCommand } from './bundle.js';
import { registerSettleCommand } from './settle.js';

interface LedgerOpts {
  data: string;
  json?: boolean;
  trust?: string;
}

function openDir(data: string): string {
  const dir = ledgerDir(data);
  if (!existsSync(dir)) throw new CliError(`--data ${data}: no ledger at ${dir}`);
  return dir;
}

async function* receipts(dir: string): AsyncGenerator<Receipt> {
  for await (const rec of levelRecords(dir)) {
    try {
      yield JSON.parse(rec.raw) as Receipt;
    } catch {
      throw new CliError(`${dir}: receipt ${rec.key} is not valid JSON (run 'taogate ledger verify')`);
    }
  }
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('the receipt ledger (LevelDB hash chain); works while the gateway is stopped');

  ledger
    .command('verify')
    .description('check every receipt (seq, hash, link to the previous one, the signature of the key it names, valid at its time) and the chain against the checkpoints the upstream co-signed')
    .requiredOption('--data <dir>', 'a demo data dir (uses DIR/gateway) or a ledger dir')
    .option('--trust <file>', 'trust store with the gateway key (default: the keys next to the data dir)')
    .option('--json', 'print {ok, count, head, firstBad?, reason?}')
    .action(
      action(async (opts: LedgerOpts) => {
        const dir = openDir(opts.data);
        const trust = findTrustStore({ trust: opts.trust, data: opts.data });
        // Without the gateway's public key every signature is unverifiable: say so instead of "unknown key at seq 0".
        if (!trust) throw new CliError(`no trust store found next to ${opts.data} (looked for keys/trust.json): pass --trust FILE with the gateway's public key`);
        const progress = progressReporter('verify', opts.json === true);
        // Each receipt's key by its kid, checked at the receipt's time (receipts without a kid: the gateway's first key by name),
        // then the chain against the largest checkpoint the upstream co-signed.
        const report = await verifyLedgerDir(dir, trust, progress.update);
        progress.done();
        if (opts.json) output(true, report, '');
        else if (report.ok) process.stdout.write(`ok: ${report.count} receipts, head ${report.head}\n`);
        else process.stdout.write(`BROKEN at seq ${report.firstBad}: ${report.reason} (${report.count} receipts checked before it)\n`);
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  ledger
    .command('show')
    .description('print receipts, newest last')
    .requiredOption('--data <dir>', 'a demo data dir (uses DIR/gateway) or a ledger dir')
    .option('--last <n>', 'only the last N receipts', parseIntOption())
    .option('--json', 'print a JSON array of receipts')
    .action(
      action(async (opts: LedgerOpts & { last?: number }) => {
        const dir = openDir(opts.data);
        const keep = opts.last ?? Number.POSITIVE_INFINITY;
        const rows: Receipt[] = [];
        for await (const r of receipts(dir)) {
          rows.push(r);
          if (rows.length > keep) rows.shift();
        }
        if (opts.json) return output(true, rows, '');
        for (const r of rows) process.stdout.write(`${formatReceipt(r)}\n`);
      }),
    );

  ledger
    .command('export')
    .description('every receipt, one per line / row, for a historian or an auditor')
    .requiredOption('--data <dir>', 'a demo data dir (uses DIR/gateway) or a ledger dir')
    .requiredOption('--format <format>', 'csv | jsonl | influx')
    .option('--out <file>', 'write to FILE instead of stdout')
    .action(
      action(async (opts: LedgerOpts & { format: string; out?: string }) => {
        const format = exportFormat(opts.format);
        const isCsv = opts.format === 'csv'; // influx: one line-protocol line per receipt, no header
        const dir = openDir(opts.data);
        const out = opts.out ? createWriteStream(opts.out) : process.stdout;
        const write = async (line: string) => {
          if (!out.write(line)) await once(out, 'drain');
        };
        if (isCsv) await write(`${CSV_HEADER}\n`);
        const progress = progressReporter('export', !opts.out);
        let n = 0;
        for await (const r of receipts(dir)) {
          await write(`${format(r)}\n`);
          progress.update(++n);
        }
        progress.done();
        if (opts.out) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'finish');
          process.stderr.write(`exported ${n} receipts to ${opts.out}\n`);
        }
      }),
    );

  registerBundleCommand(ledger, program);
  registerSettleCommand(ledger);
}

function exportFormat(name: string): (r: Receipt) => string {
  switch (name) {
    case 'csv':
      return receiptToCsvRow;
    case 'jsonl':
      return receiptToJsonl;
    case 'influx':
      return receiptToLine;
    default:
      throw new CliError(`--format: unknown format '${name}' (csv, jsonl or influx)`, EXIT.usage);
  }
}

function formatReceipt(r: Receipt): string {
  const b = (r.body ?? {}) as Record<string, unknown>;
  const parts = [String(r.seq).padStart(6), new Date(r.ts).toISOString(), r.kind.padEnd(13)];
  for (const k of ['actor', 'target', 'value', 'code', 'jti', 'readback', 'reason']) if (b[k] !== undefined && b[k] !== null) parts.push(`${k}=${String(b[k])}`);
  if (r.kid) parts.push(`kid=${r.kid.slice(0, 8)}`);
  parts.push(`hash=${r.hash.slice(0, 16)}…`);
  return parts.join(' ');
}

