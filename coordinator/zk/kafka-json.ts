/**
 * JSON exactly as Kafka's ZooKeeper mode writes it: Jackson's compact output of a JVM map, whose
 * key order is that map's iteration order. Kafka builds its znode payloads from Scala maps (and
 * java.util.Properties for configs), so the order is the hash order of those collections. The
 * order reproduced here is that of the Scala 2.12 build, the one seen on real clusters (checked
 * against zkCli output of broker, topic and partition-state znodes, 1 to 50 partitions); the
 * Properties order was checked against JDK 17.
 *
 * A JSON object is written from an ordered list of entries, never from a JS object, so the
 * encoders in znodes.ts decide the order explicitly.
 */

export type KafkaJson = null | boolean | number | string | readonly KafkaJson[] | JsonObject;
/** An object as its entries, in the order they are written. */
export interface JsonObject {
  readonly entries: readonly (readonly [string, KafkaJson])[];
}

export function jsonObject(entries: readonly (readonly [string, KafkaJson])[]): JsonObject {
  return { entries };
}

/** Compact JSON as Jackson writes it (no spaces; control characters as \uXXXX in upper case). */
export function writeKafkaJson(v: KafkaJson): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`Kafka's znodes hold integers only, got ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return jacksonString(v);
  if (isArray(v)) return `[${v.map(writeKafkaJson).join(',')}]`;
  return `{${v.entries.map(([k, x]) => `${jacksonString(k)}:${writeKafkaJson(x)}`).join(',')}}`;
}

function isArray(v: readonly KafkaJson[] | JsonObject): v is readonly KafkaJson[] {
  return Array.isArray(v);
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r' };

function jacksonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20) out += `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += s[i];
  }
  return out + '"';
}

// ---- hash orders --------------------------------------------------------------------------

/** java.lang.String#hashCode (also Scala's `##` of a String). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** org.apache.kafka.common.TopicPartition#hashCode. */
export function topicPartitionHash(topic: string, partition: number): number {
  return (Math.imul(31, (31 + partition) | 0) + javaStringHash(topic)) | 0;
}

/** Iteration order of a Scala 2.12 mutable.HashMap (16 buckets to start) filled in `keys` order. */
export function scalaMutableHashMapOrder(keys: readonly string[]): string[] {
  let buckets: string[][] = Array.from({ length: 16 }, () => []);
  let size = 0;
  for (const k of keys) {
    // HashTable.addEntry0: prepend to the bucket, grow past 75% load by re-adding every entry
    // from the highest bucket down (the index seed stays that of the first 16-bucket table).
    buckets[mutableIndex(javaStringHash(k), buckets.length)]!.unshift(k);
    size++;
    if (size > Math.floor((buckets.length * 3) / 4)) {
      const old = buckets;
      buckets = Array.from({ length: old.length * 2 }, () => []);
      for (let i = old.length - 1; i >= 0; i--) for (const e of old[i]!) buckets[mutableIndex(javaStringHash(e), buckets.length)]!.unshift(e);
    }
  }
  const out: string[] = [];
  for (let i = buckets.length - 1; i >= 0; i--) out.push(...buckets[i]!);
  return out;
}

function mutableIndex(hash: number, tableLength: number): number {
  const ones = tableLength - 1;
  const seed = 4; // Integer.bitCount(16 - 1), fixed when the table is created
  const swapped = byteswap32(hash);
  const rotated = (swapped >>> seed) | (swapped << (32 - seed));
  return (rotated >>> Math.clz32(ones)) & ones;
}

function byteswap32(v: number): number {
  const hc = Math.imul(v, 0x9e3775cd | 0);
  const reversed = ((hc & 0xff) << 24) | ((hc & 0xff00) << 8) | ((hc >>> 8) & 0xff00) | (hc >>> 24);
  return Math.imul(reversed, 0x9e3775cd | 0);
}

/**
 * Iteration order of a Scala 2.12 immutable Map built from `items` in order: up to 4 entries keep
 * their insertion order (Map1..Map4); more make a HashTrieMap, iterated by the 5-bit chunks of
 * the improved hash, lowest chunk first.
 */
export function scalaImmutableMapOrder<T>(items: readonly T[], hashOf: (item: T) => number): T[] {
  if (items.length <= 4) return [...items];
  const chunks = new Map<T, number[]>();
  for (const it of items) {
    const h = improveHash(hashOf(it)) >>> 0;
    const c: number[] = [];
    for (let shift = 0; shift < 32; shift += 5) c.push((h >>> shift) & 31);
    chunks.set(it, c);
  }
  return [...items].sort((a, b) => {
    const ca = chunks.get(a)!;
    const cb = chunks.get(b)!;
    for (let i = 0; i < ca.length; i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
    return 0;
  });
}

function improveHash(hcode: number): number {
  let h = (hcode + ~(hcode << 9)) | 0;
  h ^= h >>> 14;
  h = (h + (h << 4)) | 0;
  return (h ^ (h >>> 10)) | 0;
}

/** Iteration order of a java.util.Properties (a ConcurrentHashMap of 16 bins) filled in `keys` order. */
export function javaPropertiesOrder(keys: readonly string[]): string[] {
  type Node = { key: string; hash: number };
  let bins: Node[][] = Array.from({ length: 16 }, () => []);
  let count = 0;
  for (const key of keys) {
    const h = javaStringHash(key);
    const hash = (h ^ (h >>> 16)) & 0x7fffffff;
    bins[hash & (bins.length - 1)]!.push({ key, hash });
    count++;
    if (count >= bins.length - (bins.length >>> 2)) bins = concurrentHashMapTransfer(bins);
  }
  return bins.flat().map((n) => n.key);
}

/** ConcurrentHashMap.transfer: each bin splits in two; the nodes before the last run are reversed. */
function concurrentHashMapTransfer<N extends { hash: number }>(bins: N[][]): N[][] {
  const n = bins.length;
  const next: N[][] = Array.from({ length: n * 2 }, () => []);
  bins.forEach((bin, i) => {
    if (bin.length === 0) return;
    let runBit = bin[0]!.hash & n;
    let lastRun = 0;
    for (let j = 1; j < bin.length; j++) {
      const b = bin[j]!.hash & n;
      if (b !== runBit) {
        runBit = b;
        lastRun = j;
      }
    }
    const low = runBit === 0 ? bin.slice(lastRun) : [];
    const high = runBit === 0 ? [] : bin.slice(lastRun);
    for (let j = 0; j < lastRun; j++) ((bin[j]!.hash & n) === 0 ? low : high).unshift(bin[j]!);
    next[i] = low;
    next[i + n] = high;
  });
  return next;
}
