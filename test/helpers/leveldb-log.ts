/**
 * Reads the puts and deletes in a LevelDB dir's write-ahead logs (`*.log`):
 * every batch written since the memtable was last flushed, including entries
 * a later batch deleted. Format (leveldb/doc/log_format.md): 32 KB blocks of
 * records, each [crc32c 4][length 2 LE][type 1][data]; FULL=1, FIRST=2,
 * MIDDLE=3, LAST=4 fragments join into one WriteBatch: [sequence 8][count 4]
 * then per entry a tag (1 = put: varint key length, key, varint value
 * length, value; 0 = delete: varint key length, key). Used by tests to see
 * what a process wrote, not only what is left; read only a closed dir.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 32768;
const HEADER = 7;

export type LoggedOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

function varint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0, i = at; i < buf.length; shift += 7, i++) {
    value |= (buf[i]! & 0x7f) << shift;
    if ((buf[i]! & 0x80) === 0) return [value >>> 0, i + 1];
  }
  throw new Error(`leveldb log: truncated varint at ${at}`);
}

function batches(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at + HEADER <= file.length; ) {
    const left = BLOCK - (at % BLOCK);
    if (left < HEADER) {
      at += left; // block trailer
      continue;
    }
    const length = file.readUInt16LE(at + 4);
    const type = file[at + 6]!;
    if (type === 0 && length === 0) break; // preallocated zeros: end of the written log
    const data = file.subarray(at + HEADER, at + HEADER + length);
    at += HEADER + length;
    if (type === 1) out.push(Buffer.from(data));
    else if (type === 2) pending = [data];
    else if (type === 3) pending.push(data);
    else if (type === 4) {
      pending.push(data);
      out.push(Buffer.concat(pending));
      pending = [];
    } else throw new Error(`leveldb log: record type ${type} at ${at}`);
  }
  return out;
}

function entries(batch: Buffer): LoggedOp[] {
  const ops: LoggedOp[] = [];
  const count = batch.readUInt32LE(8);
  let at = 12;
  for (let n = 0; n < count; n++) {
    const tag = batch[at++];
    let len: number;
    [len, at] = varint(batch, at);
    const key = batch.subarray(at, at + len).toString('utf8');
    at += len;
    if (tag === 1) {
      [len, at] = varint(batch, at);
      ops.push({ type: 'put', key, value: Buffer.from(batch.subarray(at, at + len)) });
      at += len;
    } else if (tag === 0) ops.push({ type: 'del', key });
    else throw new Error(`leveldb log: entry tag ${String(tag)}`);
  }
  return ops;
}

/** Every put and delete in the dir's write-ahead logs, oldest log first. */
export function loggedOps(dir: string): LoggedOp[] {
  const logs = readdirSync(dir).filter((f) => /^\d+\.log$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  return logs.flatMap((f) => batches(readFileSync(join(dir, f))).flatMap(entries));
}
