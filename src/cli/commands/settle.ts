/**
 * `taogate ledger settle SEQ --as NAME --outcome committed|voided --reason TEXT --gateway URL`:
 * a person settles an indeterminate outcome (a write that may or may not have
 * reached the PLC). NAME's approver key signs the statement; the running
 * gateway verifies it and appends a `settled` receipt that carries it.
 */
import type { Command } from 'commander';
import { readPrivateKeyFile } from '../../crypto/keyfile.js';
import { MESSAGE_TYPES, signMessage } from '../../tao/signed.js';
import { action, output, parseIntOption, printRefusal } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { callGateway } from '../gateway-http.js';
import { keyPaths, keysDir } from '../paths.js';

interface SettleOpts {
  as: string;
  outcome: string;
  reason: string;
  gateway: string;
  gatewayId?: string;
  data?: string;
  keys?: string;
  json?: boolean;
}

export function registerSettleCommand(ledger: Command): void {
  ledger
    .command('settle')
    .description('settle an indeterminate outcome with your signed statement (exit 0 settled, 2 refused, 1 failed)')
    .argument('<seq>', 'seq of the indeterminate receipt (or of its intent)', parseIntOption())
    .requiredOption('--as <name>', 'who settles it: their approver key (keys/approvers/NAME.jwk) signs')
    .requiredOption('--outcome <outcome>', 'what the PLC did, as established by a person: committed | voided')
    .requiredOption('--reason <text>', 'how it was established (e.g. "read on the HMI panel: 42.5")')
    .requiredOption('--gateway <url>', "the gateway's ops HTTP endpoint, e.g. http://127.0.0.1:15025")
    .option('--gateway-id <id>', 'gateway id the statement is for (default: asked from the gateway)')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--json', 'print {ok, seq} or {code, reason} as JSON')
    .action(
      action(async (seq: number, opts: SettleOpts) => {
        if (opts.outcome !== 'committed' && opts.outcome !== 'voided') throw new CliError(`--outcome: expected committed or voided, got '${opts.outcome}'`, EXIT.usage);
        if (opts.reason.trim().length === 0 || opts.reason.length > 512) throw new CliError('--reason: 1 to 512 characters', EXIT.usage);
        const keyFile = keyPaths(keysDir(opts)).approver(opts.as);
        let key;
        try {
          key = readPrivateKeyFile(keyFile);
        } catch (err) {
          throw new CliError(`no approver key for '${opts.as}' (${keyFile}): ${(err as Error).message}`);
        }
        const gatewayId = opts.gatewayId ?? (await askGatewayId(opts.gateway));
        const signed = signMessage(MESSAGE_TYPES.settle, { gateway: gatewayId, by: opts.as, seq, outcome: opts.outcome, reason: opts.reason }, key.signer);
        const answer = await callGateway(opts.gateway, '/api/settle', 'POST', signed);
        if (answer.ok === true) {
          output(opts.json === true, answer, `settled: receipt ${String(answer.seq)} records ${opts.outcome} for intent ${String(answer.intent)}`);
          return EXIT.ok;
        }
        return printRefusal(answer, 'refused');
      }),
    );
}

async function askGatewayId(gateway: string): Promise<string> {
  const res = await callGateway(gateway, '/api/indeterminate', 'GET');
  if (typeof res.gateway !== 'string') throw new CliError(`${gateway}: no gateway id in /api/indeterminate (use --gateway-id)`);
  return res.gateway;
}
