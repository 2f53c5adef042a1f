/**
 * ClusterMetadataStore kept in memory. Used directly by unit tests, and as the base of the
 * embedded LocalMetadataStore, which persists a snapshot after every write (`afterWrite`).
 * All writes are serialised on one promise chain, so a snapshot always reflects a prefix of writes.
 */
import { randomBytes } from 'crypto';
import { ErrorCode, KafkaError } from '../protocol/errors';
import type {
  BrokerRegistration,
  ClusterMetadataStore,
  MetadataEvent,
  NewTopic,
  PartitionState,
  TopicMetadata,
} from './metadata-store';

/** A random UUID in Kafka's 22-char base64url form (never the zero or reserved ids). */
export function randomUuid(): string {
  for (;;) {
    const b = randomBytes(16);
    const s = b.toString('base64url');
    if (!b.subarray(0, 15).every((x) => x === 0)) return s;
  }
}

export interface MetadataSnapshot {
  version: 1;
  clusterId: string;
  topics: { name: string; topicId: string; assignment: Record<string, number[]>; configs: Record<string, string>; isInternal: boolean }[];
  partitionStates: Record<string, PartitionState>;
  brokerConfigs: Record<string, Record<string, string>>;
}

export class MemoryMetadataStore implements ClusterMetadataStore {
  protected cluster: string;
  protected readonly brokers = new Map<number, BrokerRegistration>();
  protected readonly topicsByName = new Map<string, TopicMetadata>();
  protected readonly topicsById = new Map<string, TopicMetadata>();
  protected readonly states = new Map<string, PartitionState>();
  protected readonly brokerCfgs = new Map<string, Record<string, string>>();
  private readonly listeners = new Set<(e: MetadataEvent) => void>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(clusterId?: string) {
    this.cluster = clusterId ?? randomUuid();
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Hook for persistence; runs inside the write chain after each write's in-memory change. */
  protected async afterWrite(): Promise<void> {}

  clusterId(): string {
    return this.cluster;
  }
  controllerId(): number {
    const first = [...this.brokers.keys()].sort((a, b) => a - b)[0];
    return first ?? -1;
  }

  async registerBroker(reg: BrokerRegistration): Promise<void> {
    this.brokers.set(reg.brokerId, reg);
    this.emit({ type: 'broker-changed', brokerId: reg.brokerId });
  }
  async unregisterBroker(brokerId: number): Promise<void> {
    this.brokers.delete(brokerId);
    this.emit({ type: 'broker-changed', brokerId });
  }
  liveBrokers(): readonly BrokerRegistration[] {
    return [...this.brokers.values()].sort((a, b) => a.brokerId - b.brokerId);
  }

  topics(): readonly TopicMetadata[] {
    return [...this.topicsByName.values()];
  }
  topic(name: string): TopicMetadata | undefined {
    return this.topicsByName.get(name);
  }
  topicById(topicId: string): TopicMetadata | undefined {
    return this.topicsById.get(topicId);
  }

  createTopic(t: NewTopic): Promise<TopicMetadata> {
    return this.write(() => {
      if (this.topicsByName.has(t.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
      const topic: TopicMetadata = Object.freeze({
        name: t.name,
        topicId: t.topicId,
        assignment: new Map(t.assignment),
        configs: Object.freeze({ ...t.configs }),
        isInternal: t.isInternal ?? false,
      });
      this.topicsByName.set(t.name, topic);
      this.topicsById.set(t.topicId, topic);
      return { result: topic, event: { type: 'topic-created', topic } };
    });
  }

  deleteTopic(name: string): Promise<TopicMetadata> {
    return this.write(() => {
      const topic = this.requireTopic(name);
      this.topicsByName.delete(name);
      this.topicsById.delete(topic.topicId);
      for (const p of topic.assignment.keys()) this.states.delete(stateKey(name, p));
      return { result: topic, event: { type: 'topic-deleted', topic } };
    });
  }

  addPartitions(name: string, added: ReadonlyMap<number, readonly number[]>): Promise<TopicMetadata> {
    return this.write(() => {
      const old = this.requireTopic(name);
      const assignment = new Map(old.assignment);
      for (const [p, replicas] of added) {
        if (assignment.has(p)) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Partition ${p} of '${name}' already exists.`);
        assignment.set(p, replicas);
      }
      const topic: TopicMetadata = Object.freeze({ ...old, assignment });
      this.topicsByName.set(name, topic);
      this.topicsById.set(topic.topicId, topic);
      return { result: topic, event: { type: 'partitions-added', topic, partitions: [...added.keys()] } };
    });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata> {
    return this.write(() => {
      const old = this.requireTopic(name);
      const topic: TopicMetadata = Object.freeze({ ...old, configs: Object.freeze({ ...configs }) });
      this.topicsByName.set(name, topic);
      this.topicsById.set(topic.topicId, topic);
      return { result: topic, event: { type: 'topic-config-changed', topic } };
    });
  }

  brokerConfigs(brokerId: number | null): Readonly<Record<string, string>> {
    return this.brokerCfgs.get(brokerId === null ? '<default>' : String(brokerId)) ?? {};
  }

  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.write(() => {
      this.brokerCfgs.set(brokerId === null ? '<default>' : String(brokerId), { ...configs });
      return { result: undefined, event: { type: 'broker-config-changed', brokerId } };
    });
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(stateKey(topic, partition));
  }

  setPartitionState(topic: string, partition: number, state: Omit<PartitionState, 'version'>): Promise<PartitionState> {
    return this.write(() => {
      const t = this.topicsByName.get(topic);
      if (!t || !t.assignment.has(partition)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const prev = this.states.get(stateKey(topic, partition));
      const next: PartitionState = Object.freeze({ ...state, isr: Object.freeze([...state.isr]), version: (prev?.version ?? -1) + 1 });
      this.states.set(stateKey(topic, partition), next);
      return { result: next, event: { type: 'partition-state-changed', topic, partition, state: next } };
    });
  }

  onChange(listener: (e: MetadataEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The persistent part of the state. */
  protected snapshot(): MetadataSnapshot {
    return {
      version: 1,
      clusterId: this.cluster,
      topics: this.topics().map((t) => ({
        name: t.name,
        topicId: t.topicId,
        assignment: Object.fromEntries([...t.assignment].map(([p, r]) => [String(p), [...r]])),
        configs: { ...t.configs },
        isInternal: t.isInternal,
      })),
      partitionStates: Object.fromEntries(this.states),
      brokerConfigs: Object.fromEntries(this.brokerCfgs),
    };
  }

  /** Replaces the state with a snapshot (load at startup). */
  protected restore(s: MetadataSnapshot): void {
    this.cluster = s.clusterId;
    this.topicsByName.clear();
    this.topicsById.clear();
    for (const t of s.topics) {
      const topic: TopicMetadata = Object.freeze({
        name: t.name,
        topicId: t.topicId,
        assignment: new Map(Object.entries(t.assignment).map(([p, r]) => [Number(p), r])),
        configs: Object.freeze({ ...t.configs }),
        isInternal: t.isInternal,
      });
      this.topicsByName.set(t.name, topic);
      this.topicsById.set(t.topicId, topic);
    }
    this.states.clear();
    for (const [k, v] of Object.entries(s.partitionStates)) this.states.set(k, Object.freeze(v));
    this.brokerCfgs.clear();
    for (const [k, v] of Object.entries(s.brokerConfigs)) this.brokerCfgs.set(k, v);
  }

  private requireTopic(name: string): TopicMetadata {
    const t = this.topicsByName.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    return t;
  }

  /** Runs a change on the write chain: apply in memory, persist, then notify listeners. */
  private write<R>(change: () => { result: R; event: MetadataEvent }): Promise<R> {
    const run = this.chain.then(async () => {
      const { result, event } = change();
      await this.afterWrite();
      this.emit(event);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private emit(e: MetadataEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function stateKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
