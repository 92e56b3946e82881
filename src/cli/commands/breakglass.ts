/**
 * `taogate breakglass grant | present | close | status | list`: the audited
 * way to act when governance or the broker cannot answer.
 *
 *   grant    k supervisors sign a grant offline with their approver keys
 *            (grant.json on stdout; --add-to FILE adds one more signature)
 *   present  opens the window at the gateway's ops HTTP endpoint
 *   close    ends it early
 *   status   shows the window
 *   list     break-glass windows and writes from a ledger (the gateway's or
 *            the upstream's copy), for review once governance is back
 *   review   the review at governance: the windows it learned from the
 *            upstream, and recording a supervisor's signed review
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadSigningKey } from '../../crypto/key-ref.js';
import { grantRuleOf } from '../../gateway/gate/breakglass.js';
import { newGrantBody, signGrant, type Grant, type GrantBody, type GrantSignature } from '../../tao/grant.js';
import { action, collect, output, printRefusal } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { callGateway } from '../gateway-http.js';
import { keyPaths, keysDir } from '../paths.js';
import { loadProfileOrExit } from '../profile-source.js';
import { registerBreakglassReviewCommand } from './breakglass-governance.js';
import { breakglassReview } from './breakglass-review.js';

interface GrantOpts {
  as: string[];
  minutes?: string;
  reason?: string;
  tags?: string;
  keys?: string;
  data?: string;
  profile?: string;
  addTo?: string;
}

export function registerBreakglassCommands(program: Command): void {
  const bg = program.command('breakglass').description('break-glass: k supervisors authorize a short window of writes within the hard limits without a TAO, fully receipted');

  bg.command('grant')
    .description('sign a break-glass grant offline with each named supervisor\'s approver key; prints grant.json')
    .requiredOption('--as <name>', 'a supervisor who signs (repeat: --as bob --as carol)', collect, [])
    .option('--minutes <m>', 'length of the window (at most the profile\'s breakglass.max_minutes, default 30); required for a new grant')
    .option('--reason <text>', 'why (1 to 256 characters), recorded with the window; required for a new grant')
    .option('--tags <list>', 'comma-separated tags or methods the window covers (default: all)')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--profile <file>', 'the gateway\'s profile: gateway id, approver roles, the break-glass rule (default: profiles/demo-cell.yaml)')
    .option('--add-to <file>', 'add the signatures to this existing grant instead of making a new one')
    .action(
      action(async (opts: GrantOpts) => {
        const profile = loadProfileOrExit(opts.profile);
        const rule = grantRuleOf(profile);
        let grant: GrantBody & { signatures?: GrantSignature[] };
        if (opts.addTo) grant = readGrantFile(opts.addTo);
        else {
          if (opts.minutes === undefined || opts.reason === undefined) throw new CliError('a new grant needs --minutes and --reason (or --add-to FILE to sign an existing one)', EXIT.usage);
          const minutes = Number(opts.minutes);
          if (!Number.isFinite(minutes) || minutes <= 0) throw new CliError(`--minutes: expected a positive number, got '${opts.minutes}'`, EXIT.usage);
          if (minutes > rule.maxMinutes) throw new CliError(`--minutes ${minutes}: the profile allows at most ${rule.maxMinutes}`, EXIT.usage);
          if (opts.reason.trim().length === 0 || opts.reason.length > 256) throw new CliError('--reason: 1 to 256 characters', EXIT.usage);
          const tags = opts.tags ? opts.tags.split(',').map((t) => t.trim()).filter(Boolean) : [];
          for (const t of tags) if (!profile.tags.has(t) && !profile.methods.has(t)) throw new CliError(`--tags: '${t}' is not a tag or method of the profile`, EXIT.usage);
          grant = newGrantBody({ gateway: profile.gateway.id, tags, minutes, reason: opts.reason, nowSeconds: Math.floor(Date.now() / 1000) });
        }
        if (opts.as.length === 0) throw new CliError('--as: name at least one supervisor', EXIT.usage);
        const kp = keyPaths(keysDir(opts));
        for (const name of opts.as) {
          const approver = profile.approvers.get(name);
          if (!approver) throw new CliError(`--as ${name}: not an approver of the profile`, EXIT.usage);
          let key;
          try {
            key = loadSigningKey(kp.approver(name));
          } catch (err) {
            throw new CliError(`no approver key for '${name}': ${(err as Error).message}`);
          }
          grant = signGrant(grant, name, approver.role, key.signer);
        }
        process.stdout.write(`${JSON.stringify(grant, null, 2)}\n`);
        const g = grant as Grant;
        process.stderr.write(`grant ${g.id}: ${g.signatures.length} of ${rule.count} signature(s), gateway ${g.gateway}, ${Math.round((g.exp - g.nbf) / 60)} min from ${new Date(g.nbf * 1000).toISOString()}\n`);
      }),
    );

  bg.command('present')
    .description('open the break-glass window at the gateway (exit 0 open, 2 refused with a code)')
    .requiredOption('--gateway <url>', "the gateway's ops HTTP endpoint, e.g. http://127.0.0.1:15025")
    .requiredOption('--file <file>', 'the grant (from breakglass grant)')
    .option('--json', 'print the answer as JSON')
    .action(
      action(async (opts: { gateway: string; file: string; json?: boolean }) => {
        const answer = await callGateway(opts.gateway, '/api/breakglass', 'POST', readGrantFile(opts.file));
        if (answer.ok !== true) return printRefusal(answer, 'refused');
        const s = answer.status as { grant?: string; exp?: number; signers?: string[] };
        output(opts.json === true, answer, `BREAK-GLASS WINDOW OPEN: grant ${s.grant} (${(s.signers ?? []).join(', ')}) until ${new Date((s.exp ?? 0) * 1000).toISOString()}; receipt ${String(answer.seq)}`);
        return EXIT.ok;
      }),
    );

  bg.command('close')
    .description('end the open break-glass window now (exit 0 closed, 2 when none is open)')
    .requiredOption('--gateway <url>', "the gateway's ops HTTP endpoint")
    .option('--by <name>', 'who closes it (recorded)')
    .option('--json', 'print the answer as JSON')
    .action(
      action(async (opts: { gateway: string; by?: string; json?: boolean }) => {
        const answer = await callGateway(opts.gateway, '/api/breakglass/close', 'POST', opts.by ? { by: opts.by } : {});
        if (answer.ok !== true) return printRefusal(answer, 'refused');
        const s = answer.status as { grant?: string; writes?: number };
        output(opts.json === true, answer, `break-glass window ${s.grant} closed after ${s.writes ?? 0} write(s); receipt ${String(answer.seq)}`);
        return EXIT.ok;
      }),
    );

  bg.command('status')
    .description('show the break-glass window of a gateway')
    .requiredOption('--gateway <url>', "the gateway's ops HTTP endpoint")
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: { gateway: string; json?: boolean }) => {
        const s = await callGateway(opts.gateway, '/api/breakglass', 'GET');
        output(opts.json === true, s, s.open === true ? `OPEN: grant ${String(s.grant)} until ${new Date(Number(s.exp) * 1000).toISOString()}, ${String(s.writes)} write(s)` : 'no break-glass window open');
      }),
    );

  bg.command('list')
    .description('break-glass windows and the writes in them, from a ledger (gateway or upstream copy): the review list')
    .requiredOption('--data <dir>', 'a demo data dir (uses DIR/gateway), DIR/upstream, or a ledger dir')
    .option('--json', 'print {windows:[...]} as JSON')
    .action(
      action(async (opts: { data: string; json?: boolean }) => {
        const review = await breakglassReview(opts.data);
        const lines = review.windows.map((w) => [`grant ${w.grant} (${w.signers.join(', ')}): ${w.reason}; opened seq ${w.openSeq}${w.closeSeq !== undefined ? `, closed seq ${w.closeSeq} (${w.why})` : ', still open'}`, ...w.writes.map((x) => `  seq ${x.seq} ${x.actor} ${x.target} = ${x.value}${x.outcome ? ` -> ${x.outcome}` : ''}`)].join('\n'));
        output(opts.json === true, review, lines.length ? lines.join('\n') : 'no break-glass windows in this ledger');
      }),
    );

  registerBreakglassReviewCommand(bg);
}

function readGrantFile(file: string): Grant {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Grant;
  } catch (err) {
    throw new CliError(`${file}: cannot read the grant (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

