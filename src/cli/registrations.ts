/**
 * Which module registers which top-level command, in the order the CLI
 * registers them (the order `taogate --help` lists them). A run loads only
 * the modules of the command it names: importing every command module costs
 * about a second per start, most of it in modules the command never uses.
 * Without a known command (`--help`, `help X`, a typo) every module is
 * loaded, as before. test/cli/registrations.test.ts checks that each
 * command's tree is the same with only its modules as with all of them.
 */
import type { Command } from 'commander';

export interface Registration {
  /** The top-level commands this module adds ([] for one that extends another's). */
  readonly commands: readonly string[];
  load(): Promise<(program: Command) => void>;
}

export const REGISTRATIONS: readonly Registration[] = [
  { commands: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemoCommand },
  { commands: ['profile'], load: async () => (await import('./commands/profile.js')).registerProfileCommands },
  { commands: ['pki'], load: async () => (await import('./commands/pki.js')).registerPkiCommands },
  { commands: ['keys'], load: async () => (await import('./commands/keys.js')).registerKeysCommands },
  { commands: ['tao'], load: async () => (await import('./commands/tao.js')).registerTaoCommands },
  { commands: ['approvals', 'approve', 'reject'], load: async () => (await import('./commands/approvals.js')).registerApprovalCommands },
  { commands: ['breakglass'], load: async () => (await import('./commands/breakglass.js')).registerBreakglassCommands },
  { commands: ['ledger', 'verify-bundle'], load: async () => (await import('./commands/ledger.js')).registerLedgerCommands },
  { commands: ['learn', 'replay'], load: async () => (await import('./commands/learn.js')).registerLearnCommands },
  { commands: ['broker', 'governance', 'gateway', 'upstream', 'historian', 'sim'], load: async () => (await import('./commands/services.js')).registerServiceCommands },
  // `broker mosquitto-config`: a subcommand of services' `broker`
  { commands: ['broker'], load: async () => (await import('./commands/broker-mosquitto.js')).registerMosquittoConfigCommand },
  { commands: ['validate'], load: async () => (await import('./commands/validate.js')).registerValidateCommand },
];

/** The registrations for a run whose first argument is `first`: those that define that command, or all. */
export function registrationsFor(first: string | undefined): readonly Registration[] {
  const own = first === undefined ? [] : REGISTRATIONS.filter((r) => r.commands.includes(first));
  return own.length > 0 ? own : REGISTRATIONS;
}
