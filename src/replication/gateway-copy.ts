/**
 * The upstream's copy of one gateway's chain: a LevelDB dir with the SAME
 * layout as the gateway's ledger (r!<seq>, h), so `taogate ledger verify |
 * show | export --data <it>` work on it, plus side keys:
 *
 *   x!t/<level 2 hex>/<index 16 hex>  every perfect Merkle node (for roots at past sizes and consistency proofs)
 *   x!up/checkpoint                   the last verified checkpoint {size, root, seq}
 *   x!up/alarms                       raised alarms (JSON array)
 *   x!cosig/<size 16 hex>             the checkpoint note with our cosignature
 *
 * apply() verifies every receipt against the held head (checkReceipt: seq,
 * link, time, hash, signature under the key its kid names, that key's
 * validity window at the receipt's time) and every checkpoint (signed note, root of
 * the receipts it covers, consistency proof from the last held checkpoint)
 * before ONE synced batch stores them.
 */
import { mkdir } from 'node:fs/promises';
import { fromHex, toHex } from '../crypto/encoding.js';
import { verifySignature } from '../crypto/verify.js';
import { checkReceiptShape, receiptToJsonl, type Receipt } from '../ledger/index.js';
import { checkLink, checkSeal } from '../ledger/receipt.js';
import { cosigName, HEAD_KEY, receiptKey, SIDE_PREFIX } from '../ledger/keys.js';
import { openLevel, type LedgerDb } from '../ledger/level.js';
import { recoverHead } from '../ledger/recover.js';
import { checkCheckpointBody } from '../ledger/merkle-checkpoint.js';
import { consistencyProofRanges, assemble, proofNodes } from '../ledger/merkle-proof.js';
import { CompactRange } from '../ledger/merkle-range.js';
import { checkConsistency } from '../ledger/merkle-verify.js';
import { rangeNodes, receiptLeafHash, rootAt, type Hash, type NodeId } from '../ledger/merkle.js';
import { keyWindowProblem, type ReceiptKey } from '../ledger/verify-key.js';
import { seqHex } from '../ledger/keys.js';
import { QUARANTINE, type Alarm, type AlarmKind } from './alarms.js';

const nodeKey = (level: number, index: number) => `${SIDE_PREFIX}t/${level.toString(16).padStart(2, '0')}/${seqHex(index)}`;
const CHECKPOINT_KEY = `${SIDE_PREFIX}up/checkpoint`;
const ALARMS_KEY = `${SIDE_PREFIX}up/alarms`;
export const cosigSideKey = (size: number) => SIDE_PREFIX + cosigName(size);

/** The gateway's key named by a receipt's kid (undefined kid: receipts from before key ids, the gateway's first key). */
export type GatewayKeys = (kid: string | undefined) => ReceiptKey | undefined;

export interface HeldCheckpoint {
  size: number;
  root: string;
  seq: number;
}

export interface ApplyResult {
  /** Receipts newly verified and stored. */
  added: Receipt[];
  /** Checkpoints verified in this batch: their signed notes. */
  checkpoints: { size: number; note: string; body: string }[];
  alarm?: Alarm;
}

export class GatewayCopy {
  private head = { seq: -1, hash: '0'.repeat(64), ts: 0 };
  private readonly range = new CompactRange();
  private checkpoint: HeldCheckpoint | undefined;
  private alarmList: Alarm[] = [];
  private readonly listeners = new Set<(added: readonly Receipt[]) => void>();
  verified = 0;

  private constructor(
    readonly gateway: string,
    readonly dir: string,
    readonly db: LedgerDb,
    private readonly keys: GatewayKeys,
  ) {}

  /** keys: the gateway's keys by kid; a bare public key verifies every receipt (no rotation). */
  static async open(dir: string, gateway: string, keys: GatewayKeys | Uint8Array): Promise<GatewayCopy> {
    await mkdir(dir, { recursive: true });
    const db = await openLevel(dir, { create: true });
    const lookup: GatewayKeys = keys instanceof Uint8Array ? () => ({ publicKey: keys }) : keys;
    const copy = new GatewayCopy(gateway, dir, db, lookup);
    try {
      const state = await recoverHead(db, dir);
      copy.head = { seq: state.head.seq, hash: state.head.hash, ts: state.lastTs };
      // The frontier is rebuilt from the stored nodes of the perfect subtrees of [0, size).
      const size = state.head.seq + 1;
      const ids = rangeNodes(0, size);
      const hashes = await copy.fetchNodes(ids, new Map());
      copy.range.restore(size, ids.map((n) => hashes.get(nodeKey(n.level, n.index)) as Hash));
      const cp = (await db.get(CHECKPOINT_KEY)) as string | undefined;
      if (cp) copy.checkpoint = JSON.parse(cp) as HeldCheckpoint;
      const alarms = (await db.get(ALARMS_KEY)) as string | undefined;
      if (alarms) copy.alarmList = JSON.parse(alarms) as Alarm[];
    } catch (err) {
      await db.close();
      throw err;
    }
    return copy;
  }

