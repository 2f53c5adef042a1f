/**
 * ClusterMetadataStore: the cluster's control-plane state, behind one interface so the embedded
 * single-node store (local-metadata-store.ts) and a ZooKeeper store (coordinator/zk/, later)
 * are interchangeable. The shapes mirror Kafka's ZooKeeper znodes (ARCHITECTURE §8):
 *   brokers        <-> /brokers/ids/<id>
 *   topics         <-> /brokers/topics/<t> {topic_id, partitions: {p: [replicas]}}
 *   partition state<-> /brokers/topics/<t>/partitions/<p>/state {leader, leader_epoch, isr, controller_epoch}
 *   topic configs  <-> /config/topics/<t>; broker configs <-> /config/brokers/<id | <default>>
 *   cluster id     <-> /cluster/id
 *
 * Reads are synchronous from the store's in-memory view (a ZooKeeper store keeps it current with
 * watches); writes are async and visible to reads once they resolve. Listeners hear every change.
 * Writes throw KafkaError with the protocol's codes (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION...).
 */

export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerRegistration {
  readonly brokerId: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
  /** Bumped on every write (ZooKeeper's znode version), for conditional updates later. */
  readonly version: number;
}

export interface TopicMetadata {
  readonly name: string;
  /** Kafka's 22-char base64url UUID form. */
  readonly topicId: string;
  /** partition index -> replica broker ids (first = preferred leader). */
  readonly assignment: ReadonlyMap<number, readonly number[]>;
  /** Explicit topic config overrides only (strings, as Kafka stores them). */
  readonly configs: Readonly<Record<string, string>>;
  readonly isInternal: boolean;
}

export type MetadataEvent =
  | { readonly type: 'topic-created'; readonly topic: TopicMetadata }
  | { readonly type: 'topic-deleted'; readonly topic: TopicMetadata }
  | { readonly type: 'partitions-added'; readonly topic: TopicMetadata; readonly partitions: readonly number[] }
  | { readonly type: 'topic-config-changed'; readonly topic: TopicMetadata }
  | { readonly type: 'broker-config-changed'; readonly brokerId: number | null }
  | { readonly type: 'partition-state-changed'; readonly topic: string; readonly partition: number; readonly state: PartitionState }
  | { readonly type: 'broker-changed'; readonly brokerId: number };

export interface NewTopic {
  readonly name: string;
  readonly topicId: string;
  readonly assignment: ReadonlyMap<number, readonly number[]>;
  readonly configs: Readonly<Record<string, string>>;
  readonly isInternal?: boolean;
}

export interface ClusterMetadataStore {
  /** Loads persisted state (or connects); must resolve before any other call. */
  start(): Promise<void>;
  close(): Promise<void>;

  /** The cluster id, created once and persisted. */
  clusterId(): string;
  /** The id of the controller broker, or -1 when none. */
  controllerId(): number;

  registerBroker(reg: BrokerRegistration): Promise<void>;
  unregisterBroker(brokerId: number): Promise<void>;
  liveBrokers(): readonly BrokerRegistration[];

  topics(): readonly TopicMetadata[];
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  /** Throws TOPIC_ALREADY_EXISTS. */
  createTopic(t: NewTopic): Promise<TopicMetadata>;
  /** Removes the topic, its partition states and configs. Throws UNKNOWN_TOPIC_OR_PARTITION. */
  deleteTopic(name: string): Promise<TopicMetadata>;
  /** Adds partitions (indexes must continue the existing ones). */
  addPartitions(name: string, added: ReadonlyMap<number, readonly number[]>): Promise<TopicMetadata>;
  /** Replaces the topic's explicit config overrides. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata>;

  /** Dynamic broker configs: per broker id, or cluster-wide default when brokerId is null. */
  brokerConfigs(brokerId: number | null): Readonly<Record<string, string>>;
  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): Promise<void>;

  partitionState(topic: string, partition: number): PartitionState | undefined;
  setPartitionState(topic: string, partition: number, state: Omit<PartitionState, 'version'>): Promise<PartitionState>;

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (e: MetadataEvent) => void): () => void;
}
