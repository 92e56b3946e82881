/**
 * Pending approval requests survive a governance restart: the queue's live
 * requests (pending, approved, rejected) are written to a JSON file after
 * every change (write to a temp file, then rename: never half a file) and
 * read back at start. A request is dropped on load when its actor left the
 * profile, it expired, or the policy changed (another policy hash): approvals
 * given under one policy never carry over to another.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Profile, Proposal, ApprovalRule } from '../policy/types.js';
import type { Approval } from '../tao/payload.js';
import type { ApprovalRequest, RequestStatus } from './queue.js';

interface StoredRequest {
  id: string;
  aud: string;
  proposal: Proposal;
  actor: string;
  rule: ApprovalRule;
  digest: string;
  createdAt: number;
  expiresAt: number;
  approvals: Approval[];
  rejection?: ApprovalRequest['rejection'];
  status: RequestStatus;
}

interface StoreFile {
  version: 1;
  policy: string;
  requests: StoredRequest[];
}

const LIVE: ReadonlySet<RequestStatus> = new Set(['pending', 'approved', 'rejected']);

export class QueueStore {
  constructor(
    readonly path: string,
    private readonly profile: Profile,
  ) {}

  /** The live requests of the last run that still hold under this profile. Throws with the path on a corrupt file. */
  load(nowMs: number): ApprovalRequest[] {
    if (!existsSync(this.path)) return [];
    let file: StoreFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as StoreFile;
    } catch (err) {
      throw new Error(`${this.path}: approval queue state is not JSON (${(err as Error).message}); move it away to start with an empty queue`);
    }
    if (file.version !== 1 || !Array.isArray(file.requests) || file.policy !== this.profile.policyHash) return [];
    const out: ApprovalRequest[] = [];
    for (const s of file.requests) {
      const actor = this.profile.actors.get(s.actor);
      if (!actor || !LIVE.has(s.status) || s.expiresAt <= nowMs) continue;
      out.push({ id: s.id, aud: s.aud, proposal: s.proposal, actor, rule: s.rule, digest: s.digest, createdAt: s.createdAt, expiresAt: s.expiresAt, approvals: [...s.approvals], status: s.status, ...(s.rejection ? { rejection: s.rejection } : {}) });
    }
    return out;
  }

  save(requests: readonly ApprovalRequest[]): void {
    const file: StoreFile = {
      version: 1,
      policy: this.profile.policyHash,
      requests: requests
        .filter((r) => LIVE.has(r.status))
        .map((r) => ({ id: r.id, aud: r.aud, proposal: r.proposal, actor: r.actor.id, rule: r.rule, digest: r.digest, createdAt: r.createdAt, expiresAt: r.expiresAt, approvals: r.approvals, status: r.status, ...(r.rejection ? { rejection: r.rejection } : {}) })),
    };
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 1) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
