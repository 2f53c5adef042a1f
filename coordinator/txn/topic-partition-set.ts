/** The partitions of a transaction: a set of (topic, partition) kept in insertion order. */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** '/' cannot occur in a topic name ([a-zA-Z0-9._-]), so the key is unambiguous. */
function keyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export class TopicPartitionSet {
  private readonly byKey = new Map<string, TopicPartition>();

  constructor(partitions: Iterable<TopicPartition> = []) {
    for (const tp of partitions) this.add(tp);
  }

  get size(): number {
    return this.byKey.size;
  }

  has(tp: TopicPartition): boolean {
    return this.byKey.has(keyOf(tp.topic, tp.partition));
  }

  add(tp: TopicPartition): void {
    const k = keyOf(tp.topic, tp.partition);
    if (!this.byKey.has(k)) this.byKey.set(k, { topic: tp.topic, partition: tp.partition });
  }

  delete(tp: TopicPartition): boolean {
    return this.byKey.delete(keyOf(tp.topic, tp.partition));
  }

  clear(): void {
    this.byKey.clear();
  }

  /** Every partition of `partitions` is in this set. */
  containsAll(partitions: Iterable<TopicPartition>): boolean {
    for (const tp of partitions) if (!this.has(tp)) return false;
    return true;
  }

  toArray(): TopicPartition[] {
    return [...this.byKey.values()];
  }

  [Symbol.iterator](): IterableIterator<TopicPartition> {
    return this.byKey.values();
  }
}

/** The partitions grouped by topic, topics and partitions in first-seen order. */
export function groupByTopic(partitions: Iterable<TopicPartition>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = out.get(tp.topic);
    if (!list) {
      list = [];
      out.set(tp.topic, list);
    }
    if (!list.includes(tp.partition)) list.push(tp.partition);
  }
  return out;
}