  get held(): { seq: number; hash: string } {
    return { seq: this.head.seq, hash: this.head.hash };
  }

  get alarms(): readonly Alarm[] {
    return this.alarmList;
  }

  get lastCheckpoint(): HeldCheckpoint | undefined {
    return this.checkpoint;
  }

  get quarantined(): boolean {
    return this.alarmList.some((a) => QUARANTINE.includes(a.kind));
  }

  onAppend(listener: (added: readonly Receipt[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async *iterate(from: number, to: number = this.head.seq): AsyncGenerator<Receipt> {
    if (to < from) return;
    for await (const [, raw] of this.db.iterator({ gte: receiptKey(from), lte: receiptKey(to) })) yield JSON.parse(raw) as Receipt;
  }

  /** The gateway says where its head is: a head below what we hold means its chain went backwards. */
  async hello(head: { seq: number; hash: string }): Promise<Alarm | undefined> {
    if (head.seq >= this.head.seq) return undefined;
    const held = head.seq >= 0 ? await this.heldHash(head.seq) : undefined;
    const same = held === head.hash || head.seq < 0;
    return this.raise('backwards', head.seq + 1, `the gateway's head went back from seq ${this.head.seq} to seq ${head.seq}${same ? '' : ` (and its receipt ${head.seq} differs from the one held)`}`);
  }

  async apply(receipts: readonly unknown[]): Promise<ApplyResult> {
    const result: ApplyResult = { added: [], checkpoints: [] };
    if (this.quarantined) return result;
    const ops: { type: 'put'; key: string; value: string }[] = [];
    const overlay = new Map<string, Hash>();
    let head = { ...this.head };
    let checkpoint = this.checkpoint;
    const range = this.range.clone();
    let alarm: Alarm | undefined;

    for (const value of receipts) {
      const shape = checkReceiptShape(value);
      if (shape) {
        alarm = await this.raise('invalid', head.seq + 1, `malformed receipt after seq ${head.seq}: ${shape}`);
        break;
      }
      const r = value as Receipt;
      if (r.gateway !== this.gateway) {
        alarm = await this.raise('invalid', r.seq, `receipt ${r.seq} names gateway '${r.gateway}' on the topic of '${this.gateway}'`);
        break;
      }
      if (r.seq <= head.seq) {
        // result.added is contiguous from this.head.seq + 1: a receipt added in this call is found by index.
        const held = r.seq > this.head.seq ? result.added[r.seq - this.head.seq - 1]?.hash : await this.heldHash(r.seq);
        if (held === r.hash) continue; // a resend: already held
        alarm = await this.raise('fork', r.seq, `fork at seq ${r.seq}: the upstream holds hash ${held}, the gateway now sends hash ${r.hash}`);
        break;
      }
      // A gap: skipped, not stored; the ack tells the gateway where to resume. Not a break: the upstream
      // hands apply() the batches that queued up while it was busy in one call (one synced write, one
      // ack), and a batch after the gap (the gateway's resend after a hello) must still be taken.
      if (r.seq > head.seq + 1) continue;
      // The shape was checked above: only the link, the seal and the key's window remain.
      const key = this.keys(r.kid);
      if (!key) {
        alarm = await this.raise('invalid', r.seq, `receipt ${r.seq}: unknown key ${r.kid ?? '(none)'} of gateway '${this.gateway}'`);
        break;
      }
      const problem = checkLink(r, head.seq < 0 ? null : head) ?? checkSeal(r, key.publicKey);
      if (problem) {
        const kind: AlarmKind = problem.reason === 'broken link' ? 'fork' : 'invalid';
        alarm = await this.raise(kind, r.seq, `receipt ${r.seq}: ${problem.reason}: ${problem.detail}`);
        break;
      }
      const window = keyWindowProblem(r, key);
      if (window) {
        alarm = await this.raise('invalid', r.seq, `receipt ${r.seq}: ${window.reason}`);
        break;
      }
      if (r.kind === 'checkpoint') {
        const verdict = await this.verifyCheckpoint(r, key.publicKey, checkpoint, overlay, range.size);
        if (typeof verdict === 'string') {
          alarm = await this.raise('inconsistent', r.seq, `checkpoint receipt ${r.seq}: ${verdict}`);
          break;
        }
        checkpoint = verdict.held;
        result.checkpoints.push({ size: verdict.held.size, note: verdict.note, body: verdict.body });
      }
      for (const n of range.append(receiptLeafHash(r.hash))) {
        const key = nodeKey(n.level, n.index);
        overlay.set(key, n.hash);
        ops.push({ type: 'put', key, value: toHex(n.hash) });
      }
      ops.push({ type: 'put', key: receiptKey(r.seq), value: receiptToJsonl(r) });
      head = { seq: r.seq, hash: r.hash, ts: r.ts };
      result.added.push(r);
    }
    if (result.added.length > 0) {
      ops.push({ type: 'put', key: HEAD_KEY, value: JSON.stringify({ seq: head.seq, hash: head.hash }) });
      if (checkpoint !== this.checkpoint && checkpoint) ops.push({ type: 'put', key: CHECKPOINT_KEY, value: JSON.stringify(checkpoint) });
      await this.db.batch(ops, { sync: true });
      this.head = head;
      this.checkpoint = checkpoint;
      this.range.restoreFrom(range);
      this.verified += result.added.length;
      for (const l of this.listeners) l(result.added);
      for (const r of result.added) {
        const b = r.body as { event?: unknown; grant?: unknown; signers?: unknown; reason?: unknown } | null;
        if (r.kind !== 'breakglass' || b?.event !== 'open') continue;
        const raised = await this.raise('breakglass', r.seq, `break-glass window opened at seq ${r.seq}: grant ${String(b.grant)} signed by ${Array.isArray(b.signers) ? b.signers.join(', ') : '?'}: ${String(b.reason)}`);
        alarm ??= raised;
      }
    }
    if (alarm) result.alarm = alarm;
    return result;
  }

  /** A checkpoint must be signed by the gateway, have the root of the receipts it covers, and extend the last one. */
  private async verifyCheckpoint(r: Receipt, publicKey: Uint8Array, last: HeldCheckpoint | undefined, overlay: Map<string, Hash>, treeSize: number): Promise<{ held: HeldCheckpoint; note: string; body: string } | string> {
    const cp = checkCheckpointBody(r.body, this.gateway, publicKey, verifySignature);
    if (typeof cp === 'string') return cp;
    if (cp.size > treeSize) return `covers ${cp.size} receipts but only ${treeSize} precede it`;
    if (last && cp.size < last.size) return `size ${cp.size} is below the last checkpoint's size ${last.size} (the log went backwards)`;
    const ids = rangeNodes(0, cp.size);
    const consistencyRanges = last && last.size > 0 ? consistencyProofRanges(last.size, cp.size) : [];
    const nodes = await this.fetchNodes([...ids, ...proofNodes(consistencyRanges)], overlay);
    const nodeAt = (level: number, index: number) => {
      const h = nodes.get(nodeKey(level, index));
      if (!h) throw new Error(`merkle node (${level}, ${index}) missing from the upstream copy of ${this.gateway}`);
      return h;
    };
    const root = rootAt(cp.size, nodeAt);
    if (toHex(root) !== toHex(cp.root)) return `root ${toHex(cp.root)} is not the root ${toHex(root)} of receipts 0..${cp.size - 1}`;
    if (last) {
      const failure = checkConsistency(last.size, cp.size, fromHex(last.root), cp.root, assemble(consistencyRanges, nodeAt));
      if (failure) return `not consistent with the checkpoint of size ${last.size}: ${failure}`;
    }
    return { held: { size: cp.size, root: toHex(cp.root), seq: r.seq }, note: cp.note, body: cp.note.slice(0, cp.note.lastIndexOf('\n\n') + 1) };
  }

  async storeCosignature(size: number, note: string): Promise<void> {
    await this.db.put(cosigSideKey(size), JSON.stringify({ size, note }), { sync: true });
  }

  private async fetchNodes(ids: readonly NodeId[], overlay: Map<string, Hash>): Promise<Map<string, Hash>> {
    const out = new Map<string, Hash>();
    const missing: string[] = [];
    for (const n of ids) {
      const key = nodeKey(n.level, n.index);
      const h = overlay.get(key);
      if (h) out.set(key, h);
      else missing.push(key);
    }
    if (missing.length > 0) {
      const values = (await this.db.getMany(missing)) as (string | undefined)[];
      missing.forEach((k, i) => {
        const v = values[i];
        if (v !== undefined) out.set(k, fromHex(v));
      });
    }
    return out;
  }

  private async heldHash(seq: number): Promise<string | undefined> {
    const raw = (await this.db.get(receiptKey(seq))) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as Receipt).hash;
  }

  private async raise(kind: AlarmKind, seq: number, detail: string): Promise<Alarm> {
    const alarm: Alarm = { kind, gateway: this.gateway, seq, detail, at: Date.now() };
    const same = this.alarmList.find((a) => a.kind === kind && a.seq === seq);
    if (same) return same;
    this.alarmList = [...this.alarmList, alarm].slice(-50);
    await this.db.put(ALARMS_KEY, JSON.stringify(this.alarmList), { sync: true });
    return alarm;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
