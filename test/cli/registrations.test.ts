/**
 * The CLI loads only the modules of the command it runs (src/cli/registrations.ts).
 * For every top-level command, the command tree built from its modules alone must be
 * the one built from all of them: the same subcommands, options (defaults, environment
 * forms, required), arguments and help text; and every command must be listed, so that
 * none falls back to loading everything.
 */
import { expect } from 'chai';
import type { EventEmitter } from 'node:events';
import { Command } from 'commander';
import { applyEnvForms } from '../../src/cli/env-options.js';
import { REGISTRATIONS, registrationsFor, type Registration } from '../../src/cli/registrations.js';

async function programOf(regs: readonly Registration[]): Promise<Command> {
  const program = new Command('taogate').enablePositionalOptions();
  for (const r of regs) (await r.load())(program);
  applyEnvForms(program);
  return program;
}

interface Shape {
  name: string;
  aliases: string[];
  help: string;
  options: unknown[];
  args: unknown[];
  commands: Shape[];
}

function shape(c: Command): Shape {
  const events = c as unknown as EventEmitter;
  return {
    name: c.name(),
    aliases: c.aliases(),
    help: c.helpInformation(),
    options: c.options.map((o) => ({ flags: o.flags, default: o.defaultValue, env: o.envVar, mandatory: o.mandatory, choices: o.argChoices, listeners: events.listenerCount(`option:${o.name()}`) + events.listenerCount(`optionEnv:${o.name()}`) })),
    args: c.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic, default: a.defaultValue })),
    commands: c.commands.map(shape),
  };
}

describe('CLI: each command loads only its own modules, with the same command tree', function () {
  this.timeout(60_000);
  let all: Command;
  before(async () => {
    all = await programOf(REGISTRATIONS);
  });

  it('when every module is loaded, each top-level command is listed under a registration', () => {
    const listed = new Set(REGISTRATIONS.flatMap((r) => r.commands));
    const names = all.commands.map((c) => c.name());
    expect(names.length).to.be.greaterThan(10);
    for (const n of names) expect(listed.has(n), `${n} is not in src/cli/registrations.ts`).to.equal(true);
    for (const n of listed) expect(names, `registrations.ts lists ${n}, which no module defines`).to.include(n);
  });

  it('when a command is run, its modules alone give the same tree (subcommands, options, arguments, help) as all modules', async () => {
    for (const top of all.commands) {
      const regs = registrationsFor(top.name());
      expect(regs.length, top.name()).to.be.lessThan(REGISTRATIONS.length);
      const alone = (await programOf(regs)).commands.find((c) => c.name() === top.name());
      expect(alone, top.name()).to.not.equal(undefined);
      expect(shape(alone!), top.name()).to.deep.equal(shape(top));
    }
    // the comparison bites: `broker` without the module that adds `broker mosquitto-config` differs
    const services = REGISTRATIONS.filter((r) => r.commands.includes('gateway'));
    const partial = (await programOf(services)).commands.find((c) => c.name() === 'broker')!;
    expect(shape(partial)).to.not.deep.equal(shape(all.commands.find((c) => c.name() === 'broker')!));
  });

  it('when no command is named (--help, help X, a typo), every module is loaded', () => {
    for (const first of [undefined, '--help', '-V', 'help', 'ledgr']) expect(registrationsFor(first)).to.equal(REGISTRATIONS);
  });
});
