/**
 * Which of a leader's fetchers copies a partition, exactly as Kafka's AbstractFetcherManager
 * computes it: Utils.abs(31 * topic.hashCode() + partition) % num.replica.fetchers, in Java's
 * wrapping int32 arithmetic.
 */

/** Java's String.hashCode over UTF-16 code units, as a signed int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Integer.MIN_VALUE maps to 0. */
function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

export function fetcherIdFor(topic: string, partition: number, numFetchers: number): number {
  return kafkaAbs((Math.imul(31, javaStringHash(topic)) + partition) | 0) % numFetchers;
}
