/**
 * TopicAdmin: creates, deletes and grows topics, and brings the local replicas in line with the
 * metadata store. On one node it also plays the controller's part: every replica is assigned
 * to this broker, which is the leader at epoch 0, ISR = [this broker].
 *
 * Errors are Kafka's (KafkaError): INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG,
 * TOPIC_DELETION_DISABLED, UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { ClusterMetadataStore, TopicMetadata } from '../../coordinator/metadata-store';
import { randomUuid } from '../../coordinator/memory-metadata-store';
import { validateTopicConfigs } from '../../coordinator/topic-config';
import type { BrokerConfig } from '../config/config';
import type { ConfigAdmin } from '../config/config-admin';
import type { Logger } from '../logger';
import type { ReplicaManager } from '../replica/replica-manager';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';
const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);
const MAX_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's Topic.validate: throws INVALID_TOPIC_EXCEPTION with Kafka's message. */
export function validateTopicName(name: string): void {
  const bad = (why: string): never => {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, why);
  };
  if (name.length === 0) bad('Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') bad('Topic name cannot be "." or ".."');
  if (name.length > MAX_NAME_LENGTH) bad(`Topic name is illegal, it can't be longer than ${MAX_NAME_LENGTH} characters, topic name: ${name}`);
  if (!LEGAL.test(name)) bad(`Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
}

export interface CreateTopicSpec {
  name: string;
  /** -1 = num.partitions. */
  numPartitions: number;
  /** -1 = default.replication.factor. */
  replicationFactor: number;
  /** Manual assignment partition -> broker ids (empty = automatic). */
  assignments: ReadonlyMap<number, readonly number[]>;
  configs: Readonly<Record<string, string | null>>;
}

export interface CreatedTopic {
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export class TopicAdmin {
  /** Creations in flight, by name: concurrent creators of the same topic await the first. */
  private readonly creating = new Map<string, Promise<TopicMetadata>>();

  constructor(
    /** The current effective broker settings (num.partitions is read at each creation). */
    private readonly current: () => BrokerConfig,
    private readonly store: ClusterMetadataStore,
    private readonly replicas: ReplicaManager,
    private readonly configs: ConfigAdmin,
    private readonly brokerId: number,
    private readonly log: Logger,
  ) {}

  isInternal(name: string): boolean {
    return INTERNAL_TOPICS.has(name);
  }

  /** Validates (always) and creates (unless validateOnly). */
  async createTopic(spec: CreateTopicSpec, validateOnly: boolean, internal = false): Promise<CreatedTopic> {
    validateTopicName(spec.name);
    if (this.store.topic(spec.name) || this.creating.has(spec.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    // Kafka: '.' and '_' collide in metric names, so such topics cannot coexist.
    const unified = spec.name.replace(/\./g, '_');
    const collision = [...this.store.topics().map((t) => t.name), ...this.creating.keys()].find((n) => n.replace(/\./g, '_') === unified);
    if (collision) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${collision}`);
    const brokers = this.store.liveBrokers().map((b) => b.brokerId);
    let assignment: Map<number, number[]>;
    if (spec.assignments.size > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      assignment = this.checkAssignment(spec.assignments, 0, brokers);
    } else {
      const n = spec.numPartitions === -1 ? this.current().numPartitions : spec.numPartitions;
      const rf = spec.replicationFactor === -1 ? this.current().defaultReplicationFactor : spec.replicationFactor;
      if (n <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
      if (rf <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
      if (rf > brokers.length) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${brokers.length}.`);
      assignment = assignReplicas(n, rf, brokers, 0);
    }
    const configs = validateTopicConfigs(spec.configs);
    const rf = assignment.get(0)?.length ?? 0;
    if (validateOnly) return { topicId: '', numPartitions: assignment.size, replicationFactor: rf, configs };
    const creation = (async () => {
      const topic = await this.store.createTopic({ name: spec.name, topicId: randomUuid(), assignment, configs, isInternal: internal || this.isInternal(spec.name) });
      await this.startPartitions(topic, [...assignment.keys()]);
      this.log.info({ topic: spec.name, partitions: assignment.size, rf }, `created topic ${spec.name}`);
      return topic;
    })();
    this.creating.set(spec.name, creation);
    try {
      const topic = await creation;
      return { topicId: topic.topicId, numPartitions: assignment.size, replicationFactor: rf, configs };
    } finally {
      this.creating.delete(spec.name);
    }
  }

  /** Metadata auto-creation: num.partitions and default.replication.factor. */
  async autoCreate(name: string): Promise<TopicMetadata | undefined> {
    const existing = this.store.topic(name);
    if (existing) return existing;
    if (name === OFFSETS_TOPIC) return this.ensureOffsetsTopic();
    await this.createTopic({ name, numPartitions: -1, replicationFactor: -1, assignments: new Map(), configs: {} }, false).catch((e: unknown) => {
      if (!(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw e;
    });
    return this.waitForTopic(name);
  }

  /** Creates __consumer_offsets if missing (RF capped at the live brokers) and returns it. */
  async ensureOffsetsTopic(): Promise<TopicMetadata> {
    const existing = this.store.topic(OFFSETS_TOPIC);
    if (existing) return existing;
    const brokers = this.store.liveBrokers().length;
    const rf = Math.max(1, Math.min(this.current().offsetsTopicReplicationFactor, brokers));
    await this.createTopic(
      {
        name: OFFSETS_TOPIC,
        numPartitions: this.current().offsetsTopicNumPartitions,
        replicationFactor: rf,
        assignments: new Map(),
        configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(this.current().offsetsTopicSegmentBytes) },
      },
      false,
      true,
    ).catch((e: unknown) => {
      if (!(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw e;
    });
    return this.waitForTopic(OFFSETS_TOPIC);
  }

  /** The topic once any creation in flight finished; LEADER_NOT_AVAILABLE if it still does not exist. */
  private async waitForTopic(name: string): Promise<TopicMetadata> {
    const inflight = this.creating.get(name);
    const t = inflight ? await inflight.catch(() => undefined) : this.store.topic(name);
    if (!t) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE);
    return t;
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.current().deleteTopicEnable) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    const topic = this.store.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (topic.isInternal) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${name} is a kafka internal topic and is not allowed to be marked for deletion.`);
    await this.store.deleteTopic(name);
    await Promise.all([...topic.assignment.keys()].map((p) => this.replicas.removePartition(name, p, true)));
    this.log.info({ topic: name }, `deleted topic ${name}`);
    return topic;
  }

  async createPartitions(name: string, count: number, assignments: readonly (readonly number[])[] | null, validateOnly: boolean): Promise<void> {
    const topic = this.store.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const current = topic.assignment.size;
    if (count < current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
    if (count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    const brokers = this.store.liveBrokers().map((b) => b.brokerId);
    const rf = topic.assignment.get(0)?.length ?? 1;
    let added: Map<number, number[]>;
    if (assignments && assignments.length > 0) {
      if (assignments.length !== count - current) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`);
      }
      added = this.checkAssignment(new Map(assignments.map((a, i) => [current + i, a])), current, brokers);
    } else {
      if (rf > brokers.length) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${brokers.length}.`);
      added = assignReplicas(count - current, rf, brokers, current);
    }
    if (validateOnly) return;
    const updated = await this.store.addPartitions(name, added);
    await this.startPartitions(updated, [...added.keys()]);
  }

  /** Writes leader state (this broker, epoch 0) where missing and opens the local replicas. */
  async startPartitions(topic: TopicMetadata, partitions: readonly number[]): Promise<void> {
    const logConfig = this.configs.logConfigFor(topic.configs);
    for (const p of partitions) {
      const replicas = topic.assignment.get(p) ?? [this.brokerId];
      if (!replicas.includes(this.brokerId)) continue;
      let st = this.store.partitionState(topic.name, p);
      if (!st || st.leader !== this.brokerId) {
        // One node: this broker leads every partition; a new leader bumps the epoch.
        st = await this.store.setPartitionState(topic.name, p, {
          leader: this.brokerId,
          leaderEpoch: st ? st.leaderEpoch + 1 : 0,
          isr: [this.brokerId],
          controllerEpoch: 1,
        });
      }
      await this.replicas.makeLeader(topic.name, p, topic.topicId, { leader: st.leader, leaderEpoch: st.leaderEpoch, isr: st.isr, replicas }, logConfig);
    }
  }

  /** Startup: open every partition of every topic this broker hosts. */
  async loadAll(): Promise<void> {
    for (const t of this.store.topics()) await this.startPartitions(t, [...t.assignment.keys()]);
  }

  private checkAssignment(a: ReadonlyMap<number, readonly number[]>, firstPartition: number, brokers: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const n = a.size;
    let rf = -1;
    for (let p = firstPartition; p < firstPartition + n; p++) {
      const replicas = a.get(p);
      if (!replicas) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions must be consecutive, starting at 0.');
      if (replicas.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a partition with no replicas.`);
      if (new Set(replicas).size !== replicas.length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate replica assignment found: ${replicas.join(',')}`);
      if (rf !== -1 && replicas.length !== rf) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'All partitions should have the same number of replicas');
      rf = replicas.length;
      const unknown = replicas.filter((r) => !brokers.includes(r));
      if (unknown.length > 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) ${unknown.join(',')} in the replica assignment.`);
      out.set(p, [...replicas]);
    }
    return out;
  }
}

/** Round-robin replica placement (Kafka's rack-unaware assignment, without the random start). */
export function assignReplicas(count: number, rf: number, brokers: readonly number[], firstPartition: number): Map<number, number[]> {
  const sorted = [...brokers].sort((a, b) => a - b);
  const out = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const p = firstPartition + i;
    const replicas: number[] = [];
    for (let r = 0; r < rf; r++) replicas.push(sorted[(p + r) % sorted.length]!);
    out.set(p, replicas);
  }
  return out;
}
