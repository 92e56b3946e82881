/**
 * `taogate breakglass review`: the after-action review at governance.
 *
 *   review [--pending] [--as NAME]              the windows governance learned from the upstream,
 *                                               each write with its outcome, and the review state
 *   review --ack GRANT --as NAME --note TEXT    NAME's approver key signs a review of that window
 *                                               (over the window's digest as listed); governance records it
 *
 * Both go over the MQTT request channel to governance (as the CLI's broker user).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { WindowView } from '../../governance/breakglass-review.js';
import { windowDigest, windowHashes } from '../../breakglass/windows.js';
import { MESSAGE_TYPES, signMessage } from '../../tao/signed.js';
import { action, output, printRefusal } from '../action.js';
import { withBroker, type BrokerSession } from '../broker-session.js';
import { CliError, EXIT } from '../exit.js';
import { keyPaths, keysDir } from '../paths.js';
import { loadKey } from '../trust.js';

interface ReviewOpts {
  broker: string;
  data?: string;
  keys?: string;
  json?: boolean;
  pending?: boolean;
  ack?: string;
  as?: string;
  note?: string;
}

async function listWindows(s: BrokerSession, pending: boolean): Promise<WindowView[]> {
  const answer = (await s.governance({ type: 'breakglass.list', pending })) as { windows?: WindowView[]; reason?: string };
  if (!Array.isArray(answer.windows)) throw new CliError(`governance answered without a break-glass list${answer.reason ? `: ${answer.reason}` : ''}`);
  return answer.windows;
}

const iso = (ms: number | undefined) => (ms === undefined ? '?' : new Date(ms).toISOString());

function describe(w: WindowView, as: string | undefined): string {
  const mine = as === undefined ? '' : w.reviews.some((r) => r.by === as) ? ` (${as} reviewed it)` : w.signers.includes(as) && w.state === 'pending' ? ` (${as} signed the grant: a review by ${as} alone does not complete it)` : '';
  const lines = [
    `${w.gateway} grant ${w.grant}: ${w.state.toUpperCase()}${w.need ? ` (needs ${w.need})` : ''}${mine}`,
    `  signed by ${w.signers.join(', ') || '?'}; reason: ${w.reason || '?'}; tags: ${w.tags.join(',') || '?'}`,
    `  opened ${w.open ? `seq ${w.open.seq} at ${iso(w.open.ts)}` : '(open receipt not held)'}; ${w.close ? `closed seq ${w.close.seq} at ${iso(w.close.ts)} (${w.close.why}${w.close.by ? ` by ${w.close.by}` : ''})` : 'not closed'}; ${w.writes.length} write(s)`,
    ...w.writes.map((x) => `  seq ${x.seq} ${iso(x.ts)} ${x.actor} ${x.target} = ${x.value} -> ${x.outcome ?? 'no outcome yet'}  receipt ${x.hash.slice(0, 16)}`),
    ...w.reviews.map((r) => `  reviewed by ${r.by} (${r.role}${r.independent ? '' : ', signed the grant'}) at ${iso(r.ts * 1000)}: ${r.note}`),
    ...w.problems.map((p) => `  PROBLEM: ${p}`),
  ];
  return lines.join('\n');
}

export function registerBreakglassReviewCommand(bg: Command): void {
  bg.command('review')
    .description('the after-action review at governance: list the break-glass windows it learned from the upstream (writes, outcomes, review state), or record your signed review with --ack')
    .requiredOption('--broker <url>', 'MQTT broker URL (credentials in the URL or from --data)')
    .option('--pending', 'list only windows not reviewed yet')
    .option('--ack <grant>', 'record a review of this window (grant id; the window must be closed); needs --as and --note')
    .option('--as <name>', 'the reviewer: their approver key (keys/approvers/NAME.jwk) signs the review; in a list, marks what NAME may still do')
    .option('--note <text>', 'the review note (1 to 512 characters): what was checked, follow-up (e.g. "INC-4711: values checked against the batch record")')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--json', 'JSON output: {windows:[...]} or the review answer')
    .addHelpText(
      'after',
      `
A window counts as reviewed once a supervisor who did not sign its grant
reviewed it, or two different supervisors did; a review by a signer alone is
recorded but leaves the window pending. Exit 0 listed / recorded, 2 refused
({"code","reason"} on stdout), 1 failed (governance not reachable).`,
    )
    .action(
      action(async (opts: ReviewOpts) => {
        if (opts.ack === undefined) {
          const windows = await withBroker(opts, (s) => listWindows(s, opts.pending === true));
          output(opts.json === true, { windows }, windows.length ? windows.map((w) => describe(w, opts.as)).join('\n\n') : opts.pending ? 'no break-glass window awaits review' : 'governance holds no break-glass window');
          return EXIT.ok;
        }
        if (!opts.as) throw new CliError('--ack needs --as NAME (the reviewer whose key signs)', EXIT.usage);
        if (opts.note === undefined || opts.note.trim().length === 0 || opts.note.length > 512) throw new CliError('--ack needs --note TEXT (1 to 512 characters)', EXIT.usage);
        const file = keyPaths(keysDir(opts)).approver(opts.as);
        if (!existsSync(file)) throw new CliError(`no approver key for '${opts.as}' (${file})`);
        const key = loadKey(file);
        const grant = opts.ack;
        const answer = await withBroker(opts, async (s) => {
          const w = (await listWindows(s, false)).find((x) => x.grant === grant);
          if (!w) return { ok: false, code: 'unknown_request', reason: `governance holds no break-glass window ${grant}` };
          // Sign what we were shown: the digest recomputed from the receipt hashes listed.
          const digest = windowDigest(w.gateway, w.grant, windowHashes(w));
          if (digest !== w.digest) throw new CliError(`window ${grant}: the digest governance sent does not match the receipts it lists; not signing`);
          const signed = signMessage(MESSAGE_TYPES.breakglassReview, { gateway: w.gateway, grant, by: opts.as!, digest, note: opts.note!.trim() }, key.signer);
          return (await s.governance({ type: 'breakglass.review', signed })) as Record<string, unknown>;
        });
        if (answer.ok !== true) return printRefusal(answer, 'refused');
        output(opts.json === true, answer, `review of ${grant} by ${opts.as} recorded: ${String(answer.state)}${answer.need ? ` (still needs ${String(answer.need)})` : ''}`);
        return EXIT.ok;
      }),
    );
}
