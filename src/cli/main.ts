/**
 * The `taogate` command: one CLI, subcommands, `--help` everywhere.
 * Results go to stdout (JSON with --json), diagnostics to stderr, exit codes
 * per ./exit.ts.
 */
import './opcua-logging.js';
import { Command, CommanderError } from 'commander';
import { applyEnvForms } from './env-options.js';
import { EXIT } from './exit.js';
import { registrationsFor } from './registrations.js';

const program = new Command('taogate')
  .description('No TAO, no write: an OT edge gateway that forwards OPC UA and Modbus TCP writes only with a signed, single-use authorization (TAO).')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// Only the modules that define the command asked for are loaded (see registrations.ts): a
// command's modules are most of a start's cost, and `ledger verify` needs no MQTT or OPC UA.
// Set here as well as by the mosquitto-config registration, so parsing is the same whichever are loaded.
program.enablePositionalOptions();
for (const r of registrationsFor(process.argv[2])) (await r.load())(program);
applyEnvForms(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; anything else is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`taogate: ${(err as Error).message}\n`);
    process.exitCode = EXIT.failed;
  }
}
