/**
 * The 'checkpoint' receipt: the gateway's signed statement "my receipts
 * 0..size-1 have Merkle root R". Body (exact field set):
 *
 *   { origin: <gateway id>, size: N, root: <hex>, note: <c2sp signed note> }
 *
 * The note is the tlog-checkpoint body signed by the gateway key in the
 * signed-note format, so tooling that knows nothing of receipts (a
 * transparency-dev witness, the offline verifier) can check it.
 */
import type { Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { toHex } from '../crypto/encoding.js';
import { checkpointBody, noteSignedBy, parseCheckpointBody, parseNote, signNote, type Checkpoint, type VerifyFn } from './merkle-note.js';

export interface CheckpointBody {
  origin: string;
  size: number;
  root: string;
  note: string;
}

export function makeCheckpointBody(origin: string, size: number, root: Uint8Array, signer: Signer): CheckpointBody & { [k: string]: Json } {
  const body = checkpointBody({ origin, size, root });
  return { origin, size, root: toHex(root), note: signNote(body, origin, signer) };
}

/**
 * Checks an untrusted checkpoint receipt body: exact shape, the note's body
 * says the same origin/size/root, and the note is signed by the gateway.
 * Returns the checkpoint, or a string naming the problem.
 */
export function checkCheckpointBody(value: unknown, gateway: string, publicKey: Uint8Array, verify: VerifyFn): (Checkpoint & { note: string }) | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'checkpoint body is not an object';
  const b = value as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'note,origin,root,size') return `checkpoint body has fields ${keys} (expected note, origin, root, size)`;
  if (b.origin !== gateway) return `checkpoint origin ${JSON.stringify(b.origin)} is not gateway '${gateway}'`;
  if (typeof b.note !== 'string' || typeof b.root !== 'string' || typeof b.size !== 'number') return 'checkpoint body fields have wrong types';
  const note = parseNote(b.note);
  if (typeof note === 'string') return note;
  const cp = parseCheckpointBody(note.body);
  if (typeof cp === 'string') return cp;
  if (cp.origin !== gateway || cp.size !== b.size || toHex(cp.root) !== b.root) return 'checkpoint note does not say the origin, size and root of the receipt body';
  if (!noteSignedBy(note, gateway, publicKey, verify)) return `checkpoint note is not signed by gateway '${gateway}'`;
  return { ...cp, note: b.note };
}

