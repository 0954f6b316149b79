/**
 * A bounded memo for a pure function of its key: the value made once per key
 * and kept while the memo has room; when full it is cleared and fills again.
 * A sweep runs thousands of short simulations that compile, format and hash
 * the same few texts (router rules, Go regexps, bucket bounds, label names,
 * Flagger's queries); these memos let every run after the first reuse them.
 * Only for values that depend on the key alone and are never mutated, so a
 * cached value is exactly what making it again would give.
 */
export class BoundedMemo<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K, make: (key: K) => V): V {
    let v = this.values.get(key);
    if (v === undefined && !this.values.has(key)) {
      v = make(key);
      if (this.values.size >= this.capacity) this.values.clear();
      this.values.set(key, v);
    }
    return v as V;
  }
}
