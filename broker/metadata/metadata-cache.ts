/**
 * Read side of the ClusterMetadataStore for request handling: brokers as a client on a given
 * listener must see them, topics by name or id, partition leadership. Synchronous.
 */
import type { ClusterMetadataStore, PartitionState, TopicMetadata } from '../../coordinator/metadata-store';

export interface NodeInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Replicas on brokers that are not alive. */
  readonly offline: readonly number[];
}

export class MetadataCache {
  constructor(private readonly store: ClusterMetadataStore, readonly brokerId: number) {}

  get clusterId(): string {
    return this.store.clusterId();
  }
  get controllerId(): number {
    return this.store.controllerId();
  }

  /** Live brokers' endpoints on `listenerName` (Kafka answers with the listener the request came on). */
  brokers(listenerName: string): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const b of this.store.liveBrokers()) {
      const ep = b.endpoints.find((e) => e.listenerName === listenerName) ?? b.endpoints[0];
      if (ep) out.push({ nodeId: b.brokerId, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  isAlive(brokerId: number): boolean {
    return this.store.liveBrokers().some((b) => b.brokerId === brokerId);
  }

  topic(name: string): TopicMetadata | undefined {
    return this.store.topic(name);
  }
  topicById(id: string): TopicMetadata | undefined {
    return this.store.topicById(id);
  }
  topics(): readonly TopicMetadata[] {
    return this.store.topics();
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.store.partitionState(topic, partition);
  }

  /** Partition leadership as Metadata reports it; undefined for an unknown topic/partition. */
  partitionInfo(topic: TopicMetadata, partition: number): PartitionInfo | undefined {
    const replicas = topic.assignment.get(partition);
    if (!replicas) return undefined;
    const st = this.store.partitionState(topic.name, partition);
    const alive = new Set(this.store.liveBrokers().map((b) => b.brokerId));
    return {
      partition,
      leader: st && alive.has(st.leader) ? st.leader : -1,
      leaderEpoch: st?.leaderEpoch ?? -1,
      replicas,
      isr: st?.isr ?? [],
      offline: replicas.filter((r) => !alive.has(r)),
    };
  }
}
