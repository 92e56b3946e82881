/**
 * A compact range [0, size): only the perfect subtrees along the right edge
 * (one per set bit of size), so the root of a growing tree costs O(log n)
 * memory and amortized 2 hashes per append. The gateway's checkpointer and
 * the upstream keep one each.
 */
import { EMPTY_ROOT, foldRight, hashChildren, type Hash } from './merkle.js';

export class CompactRange {
  private nodes: Hash[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf; returns the perfect nodes it completed (the leaf itself first), for storage that keeps them. */
  append(leafHash: Hash): { level: number; index: number; hash: Hash }[] {
    const done = [{ level: 0, index: this.count, hash: leafHash }];
    let h = leafHash;
    let s = this.count;
    let level = 0;
    while (s % 2 === 1) {
      h = hashChildren(this.nodes.pop() as Hash, h);
      s = Math.floor(s / 2);
      level++;
      done.push({ level, index: s, hash: h });
    }
    this.nodes.push(h);
    this.count++;
    return done;
  }

  /** The perfect nodes of [0, size), largest first (what restore() takes back). */
  perfectNodes(): readonly Hash[] {
    return [...this.nodes];
  }

  root(): Hash {
    return this.count === 0 ? EMPTY_ROOT : foldRight(this.nodes);
  }

  /** Sets the range to `size` leaves given the perfect nodes of [0, size), largest first (rangeNodes(0, size)). */
  restore(size: number, nodes: readonly Hash[]): void {
    if (nodes.some((n) => n === undefined)) throw new Error(`compact range: a node of the tree of size ${size} is missing`);
    this.nodes = [...nodes];
    this.count = size;
  }

  restoreFrom(other: CompactRange): void {
    this.nodes = [...other.nodes];
    this.count = other.count;
  }

  clone(): CompactRange {
    const c = new CompactRange();
    c.nodes = [...this.nodes];
    c.count = this.count;
    return c;
  }
}
