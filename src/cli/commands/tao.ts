import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readPrivateKeyFile } from '../../crypto/keyfile.js';
import { topics } from '../../mqtt/index.js';
import { MESSAGE_TYPES, signMessage } from '../../tao/signed.js';
import { action, output, printRefusal } from '../action.js';
import { withBroker } from '../broker-session.js';
import { CliError, EXIT } from '../exit.js';
import { keyPaths, keysDir } from '../paths.js';
import { findTrustStore } from '../trust.js';

interface BrokerOpts {
  broker: string;
  data?: string;
  keys?: string;
  json?: boolean;
}


export function registerTaoCommands(program: Command): void {
  const tao = program.command('tao').description('pre-issued TAOs: request one from governance, present it at the gateway');

  tao
    .command('request')
    .description('ask governance for a pre-issued TAO, signed with the actor key. exit 0: envelope JSON; 3: pending {"request"}; 2: denied {"code","reason"}')
    .requiredOption('--broker <url>', 'MQTT broker, e.g. mqtt://127.0.0.1:15020 (credentials in the URL or from --data)')
    .requiredOption('--actor <id>', 'profile actor the TAO is for (its key signs the request)')
    .requiredOption('--tag <tag>', 'tag to write (or method to call with --call)')
    .requiredOption('--value <v>', 'value as a decimal string (bool: true|false)')
    .option('--reason <text>', 'why (<= 256 chars, recorded in the TAO)')
    .option('--expect <v>', 'conditional TAO: valid only while the tag holds this value (the step is judged from it)')
    .option('--gateway <id>', 'audience gateway id (default: the gateway governance serves)')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--json', 'JSON output (the envelope is always JSON)')
    .action(
      action(async (opts: BrokerOpts & { actor: string; tag: string; value: string; reason?: string; expect?: string; gateway?: string }) => {
        if (opts.reason !== undefined && opts.reason.length > 256) throw new CliError('--reason: at most 256 characters', EXIT.usage);
        const kp = keyPaths(keysDir(opts));
        let key;
        try {
          key = readPrivateKeyFile(kp.actor(opts.actor));
        } catch (err) {
          throw new CliError(`no key for actor '${opts.actor}': ${(err as Error).message}`);
        }
        const proposal = { actor: opts.actor, op: 'write', target: opts.tag, value: opts.value, ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.expect !== undefined ? { expect: opts.expect } : {}) };
        const signed = signMessage(MESSAGE_TYPES.taoRequest, { proposal, ...(opts.gateway ? { aud: opts.gateway } : {}) }, key.signer);
        const answer = (await withBroker(opts, (s) => s.governance({ type: 'tao.request', signed }))) as Record<string, unknown>;
        if (answer.decision === 'issue') {
          output(true, answer.tao, '');
          return EXIT.ok;
        }
        if (answer.decision === 'pending') {
          output(true, { request: answer.request, approvals: answer.approvals }, '');
          process.stderr.write(`pending approval: request ${String(answer.request)}\n`);
          return EXIT.pending;
        }
        return printRefusal(answer, 'denied');
      }),
    );

  tao
    .command('present')
    .description('stage a pre-issued TAO at its gateway; the next matching write consumes it. exit 0 staged; 2 refused {"code","reason"}')
    .requiredOption('--broker <url>', 'MQTT broker URL')
    .requiredOption('--file <file>', 'TAO envelope JSON (as printed by `tao request`)')
    .option('--gateway <id>', 'gateway id (default: the envelope audience)')
    .option('--data <dir>', 'demo data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--json', 'print {"staged":true,"jti","exp"} or {"code","reason"}')
    .action(
      action(async (opts: BrokerOpts & { file: string; gateway?: string }) => {
        let text: string;
        try {
          text = readFileSync(opts.file, 'utf8');
        } catch (err) {
          throw new CliError(`--file ${opts.file}: ${(err as Error).message}`);
        }
        let envelope: unknown;
        try {
          envelope = JSON.parse(text);
        } catch (err) {
          throw new CliError(`${opts.file}: not JSON (${(err as Error).message})`);
        }
        const gatewayId = opts.gateway ?? audienceOf(envelope) ?? defaultGateway(opts);
        const answer = (await withBroker(opts, (s) => s.gateway(topics.stage(gatewayId), { tao: envelope, source: `cli:${process.pid}` }))) as Record<string, unknown>;
        if (answer.ok === true) {
          if (opts.json) output(true, { staged: true, jti: answer.jti, exp: answer.exp }, '');
          else process.stdout.write(`staged TAO ${String(answer.jti)} at ${gatewayId} (expires ${new Date(Number(answer.exp) * 1000).toISOString()})\n`);
          return EXIT.ok;
        }
        return printRefusal(answer, 'refused');
      }),
    );
}

/** The envelope's audience, read WITHOUT trusting it (only to route the request; the gateway verifies). */
function audienceOf(envelope: unknown): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(String((envelope as { payload?: unknown }).payload), 'base64').toString('utf8')) as { aud?: unknown };
    return typeof payload.aud === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(payload.aud) ? payload.aud : undefined;
  } catch {
    return undefined;
  }
}

function defaultGateway(opts: { data?: string; keys?: string }): string {
  const trust = findTrustStore({ data: opts.data ?? './data', keys: opts.keys });
  const gw = trust?.keys().find((k) => k.role === 'gateway');
  if (!gw) throw new CliError('cannot tell which gateway to stage at: pass --gateway ID');
  return gw.name;
}
