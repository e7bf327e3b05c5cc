/**
 * A Map that starts again empty when it would grow past `limit` entries: the memo of a long run (a fleet
 * of sites in one process) stays bounded without bookkeeping per entry. For caches whose misses are only
 * slower, never wrong.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit) this.clear();
    return super.set(key, value);
  }
}
