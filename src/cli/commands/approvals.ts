import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RequestView } from '../../governance/views.js';
import { proposalDigest, signApproval } from '../../tao/approval.js';
import { action, printRefusal } from '../action.js';
import { withBroker, type BrokerSession } from '../broker-session.js';
import { CliError, EXIT } from '../exit.js';
import { keyPaths, keysDir } from '../paths.js';
import { findTrustStore, loadKey } from '../trust.js';

interface BrokerOpts {
  broker: string;
  data?: string;
  keys?: string;
  json?: boolean;
}

async function listRequests(s: BrokerSession): Promise<RequestView[]> {
  const answer = (await s.governance({ type: 'approvals.list' })) as { requests?: RequestView[] };
  if (!Array.isArray(answer.requests)) throw new CliError('governance answered without a request list');
  return answer.requests;
}

function brokerOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--broker <url>', 'MQTT broker URL (credentials in the URL or from --data)')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--json', 'JSON output');
}

export function registerApprovalCommands(program: Command): void {
  brokerOptions(program.command('approvals').description('list pending approval requests (id, actor, tag, value, reason, age)')).action(
    action(async (opts: BrokerOpts) => {
      const requests = await withBroker(opts, listRequests);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(requests)}\n`);
        return;
      }
      if (requests.length === 0) process.stdout.write('no pending approval requests\n');
      for (const r of requests) {
        const limits = r.min !== undefined || r.max !== undefined ? ` [${r.min ?? ''}..${r.max ?? ''}]` : '';
        process.stdout.write(
          `${r.id}  ${r.actor} (${r.actorKind}, ${r.role}) ${r.op} ${r.target} ${r.current !== undefined ? `${r.current} -> ` : ''}${r.value}${r.units ? ` ${r.units}` : ''}${limits}  approvals ${r.have}/${r.need} (${r.roles.join('|')})  age ${r.ageS}s${r.reason ? `  reason: ${r.reason}` : ''}\n`,
        );
      }
    }),
  );

  for (const decision of ['approve', 'reject'] as const) {
    brokerOptions(
      program
        .command(decision)
        .description(`${decision} a pending request with NAME's approver key (signed locally; the key never leaves this machine). exit 0 accepted; 2 refused`)
        .argument('<id>', 'request id (from `taogate approvals`)')
        .requiredOption('--as <name>', 'approver name (uses keys/approvers/NAME.jwk)')
        .requiredOption('--reason <text>', 'why (<= 256 chars, signed and carried in the TAO)')
        .option('--meaning <text>', 'meaning of the signature (21 CFR 11.50), e.g. reviewed, approved, responsibility', decision === 'approve' ? 'approved' : 'rejected'),
    ).action(
      action(async (id: string, opts: BrokerOpts & { as: string; reason: string; meaning: string }) => {
        if (opts.reason.length === 0 || opts.reason.length > 256) throw new CliError('--reason: 1 to 256 characters', EXIT.usage);
        const kp = keyPaths(keysDir(opts));
        // The approver key; failing that, NAME's actor key, so governance can say why it
        // does not count (self_approval for the requester, role_not_allowed otherwise).
        const file = [kp.approver(opts.as), kp.actor(opts.as)].find((f) => existsSync(f));
        if (!file) throw new CliError(`no key for '${opts.as}': looked for ${kp.approver(opts.as)} and ${kp.actor(opts.as)}`);
        const key = loadKey(file);
        const trust = findTrustStore({ data: opts.data ?? './data', keys: opts.keys });
        const role = trust?.byName(opts.as, 'approver')?.approverRole ?? 'supervisor';
        const result = await withBroker(opts, async (s) => {
          const request = (await listRequests(s)).find((r) => r.id === id);
          if (!request) return { ok: false, code: 'unknown_request', reason: `no pending request ${id}` };
          // Sign what we were shown: recompute the digest from the displayed proposal.
          const digest = proposalDigest({ aud: request.aud, sub: request.actor, op: request.op, target: request.target, value: request.value, args: request.args });
          if (digest !== request.digest) throw new CliError(`request ${id}: the digest governance sent does not match the proposal it shows; not signing`);
          const approval = signApproval(
            { typ: 'taogate.approval.v1', approver: opts.as, role, request: id, digest, decision, meaning: opts.meaning, reason: opts.reason, ts: Math.floor(Date.now() / 1000) },
            key.signer,
          );
          return (await s.governance({ type: 'approve', approval })) as Record<string, unknown>;
        });
        if (result.ok === true) {
          if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else process.stdout.write(`${decision === 'approve' ? 'approved' : 'rejected'} ${id} as ${opts.as}: ${String(result.status)} (${String(result.have)}/${String(result.need)})\n`);
          return EXIT.ok;
        }
        return printRefusal(result, 'refused');
      }),
    );
  }
}
