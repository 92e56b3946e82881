/**
 * The world of the governance tests: the fixture profile
 * (./approvals-cell.yaml), fresh Ed25519 keys written as key files and a
 * trust store file in a temp dir and read back the way the CLI reads them,
 * a clock the test moves, and the signed statements an approver sends
 * (built like `taogate approve` builds them: the digest of the proposal the
 * request shows, signed with the approver's key file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRawKeyPair } from '../../src/crypto/ed25519.js';
import { privateJwk, readPrivateKeyFile, writePrivateKeyFile, type KeyRole, type LoadedKey } from '../../src/crypto/keyfile.js';
import { Governance, type Decision } from '../../src/governance/governance.js';
import { loadProfile, parseProfile } from '../../src/policy/load.js';
import type { Profile, Proposal } from '../../src/policy/types.js';
import { proposalDigest, signApproval } from '../../src/tao/approval.js';
import type { Approval } from '../../src/tao/payload.js';
import { TrustStore } from '../../src/tao/truststore.js';

export const PROFILE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'approvals-cell.yaml');
/** 2026-06-01T08:00:00Z: any fixed start; the tests move the clock from here. */
export const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

export type PersonName = 'sam' | 'sue' | 'quinn' | 'olaf';

/** Approver keys bind one role each (trust store approverRole). olaf has one too, but is no approver in the profile. */
const APPROVER_ROLES: Record<PersonName, string> = { sam: 'supervisor', sue: 'supervisor', quinn: 'qa', olaf: 'operator' };

export interface World {
  readonly dir: string;
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly governanceKey: LoadedKey;
  readonly approverKeys: Record<PersonName, LoadedKey>;
  readonly statePath: string;
  /** The test's clock (ms). */
  now: number;
  /** Errors the governance instances reported while writing the state file (expected empty). */
  readonly stateErrors: Error[];
  governance(over?: { profile?: Profile; statePath?: string | null }): Governance;
  cleanup(): void;
}

function makeKey(dir: string, file: string, name: string, role: KeyRole): LoadedKey {
  const path = join(dir, file);
  writePrivateKeyFile(path, privateJwk(name, role, generateRawKeyPair()));
  return readPrivateKeyFile(path);
}

export function makeWorld(): World {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-governance-'));
  const governanceKey = makeKey(dir, 'governance.jwk', 'governance', 'governance');
  const approverKeys = Object.fromEntries(
    (Object.keys(APPROVER_ROLES) as PersonName[]).map((n) => [n, makeKey(dir, `approver-${n}.jwk`, n, 'approver')]),
  ) as Record<PersonName, LoadedKey>;
  const store = new TrustStore();
  store.add({ kid: governanceKey.signer.keyId, name: 'governance', role: 'governance', publicKey: governanceKey.signer.publicKey });
  for (const [n, key] of Object.entries(approverKeys) as [PersonName, LoadedKey][]) {
    store.add({ kid: key.signer.keyId, name: n, role: 'approver', publicKey: key.signer.publicKey, approverRole: APPROVER_ROLES[n] });
  }
  const trustPath = join(dir, 'trust.json');
  store.save(trustPath);
  const world: World = {
    dir,
    profile: loadProfile(PROFILE_PATH),
    trust: TrustStore.load(trustPath),
    governanceKey,
    approverKeys,
    statePath: join(dir, 'governance', 'approvals.json'),
    now: T0,
    stateErrors: [],
    governance(over = {}) {
      const statePath = over.statePath === null ? undefined : (over.statePath ?? world.statePath);
      return new Governance({
        profile: over.profile ?? world.profile,
        trust: world.trust,
        signer: governanceKey.signer,
        now: () => world.now,
        ...(statePath ? { statePath, onStateError: (err) => world.stateErrors.push(err) } : {}),
      });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return world;
}

/** The fixture profile with one tag limit changed: the same cell under another policy hash. */
export function changedProfile(): Profile {
  return parseProfile(readFileSync(PROFILE_PATH, 'utf8').replace('max: 1000', 'max: 900'), 'approvals-cell (changed)');
}

export function proposal(actor: string, target: string, value: string): Proposal {
  return { actor, op: 'write', target, value, reason: 'test change' };
}

export interface StatementOptions {
  /** Sign with this person's key (default: the approver's own). */
  readonly key?: PersonName;
  readonly role?: string;
  readonly decision?: 'approve' | 'reject';
  /** Sign the digest of this proposal instead of the request's. */
  readonly digestOf?: Proposal;
}

/**
 * NAME's signed statement on a pending request, as `taogate approve|reject` makes it:
 * the digest recomputed from the proposal the request shows, signed with NAME's key file.
 */
export function statement(w: World, gov: Governance, requestId: string, approver: PersonName, o: StatementOptions = {}): Approval {
  const request = gov.queue.get(requestId);
  if (!request) throw new Error(`test setup: no request ${requestId}`);
  const p = o.digestOf ?? request.proposal;
  const digest = proposalDigest({ aud: request.aud, sub: p.actor, op: p.op, target: p.target, value: p.value, args: p.args });
  const decision = o.decision ?? 'approve';
  return signApproval(
    {
      typ: 'taogate.approval.v1',
      approver,
      role: o.role ?? APPROVER_ROLES[approver],
      request: requestId,
      digest,
      decision,
      meaning: decision === 'approve' ? 'approved' : 'rejected',
      reason: `${approver} checked it`,
      ts: Math.floor(w.now / 1000),
    },
    w.approverKeys[o.key ?? approver].signer,
  );
}

/** The pending decision's request id; fails the test with the decision when it was not pending. */
export function pendingId(d: Decision): string {
  if (d.decision !== 'pending') throw new Error(`expected a pending decision, got ${JSON.stringify(d)}`);
  return d.request;
}
