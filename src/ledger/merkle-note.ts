/**
 * Checkpoints in the transparency-dev formats, pure:
 *
 * - c2sp.org/tlog-checkpoint body: "<origin>\n<tree size>\n<base64 root>\n".
 * - c2sp.org/signed-note: the body, a blank line, then signature lines
 *   "— <key name> <base64(key id (4 bytes) || signature)>\n". Ed25519 key id =
 *   SHA-256(name || 0x0A || 0x01 || public key)[:4]; the signature covers the
 *   body bytes.
 * - c2sp.org/tlog-cosignature (v1) for the upstream's countersignature: key
 *   id with type byte 0x04; the signed message is
 *   "cosignature/v1\ntime <unix seconds>\n" || body; the line carries
 *   base64(key id || 8-byte big-endian time || signature).
 *
 * Verification takes the Ed25519 verifier as a function, so the offline
 * bundle check runs on @noble/ed25519 and the services on node:crypto.
 */
import { sha256 } from '../crypto/hash.js';
import type { Signer } from '../crypto/ed25519.js';
import { HASH_BYTES } from './merkle.js';

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

export interface NoteSignature {
  readonly name: string;
  /** key id (4) || signature, or key id (4) || time (8) || signature for a cosignature. */
  readonly blob: Uint8Array;
}

export interface Note {
  readonly body: string;
  readonly signatures: NoteSignature[];
}

const SIG_PREFIX = '\u2014 ';
const ED25519 = 0x01;
const COSIGNATURE_V1 = 0x04;
const enc = new TextEncoder();
const NAME = /^[^\s+]+$/u;

export function checkpointBody(cp: Checkpoint): string {
  if (!NAME.test(cp.origin)) throw new TypeError(`checkpoint origin '${cp.origin}' must be non-empty without spaces or '+'`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new TypeError(`checkpoint size ${cp.size} must be a non-negative integer`);
  if (cp.root.length !== HASH_BYTES) throw new TypeError('checkpoint root must be 32 bytes');
  return `${cp.origin}\n${cp.size}\n${Buffer.from(cp.root).toString('base64')}\n`;
}

/** Parses a checkpoint body strictly (exactly three lines, canonical size and base64); a string names the problem. */
export function parseCheckpointBody(body: string): Checkpoint | string {
  const lines = body.split('\n');
  if (lines.length !== 4 || lines[3] !== '') return 'checkpoint body is not exactly three newline-terminated lines';
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!NAME.test(origin)) return 'checkpoint origin is empty or has spaces';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) return 'checkpoint size is not a canonical decimal';
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== HASH_BYTES || root.toString('base64') !== rootText) return 'checkpoint root is not base64 of 32 bytes';
  return { origin, size: Number(sizeText), root: new Uint8Array(root) };
}

export function noteKeyId(name: string, publicKey: Uint8Array, type = ED25519): Uint8Array {
  return sha256(enc.encode(`${name}\n`), Uint8Array.of(type), publicKey).subarray(0, 4);
}

function line(name: string, blob: Uint8Array): string {
  return `${SIG_PREFIX}${name} ${Buffer.from(blob).toString('base64')}\n`;
}

/** The body signed by `name`'s key: a complete signed note. */
export function signNote(body: string, name: string, signer: Signer): string {
  const sig = signer.sign(enc.encode(body));
  return `${body}\n${line(name, concat(noteKeyId(name, signer.publicKey), sig))}`;
}

function cosignedMessage(body: string, time: number): Uint8Array {
  return enc.encode(`cosignature/v1\ntime ${time}\n${body}`);
}

/** A tlog-cosignature/v1 line by `name` over the checkpoint body at `time` (unix seconds). */
export function cosignatureLine(body: string, name: string, signer: Signer, time: number): string {
  const t = new Uint8Array(8);
  new DataView(t.buffer).setBigUint64(0, BigInt(time));
  const sig = signer.sign(cosignedMessage(body, time));
  return line(name, concat(noteKeyId(name, signer.publicKey, COSIGNATURE_V1), t, sig));
}

/** Splits a signed note; a string names the problem. Strict: every line well formed, canonical base64. */
export function parseNote(text: string): Note | string {
  const split = text.lastIndexOf('\n\n');
  if (split < 0) return 'note has no blank line before its signatures';
  const body = text.slice(0, split + 1);
  const rest = text.slice(split + 2);
  if (!rest.endsWith('\n')) return 'note does not end with a newline';
  const signatures: NoteSignature[] = [];
  for (const l of rest.slice(0, -1).split('\n')) {
    if (!l.startsWith(SIG_PREFIX)) return 'note signature line does not start with an em dash';
    const parts = l.slice(SIG_PREFIX.length).split(' ');
    if (parts.length !== 2 || !NAME.test(parts[0] as string)) return 'note signature line is not "— <name> <base64>"';
    const blob = Buffer.from(parts[1] as string, 'base64');
    if (blob.length < 5 || blob.toString('base64') !== parts[1]) return 'note signature is not canonical base64';
    signatures.push({ name: parts[0] as string, blob: new Uint8Array(blob) });
  }
  if (signatures.length === 0 || signatures.length > 100) return 'note has no (or too many) signatures';
  return { body, signatures };
}

/** Does the note carry a valid Ed25519 signature by (name, publicKey)? */
export function noteSignedBy(note: Note, name: string, publicKey: Uint8Array, verify: VerifyFn): boolean {
  const id = noteKeyId(name, publicKey);
  const sig = note.signatures.find((s) => s.name === name && s.blob.length === 68 && eq(s.blob.subarray(0, 4), id));
  return sig !== undefined && verify(publicKey, enc.encode(note.body), sig.blob.subarray(4));
}

/** The time of a valid cosignature by (name, publicKey), or undefined. */
export function noteCosignedBy(note: Note, name: string, publicKey: Uint8Array, verify: VerifyFn): number | undefined {
  const id = noteKeyId(name, publicKey, COSIGNATURE_V1);
  const sig = note.signatures.find((s) => s.name === name && s.blob.length === 76 && eq(s.blob.subarray(0, 4), id));
  if (!sig) return undefined;
  const time = new DataView(sig.blob.buffer, sig.blob.byteOffset + 4, 8).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return verify(publicKey, cosignedMessage(note.body, Number(time)), sig.blob.subarray(12)) ? Number(time) : undefined;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
