/**
 * `taogate ledger bundle` (an offline proof of one write) and the top-level
 * `taogate verify-bundle FILE --trust FILE` (its check: exit 0 valid, 1
 * invalid with the reason; @noble/ed25519, no access to the gateway).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildBundle, bundleText, BundleError } from '../../ledger/merkle-bundle.js';
import { verifyBundle } from '../../ledger/merkle-bundle-verify.js';
import { TrustStore } from '../../tao/truststore.js';
import { action, output, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { ledgerDir } from '../paths.js';

export function registerBundleCommand(ledger: Command, program: Command): void {
  ledger
    .command('bundle')
    .description('write an offline-verifiable proof of one write: TAO, intent and outcome receipts, their inclusion proofs, the cosigned checkpoint')
    .requiredOption('--data <dir>', 'a demo data dir (uses DIR/gateway) or a ledger dir (gateway or upstream copy); must not be held open')
    .requiredOption('--seq <n>', 'seq of the intent receipt (or of its outcome)', parseIntOption())
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--json', 'print {ok, out, seq, checkpointSize}')
    .action(
      action(async (opts: { data: string; seq: number; out: string; json?: boolean }) => {
        const dir = ledgerDir(opts.data);
        let bundle;
        try {
          bundle = await buildBundle(dir, opts.seq);
        } catch (err) {
          if (err instanceof BundleError) throw new CliError(`ledger bundle: ${err.message}`, err.pending ? EXIT.pending : EXIT.failed);
          throw new CliError(`ledger bundle: ${(err as Error).message}`);
        }
        writeFileSync(opts.out, bundleText(bundle));
        output(opts.json === true, { ok: true, out: opts.out, seq: bundle.seq, checkpointSize: bundle.checkpoint.size }, `wrote ${opts.out}: intent ${bundle.seq}, outcome ${bundle.receipts[1]?.seq} (${bundle.receipts[1]?.kind}), in the cosigned checkpoint of size ${bundle.checkpoint.size}`);
      }),
    );

  program
    .command('verify-bundle')
    .description('check a proof bundle offline: receipts, TAO, inclusion proofs, gateway checkpoint and upstream cosignature (exit 0 valid, 1 invalid)')
    .argument('<file>', 'bundle file (taogate ledger bundle)')
    .requiredOption('--trust <file>', 'trust store with the gateway, governance and upstream public keys')
    .option('--json', 'print {ok, code?, reason?, ...}')
    .action(
      action(async (file: string, opts: { trust: string; json?: boolean }) => {
        let trust: TrustStore;
        try {
          trust = TrustStore.load(opts.trust);
        } catch (err) {
          throw new CliError(`--trust ${opts.trust}: ${(err as Error).message}`, EXIT.usage);
        }
        let bytes: Uint8Array;
        try {
          bytes = readFileSync(file);
        } catch (err) {
          throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        const v = verifyBundle(bytes, trust);
        if (opts.json) output(true, v, '');
        else if (v.ok) process.stdout.write(`valid: intent ${v.seq} of ${v.gateway} (TAO ${v.jti}, ${v.outcome}) is in the checkpoint of size ${v.checkpointSize}, cosigned at ${new Date(v.cosignedAt * 1000).toISOString()}\n`);
        else process.stderr.write(`taogate: ${file}: INVALID (${v.code}): ${v.reason}\n`);
        return v.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
