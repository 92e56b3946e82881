/** IQ-02: the profile passes `profile check` and its policy hash is the one the running gateway started with. */
import { checkProfileFile, formatIssue, loadProfile } from '../../policy/index.js';
import { bodyOf } from './act.js';
import type { Check } from '../types.js';

export const iqProfile: Check = {
  id: 'IQ-02',
  phase: 'IQ',
  title: 'Profile passes profile check and matches the running policy hash',
  async run(ctx) {
    const path = ctx.o.profilePath;
    const checked = checkProfileFile(path);
    const done = [`ran the profile check on ${path}: ${checked.ok ? 'valid' : `${checked.errors.length} error(s)`}`];
    const receipts = await ctx.receipts();
    const start = [...receipts].reverse().find((r) => r.kind === 'start');
    const running = start ? String(bodyOf(start).policy ?? '') : '';
    done.push(start ? `read the gateway's last start receipt (seq ${start.seq}): policy ${running}` : 'looked for the gateway\'s start receipt: none in the ledger');
    const fileHash = checked.ok ? loadProfile(path).policyHash : '';
    if (checked.ok) done.push(`computed the policy hash of ${path}: ${fileHash}`);
    return {
      ok: checked.ok && start !== undefined && running === fileHash,
      done,
      expected: 'the profile is valid and its policy hash equals the hash the gateway runs',
      observed: checked.ok ? `profile valid; file hash ${fileHash}; running hash ${running || 'unknown'}` : checked.errors.slice(0, 5).map(formatIssue).join('; '),
      receipts: start ? [start.seq] : [],
      evidence: { profile: path, policyHash: fileHash || null, runningPolicyHash: running || null },
    };
  },
};
