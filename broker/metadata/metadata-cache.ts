/**
 * MetadataCache: what this broker knows of the cluster, as the controller told it through
 * UpdateMetadata (Kafka's ZkMetadataCache). Metadata, FindCoordinator, DescribeCluster and the
 * produce/fetch leadership answers read it, so every broker that received the same
 * UpdateMetadata answers the same.
 *
 * Invariants:
 * - Only UpdateMetadata changes brokers, topics and partition states here; a request whose
 *   controller epoch is older than the newest one applied is refused (STALE_CONTROLLER_EPOCH).
 * - A partition state with leader -2 (LeaderDuringDelete) removes the partition; a topic with
 *   no partition left is gone.
 * - Topic configs are not part of UpdateMetadata: they are read from the metadata store, which
 *   every broker keeps current (config change notifications).
 * Reads are synchronous; `onUpdate` listeners run after each applied request.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { UpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import type { ClusterMetadataStore, TopicMetadata } from '../../coordinator/metadata-store';

export interface NodeInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  /** -1 when the partition has no live leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas on brokers that are not alive. */
  readonly offline: readonly number[];
}

interface CachedBroker {
  readonly id: number;
  readonly rack: string | null;
  /** listener name -> endpoint */
  readonly endpoints: ReadonlyMap<string, { host: string; port: number }>;
}

interface CachedTopic {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: Map<number, PartitionInfo>;
  /** The TopicMetadata view, built on first read after a change. */
  view?: TopicMetadata;
}

const LEADER_DURING_DELETE = -2;
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

export class MetadataCache {
  private brokersById = new Map<number, CachedBroker>();
  private readonly topicsByName = new Map<string, CachedTopic>();
  private readonly topicsById = new Map<string, CachedTopic>();
  private controller = -1;
  /** Newest controller epoch applied (-1 before the first UpdateMetadata). */
  private controllerEpochSeen = -1;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: ClusterMetadataStore, readonly brokerId: number) {}

  get clusterId(): string {
    return this.store.clusterId();
  }
  get controllerId(): number {
    return this.controller;
  }

  /** Applies an UpdateMetadata request from the controller (v5+: topic states). */
  update(req: UpdateMetadataRequest): void {
    if (req.controllerEpoch < this.controllerEpochSeen) {
      throw new KafkaError(ErrorCode.STALE_CONTROLLER_EPOCH, `UpdateMetadata from controller ${req.controllerId} with epoch ${req.controllerEpoch} is older than epoch ${this.controllerEpochSeen}`);
    }
    this.controllerEpochSeen = req.controllerEpoch;
    this.controller = req.controllerId;
    const brokers = new Map<number, CachedBroker>();
    for (const b of req.liveBrokers) {
      const endpoints = new Map<string, { host: string; port: number }>();
      for (const e of b.endpoints) endpoints.set(e.listener, { host: e.host, port: e.port });
      brokers.set(b.id, { id: b.id, rack: b.rack, endpoints });
    }
    this.brokersById = brokers;
    for (const t of req.topicStates) {
      for (const ps of t.partitionStates) {
        let topic = this.topicsByName.get(t.topicName);
        if (ps.leader === LEADER_DURING_DELETE) {
          if (topic) topic.view = undefined;
          topic?.partitions.delete(ps.partitionIndex);
          if (topic && topic.partitions.size === 0) this.dropTopic(topic);
          continue;
        }
        if (topic && topic.topicId !== t.topicId) {
          this.dropTopic(topic); // the name now belongs to a re-created topic
          topic = undefined;
        }
        if (!topic) {
          topic = { name: t.topicName, topicId: t.topicId, partitions: new Map() };
          this.topicsByName.set(topic.name, topic);
          this.topicsById.set(topic.topicId, topic);
        }
        topic.view = undefined;
        topic.partitions.set(ps.partitionIndex, Object.freeze({
          partition: ps.partitionIndex,
          leader: ps.leader,
          leaderEpoch: ps.leaderEpoch,
          replicas: Object.freeze([...ps.replicas]),
          isr: Object.freeze([...ps.isr]),
          offline: Object.freeze([...ps.offlineReplicas]),
        }));
      }
    }
    for (const l of this.listeners) l();
  }

  /** Called after every applied UpdateMetadata; returns the unsubscribe function. */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live brokers' endpoints on `listenerName` (Kafka answers with the listener the request came on). */
  brokers(listenerName: string): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const b of [...this.brokersById.values()].sort((x, y) => x.id - y.id)) {
      const ep = b.endpoints.get(listenerName);
      if (ep) out.push({ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  /** The endpoint of a live broker on `listenerName`, or undefined. */
  endpointOf(brokerId: number, listenerName: string): { host: string; port: number } | undefined {
    return this.brokersById.get(brokerId)?.endpoints.get(listenerName);
  }

  isAlive(brokerId: number): boolean {
    return this.brokersById.has(brokerId);
  }

  topic(name: string): TopicMetadata | undefined {
    const t = this.topicsByName.get(name);
    return t ? this.view(t) : undefined;
  }
  topicById(id: string): TopicMetadata | undefined {
    const t = this.topicsById.get(id);
    return t ? this.view(t) : undefined;
  }
  topics(): TopicMetadata[] {
    return [...this.topicsByName.values()].map((t) => this.view(t));
  }

  /** Partition leadership as Metadata reports it; undefined for an unknown topic/partition. */
  partitionInfo(topic: TopicMetadata | string, partition: number): PartitionInfo | undefined {
    const info = this.topicsByName.get(typeof topic === 'string' ? topic : topic.name)?.partitions.get(partition);
    if (!info) return undefined;
    return info.leader >= 0 && !this.brokersById.has(info.leader) ? { ...info, leader: -1 } : info;
  }

  /** True when every listed partition of `topic` is known with a live leader. */
  hasLeaders(topic: string, partitions: readonly number[]): boolean {
    return partitions.every((p) => (this.partitionInfo(topic, p)?.leader ?? -1) >= 0);
  }

  private dropTopic(t: CachedTopic): void {
    this.topicsByName.delete(t.name);
    this.topicsById.delete(t.topicId);
  }

  /** A TopicMetadata over the cached partitions (built once per change); configs are read from the store. */
  private view(t: CachedTopic): TopicMetadata {
    if (t.view) return t.view;
    const store = this.store;
    const assignment = new Map<number, readonly number[]>();
    for (const p of [...t.partitions.keys()].sort((a, b) => a - b)) assignment.set(p, t.partitions.get(p)!.replicas);
    const name = t.name;
    t.view = {
      name,
      topicId: t.topicId,
      assignment,
      get addingReplicas() {
        return store.topic(name)?.addingReplicas ?? EMPTY_MAP;
      },
      get removingReplicas() {
        return store.topic(name)?.removingReplicas ?? EMPTY_MAP;
      },
      get configs() {
        return store.topic(name)?.configs ?? {};
      },
      isInternal: INTERNAL_TOPICS.has(name),
    };
    return t.view;
  }
}

const EMPTY_MAP: ReadonlyMap<number, readonly number[]> = new Map();
