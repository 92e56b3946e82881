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

  append(leafHash: Hash): void {
    let h = leafHash;
    let s = this.count;
    while (s % 2 === 1) {
      h = hashChildren(this.nodes.pop() as Hash, h);
      s = Math.floor(s / 2);
    }
    this.nodes.push(h);
    this.count++;
  }

  root(): Hash {
    return this.count === 0 ? EMPTY_ROOT : foldRight(this.nodes);
  }

  clone(): CompactRange {
    const c = new CompactRange();
    c.nodes = [...this.nodes];
    c.count = this.count;
    return c;
  }
}
