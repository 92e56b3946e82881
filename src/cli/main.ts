/**
 * The `taogate` command: one CLI, subcommands, `--help` everywhere.
 * Results go to stdout (JSON with --json), diagnostics to stderr, exit codes
 * per ./exit.ts.
 */
import './opcua-logging.js';
import { Command, CommanderError } from 'commander';
import { registerApprovalCommands } from './commands/approvals.js';
import { registerBreakglassCommands } from './commands/breakglass.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerLearnCommands } from './commands/learn.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerPkiCommands } from './commands/pki.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerMosquittoConfigCommand } from './commands/broker-mosquitto.js';
import { registerServiceCommands } from './commands/services.js';
import { registerTaoCommands } from './commands/tao.js';
import { registerValidateCommand } from './commands/validate.js';
import { applyEnvForms } from './env-options.js';
import { EXIT } from './exit.js';

const program = new Command('taogate')
  .description('No TAO, no write: an OT edge gateway that forwards OPC UA and Modbus TCP writes only with a signed, single-use authorization (TAO).')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDemoCommand(program);
registerProfileCommands(program);
registerPkiCommands(program);
registerKeysCommands(program);
registerTaoCommands(program);
registerApprovalCommands(program);
registerBreakglassCommands(program);
registerLedgerCommands(program);
registerLearnCommands(program);
registerServiceCommands(program);
registerMosquittoConfigCommand(program);
registerValidateCommand(program);
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
