/**
 * A bounded set of jtis known to be consumed (in the DB), so that a replayed
 * TAO is refused without a DB read. A miss proves nothing: the DB is the
 * truth, and the ledger reads it on every miss. Oldest entries go first.
 */
export class BoundedSet {
  private readonly items = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.items.has(key);
  }

  add(key: string): void {
    if (this.capacity <= 0 || this.items.has(key)) return;
    if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.add(key);
  }

  get size(): number {
    return this.items.size;
  }
}
