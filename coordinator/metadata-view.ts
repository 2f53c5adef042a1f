/**
 * MetadataView: the synchronous in-memory picture of the cluster metadata that every
 * ClusterMetadataStore serves its reads from (the memory and local stores own it; the ZooKeeper
 * store keeps it current from watches). Each mutation compares with what the view held and
 * returns the MetadataEvents the change makes, none for a no-op, so the same change learned
 * twice (a local write, then the watch it fired) is announced once.
 *
 * Invariants: every TopicMetadata is frozen and indexed by name and by id; a broker config map
 * is stored under its id or '<default>'.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import type { BrokerRegistration, MetadataEvent, TopicMetadata } from './metadata-store';

export type PartitionMap = ReadonlyMap<number, readonly number[]>;

export class MetadataView {
  clusterId = '';
  private readonly brokers = new Map<number, BrokerRegistration>();
  private controller = -1;
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private readonly marks = new Set<string>();
  private readonly brokerCfgs = new Map<string, Readonly<Record<string, string>>>();

  // ---- reads ----------------------------------------------------------------------------
  liveBrokers(): readonly BrokerRegistration[] {
    return [...this.brokers.values()].sort((a, b) => a.brokerId - b.brokerId);
  }
  broker(id: number): BrokerRegistration | undefined {
    return this.brokers.get(id);
  }
  controllerId(): number {
    return this.controller;
  }
  topics(): readonly TopicMetadata[] {
    return [...this.byName.values()];
  }
  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): TopicMetadata | undefined {
    return this.byId.get(id);
  }
  topicsMarkedForDeletion(): readonly string[] {
    return [...this.marks].sort();
  }
  isMarked(name: string): boolean {
    return this.marks.has(name);
  }
  brokerConfigs(brokerId: number | null): Readonly<Record<string, string>> {
    return this.brokerCfgs.get(brokerConfigKey(brokerId)) ?? {};
  }
  brokerConfigKeys(): readonly string[] {
    return [...this.brokerCfgs.keys()];
  }

  // ---- mutations (each returns the events it causes) -------------------------------------
  putBroker(reg: BrokerRegistration): MetadataEvent[] {
    const old = this.brokers.get(reg.brokerId);
    const next = freezeBroker(reg);
    if (old && brokersEqual(old, next)) return [];
    this.brokers.set(reg.brokerId, next);
    return [{ type: 'broker-changed', brokerId: reg.brokerId }];
  }

  removeBroker(brokerId: number): MetadataEvent[] {
    return this.brokers.delete(brokerId) ? [{ type: 'broker-changed', brokerId }] : [];
  }

  /** Makes the broker set exactly `regs`. */
  replaceBrokers(regs: readonly BrokerRegistration[]): MetadataEvent[] {
    const keep = new Set(regs.map((r) => r.brokerId));
    const events: MetadataEvent[] = [];
    for (const id of [...this.brokers.keys()]) if (!keep.has(id)) events.push(...this.removeBroker(id));
    for (const r of regs) events.push(...this.putBroker(r));
    return events;
  }

  setController(id: number): MetadataEvent[] {
    if (id === this.controller) return [];
    this.controller = id;
    return [{ type: 'controller-changed', controllerId: id }];
  }

  /** Adds or replaces a topic: topic-created, or the changes (partitions, assignment, configs). */
  putTopic(t: TopicMetadata): MetadataEvent[] {
    const topic = freezeTopic(t);
    const old = this.byName.get(topic.name);
    if (old && old.topicId !== topic.topicId) {
      // Deleted and created again under the same name between two looks.
      return [...this.removeTopic(old.name), ...this.putTopic(topic)];
    }
    this.byName.set(topic.name, topic);
    this.byId.set(topic.topicId, topic);
    if (!old) return [{ type: 'topic-created', topic }];
    const events: MetadataEvent[] = [];
    const added = [...topic.assignment.keys()].filter((p) => !old.assignment.has(p));
    if (added.length > 0) events.push({ type: 'partitions-added', topic, partitions: added });
    else if (!partitionMapsEqual(old.assignment, topic.assignment) || !partitionMapsEqual(old.addingReplicas, topic.addingReplicas) || !partitionMapsEqual(old.removingReplicas, topic.removingReplicas)) {
      events.push({ type: 'assignment-changed', topic });
    }
    if (!recordsEqual(old.configs, topic.configs)) events.push({ type: 'topic-config-changed', topic });
    return events;
  }

  removeTopic(name: string): MetadataEvent[] {
    const topic = this.byName.get(name);
    if (!topic) return [];
    this.byName.delete(name);
    this.byId.delete(topic.topicId);
    return [{ type: 'topic-deleted', topic }];
  }

  /** Makes the deletion marks exactly `names`; announces the newly marked ones. */
  setMarks(names: Iterable<string>): MetadataEvent[] {
    const next = new Set(names);
    const added = [...next].filter((n) => !this.marks.has(n)).sort();
    this.marks.clear();
    for (const n of next) this.marks.add(n);
    return added.length > 0 ? [{ type: 'topic-deletion-requested', topics: added }] : [];
  }

  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): MetadataEvent[] {
    const key = brokerConfigKey(brokerId);
    if (recordsEqual(this.brokerCfgs.get(key) ?? {}, configs)) return [];
    if (Object.keys(configs).length === 0) this.brokerCfgs.delete(key);
    else this.brokerCfgs.set(key, Object.freeze({ ...configs }));
    return [{ type: 'broker-config-changed', brokerId }];
  }
}

