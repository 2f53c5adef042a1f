/**
 * TopicAdmin: validates and writes topic creations, deletions and new partitions to the metadata
 * store (as Kafka's ZooKeeper-mode AdminManager does), then waits until the controller has
 * acted on them as seen in this broker's metadata cache: CreateTopics and CreatePartitions answer
 * once every new partition has a leader (clients such as kafkajs rely on it), DeleteTopics once
 * the topic left the cache. The controller assigns leaders and tells the replicas.
 *
 * Errors are Kafka's (KafkaError): INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
 * INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG,
 * TOPIC_DELETION_DISABLED, UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { ClusterMetadataStore, TopicMetadata } from '../../coordinator/metadata-store';
import { randomUuid } from '../../coordinator/memory-metadata-store';
import { validateTopicConfigs } from '../../coordinator/topic-config';
import { assignReplicasToBrokers } from '../../coordinator/controller/replica-assignment';
import type { BrokerConfig } from '../config/config';
import type { Logger } from '../logger';
import type { MetadataCache } from './metadata-cache';

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
    private readonly cache: MetadataCache,
    private readonly log: Logger,
    /**
     * One node: internal topics get at most as many replicas as there are brokers. In a cluster
     * their creation fails (COORDINATOR_NOT_AVAILABLE to FindCoordinator) until enough brokers
     * are alive, as in Kafka.
     */
    private readonly capInternalReplication: boolean,
    /** How long a creation or deletion waits for the controller (ms). */
    private readonly waitMs = 30_000,
  ) {}

  isInternal(name: string): boolean {
    return INTERNAL_TOPICS.has(name);
  }

  /**
   * Validates (always) and creates (unless validateOnly), then waits up to `timeoutMs` for every
   * partition to have a leader in the metadata cache (Kafka's DelayedCreatePartitions). With
   * `timeoutMs` <= 0 the creation is written and REQUEST_TIMED_OUT thrown at once, without
   * waiting (ZkAdminManager.createTopics); the controller still creates the topic.
   */
  async createTopic(spec: CreateTopicSpec, validateOnly: boolean, internal = false, timeoutMs = this.waitMs): Promise<CreatedTopic> {
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
      assignment = assignReplicasToBrokers(this.brokerRacks(), n, rf);
    }
    // Validated alone and combined with the broker's effective log defaults (Kafka's LogConfig.validate).
    const configs = validateTopicConfigs(spec.configs, (k) => this.current().settings.get(k));
    const rf = assignment.get(0)?.length ?? 0;
    if (validateOnly) return { topicId: '', numPartitions: assignment.size, replicationFactor: rf, configs };
    const creation = (async () => {
      const topic = await this.store.createTopic({ name: spec.name, topicId: randomUuid(), assignment, configs, isInternal: internal || this.isInternal(spec.name) });
      if (timeoutMs <= 0) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `creating ${spec.name}: timeout ${timeoutMs} ms, not waiting for its leaders`);
      await this.waitForLeaders(spec.name, [...assignment.keys()], timeoutMs);
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
    const existing = this.cache.topic(name);
    if (existing) return existing;
    if (name === OFFSETS_TOPIC) return this.ensureOffsetsTopic();
    if (name === TRANSACTION_STATE_TOPIC) return this.ensureTransactionStateTopic();
    await this.createTopic({ name, numPartitions: -1, replicationFactor: -1, assignments: new Map(), configs: {} }, false).catch((e: unknown) => {
      if (!(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw e;
    });
    return this.waitForTopic(name);
  }

  /** Creates __consumer_offsets if missing (RF capped at the live brokers on one node) and returns it. */
  ensureOffsetsTopic(): Promise<TopicMetadata> {
    const cfg = this.current();
    return this.ensureInternalTopic(OFFSETS_TOPIC, cfg.offsetsTopicNumPartitions, cfg.offsetsTopicReplicationFactor, () => ({
      'cleanup.policy': 'compact',
      'compression.type': 'producer',
      'segment.bytes': String(cfg.offsetsTopicSegmentBytes),
    }));
  }

  /**
   * Creates __transaction_state if missing and returns it, with Kafka's TransactionLog topic
   * configs: transaction.state.log.num.partitions, replication factor
   * transaction.state.log.replication.factor (in a cluster refused with INVALID_REPLICATION_FACTOR
   * while fewer brokers are alive, as Kafka's ZooKeeper mode; on one node capped at the live
   * brokers, and min.insync.replicas = transaction.state.log.min.isr capped at that replication
   * factor, or no acks=-1 append could succeed), compacted, uncompressed,
   * transaction.state.log.segment.bytes, no unclean leader election.
   */
  ensureTransactionStateTopic(): Promise<TopicMetadata> {
    const cfg = this.current();
    return this.ensureInternalTopic(TRANSACTION_STATE_TOPIC, cfg.transactionStateLogNumPartitions, cfg.transactionStateLogReplicationFactor, (rf) => ({
      'cleanup.policy': 'compact',
      'compression.type': 'uncompressed',
      'segment.bytes': String(cfg.transactionStateLogSegmentBytes),
      'min.insync.replicas': String(this.capInternalReplication ? Math.min(cfg.transactionStateLogMinIsr, rf) : cfg.transactionStateLogMinIsr),
      'unclean.leader.election.enable': 'false',
    }));
  }

  private async ensureInternalTopic(name: string, numPartitions: number, wantedRf: number, configsFor: (rf: number) => Record<string, string>): Promise<TopicMetadata> {
    const existing = this.cache.topic(name);
    if (existing) return existing;
    const brokers = this.store.liveBrokers().length;
    const rf = this.capInternalReplication ? Math.max(1, Math.min(wantedRf, brokers)) : wantedRf;
    await this.createTopic({ name, numPartitions, replicationFactor: rf, assignments: new Map(), configs: configsFor(rf) }, false, true).catch((e: unknown) => {
      if (!(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw e;
    });
    return this.waitForTopic(name);
  }

  /** The topic once any creation in flight finished; LEADER_NOT_AVAILABLE if it still does not exist. */
  private async waitForTopic(name: string): Promise<TopicMetadata> {
    const inflight = this.creating.get(name);
    if (inflight) await inflight.catch(() => undefined);
    const t = this.cache.topic(name);
    if (!t) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE);
    return t;
  }

  /** Resolves once `done()` holds in the metadata cache; REQUEST_TIMED_OUT after `waitMs` ms. */
  private waitForCache(done: () => boolean, what: string, waitMs = this.waitMs): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${what}: the controller did not complete it within ${waitMs} ms`));
      }, waitMs);
      const off = this.cache.onUpdate(() => {
        if (!done()) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  private waitForLeaders(topic: string, partitions: readonly number[], waitMs = this.waitMs): Promise<void> {
    return this.waitForCache(() => this.cache.hasLeaders(topic, partitions), `creating partitions ${partitions.join(',')} of ${topic}`, waitMs);
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.current().deleteTopicEnable) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    const topic = this.store.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (topic.isInternal) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${name} is a kafka internal topic and is not allowed to be marked for deletion.`);
    await this.store.markTopicForDeletion(name);
    await this.waitForCache(() => this.cache.topic(name)?.topicId !== topic.topicId, `deleting topic ${name}`);
    this.log.info({ topic: name }, `deleted topic ${name}`);
    return topic;
  }

  /**
   * Validates, and unless validateOnly adds the partitions, then waits up to `timeoutMs` for
   * their leaders (REQUEST_TIMED_OUT after); with `timeoutMs` <= 0 the partitions are written
   * and REQUEST_TIMED_OUT thrown at once (Kafka's ZkAdminManager.createPartitions).
   */
  async createPartitions(name: string, count: number, assignments: readonly (readonly number[])[] | null, validateOnly: boolean, timeoutMs = this.waitMs): Promise<void> {
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
      // Kafka continues the walk from partition 0's first replica, so new partitions line up with the old ones.
      const sortedIds = [...brokers].sort((a, b) => a - b);
      const first = topic.assignment.get(0)?.[0] ?? sortedIds[0]!;
      const startIndex = Math.max(0, sortedIds.findIndex((id) => id >= first));
      added = assignReplicasToBrokers(this.brokerRacks(), count - current, rf, { startPartitionId: current, fixedStartIndex: startIndex });
    }
    if (validateOnly) return;
    await this.store.addPartitions(name, added);
    if (timeoutMs <= 0) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `adding partitions to ${name}: timeout ${timeoutMs} ms, not waiting for their leaders`);
    await this.waitForLeaders(name, [...added.keys()], timeoutMs);
  }

  /** Live brokers with their racks (broker.rack), for rack-aware assignment. */
  private brokerRacks(): { id: number; rack: string | null }[] {
    return this.store.liveBrokers().map((b) => ({ id: b.brokerId, rack: b.rack }));
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