export function brokerConfigKey(brokerId: number | null): string {
  return brokerId === null ? '<default>' : String(brokerId);
}

export function brokerIdOfConfigKey(key: string): number | null {
  return key === '<default>' ? null : Number(key);
}

export function freezeTopic(t: TopicMetadata): TopicMetadata {
  return Object.freeze({
    name: t.name,
    topicId: t.topicId,
    assignment: freezePartitionMap(t.assignment, true),
    addingReplicas: freezePartitionMap(t.addingReplicas),
    removingReplicas: freezePartitionMap(t.removingReplicas),
    configs: Object.freeze({ ...t.configs }),
    isInternal: t.isInternal,
  });
}

/** A copy sorted by partition; adding/removing sets drop empty lists (no reassignment there). */
export function freezePartitionMap(m: PartitionMap, keepEmpty = false): PartitionMap {
  const entries = [...m].filter(([, r]) => keepEmpty || r.length > 0).sort((a, b) => a[0] - b[0]);
  return new Map(entries.map(([p, r]) => [p, Object.freeze([...r])]));
}

function freezeBroker(r: BrokerRegistration): BrokerRegistration {
  return Object.freeze({ brokerId: r.brokerId, endpoints: Object.freeze(r.endpoints.map((e) => Object.freeze({ ...e }))), rack: r.rack, brokerEpoch: r.brokerEpoch });
}

function brokersEqual(a: BrokerRegistration, b: BrokerRegistration): boolean {
  return a.brokerEpoch === b.brokerEpoch && a.rack === b.rack && JSON.stringify(a.endpoints) === JSON.stringify(b.endpoints);
}

export function partitionMapsEqual(a: PartitionMap, b: PartitionMap): boolean {
  if (a.size !== b.size) return false;
  for (const [p, r] of a) {
    const o = b.get(p);
    if (!o || o.length !== r.length || o.some((x, i) => x !== r[i])) return false;
  }
  return true;
}

export function recordsEqual(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** The assignment after adding `added`, whose indexes must continue the existing ones (INVALID_PARTITIONS). */
export function assignmentWithAdded(topic: TopicMetadata, added: PartitionMap): Map<number, readonly number[]> {
  const next = new Map(topic.assignment);
  const indexes = [...added.keys()].sort((a, b) => a - b);
  if (indexes.length === 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `No partitions to add to '${topic.name}'.`);
  indexes.forEach((p, i) => {
    if (p !== topic.assignment.size + i) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Partition ${p} of '${topic.name}' does not continue its ${topic.assignment.size} partitions.`);
    }
    next.set(p, added.get(p)!);
  });
  return next;
}

export function unknownTopic(name: string): KafkaError {
  return new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
}

export function topicExists(name: string): KafkaError {
  return new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
}
