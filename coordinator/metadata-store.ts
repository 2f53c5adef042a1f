/**
 * ClusterMetadataStore: the cluster's control-plane state, behind one interface so the embedded
 * single-node store (local-metadata-store.ts), the in-memory store of the unit tests
 * (memory-metadata-store.ts) and the ZooKeeper store (zk/zk-metadata-store.ts) are
 * interchangeable. It gives what ZooKeeper gives, in the znode layout of Kafka 3.9's ZooKeeper
 * mode (ARCHITECTURE §5):
 *
 *   cluster id       /cluster/id
 *   brokers          /brokers/ids/<id>          ephemeral: tied to this store's session
 *   broker ids       /brokers/seqid             sequence for broker.id generation
 *   controller       /controller                ephemeral: whoever created it is the controller
 *   controller epoch /controller_epoch          bumped at every election; fences stale writers
 *   topics           /brokers/topics/<t>        {topic_id, partitions, adding/removing_replicas}
 *   partition state  /brokers/topics/<t>/partitions/<p>/state
 *   topic configs    /config/topics/<t>;  broker configs /config/brokers/<id | <default>>
 *   config changes   /config/changes/config_change_<seq>
 *   deletions        /admin/delete_topics/<t>
 *
 * Reads of topics, brokers, configs and the controller are synchronous, from the store's
 * in-memory view, which a ZooKeeper store keeps current with watches; every change, local or
 * made by another broker, reaches the listeners as a MetadataEvent once the view shows it.
 * Partition states are read only by the controller, asynchronously (readPartitionStates):
 * brokers learn them from the controller's LeaderAndIsr and UpdateMetadata requests.
 *
 * Writes resolve once durable (and visible to this store's reads). Failures:
 * - KafkaError with the protocol's codes for what a client asked (TOPIC_ALREADY_EXISTS,
 *   UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS);
 * - ControllerMovedError when a controller write carries a stale fence (the controller epoch's
 *   version changed: another controller was elected since);
 * - BrokerIdInUseError when another live session registered the same broker id.
 */

export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerRegistrationInput {
  readonly brokerId: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

export interface BrokerRegistration extends BrokerRegistrationInput {
  /**
   * Kafka's broker epoch: the creation transaction id (czxid) of /brokers/ids/<id>, so it grows
   * with every registration; the controller puts it in its requests and brokers drop requests
   * meant for an earlier registration of themselves.
   */
  readonly brokerEpoch: bigint;
}

/** Leader, epochs and ISR of one partition: /brokers/topics/<t>/partitions/<p>/state. */
export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** Epoch of the controller that wrote this state. */
  readonly controllerEpoch: number;
  /** 0 = RECOVERED, 1 = RECOVERING (after an unclean election), as in Kafka. */
  readonly leaderRecoveryState: number;
  /**
   * The znode version: bumped by every write, starting at 0 when created. Kafka sends it to
   * brokers as the partition epoch; conditional writes name the version they replace.
   */
  readonly version: number;
}

export type PartitionStateFields = Omit<PartitionState, 'version'>;

export interface TopicMetadata {
  readonly name: string;
  /** Kafka's 22-char base64url UUID form. */
  readonly topicId: string;
  /** partition index -> replica broker ids (first = preferred leader). */
  readonly assignment: ReadonlyMap<number, readonly number[]>;
  /** Reassignment in progress: replicas being added / removed per partition (empty when none). */
  readonly addingReplicas: ReadonlyMap<number, readonly number[]>;
  readonly removingReplicas: ReadonlyMap<number, readonly number[]>;
  /** Explicit topic config overrides only (strings, as Kafka stores them). */
  readonly configs: Readonly<Record<string, string>>;
  readonly isInternal: boolean;
}

export interface NewTopic {
  readonly name: string;
  readonly topicId: string;
  readonly assignment: ReadonlyMap<number, readonly number[]>;
  readonly configs: Readonly<Record<string, string>>;
  readonly isInternal?: boolean;
}

/**
 * Proof of controllership carried by every controller write: the epoch and the version of the
 * /controller_epoch znode that the election wrote. A write is applied only while that version
 * is still current (ZooKeeper: a multi-op with a version check on /controller_epoch).
 */
export interface ControllerFence {
  readonly controllerEpoch: number;
  readonly epochVersion: number;
}

export interface PartitionStateUpdate {
  readonly topic: string;
  readonly partition: number;
  readonly state: PartitionStateFields;
  /** The version being replaced; -1 creates the state (it must not exist yet). */
  readonly expectedVersion: number;
}

export type PartitionStateWriteResult =
  | { readonly ok: true; readonly state: PartitionState }
  /** The state changed since `expectedVersion` (or exists, or is gone): re-read and retry. */
  | { readonly ok: false; readonly current: PartitionState | undefined };

export type SessionState = 'connected' | 'disconnected' | 'expired';

export type MetadataEvent =
  | { readonly type: 'topic-created'; readonly topic: TopicMetadata }
  | { readonly type: 'topic-deleted'; readonly topic: TopicMetadata }
  | { readonly type: 'partitions-added'; readonly topic: TopicMetadata; readonly partitions: readonly number[] }
  | { readonly type: 'assignment-changed'; readonly topic: TopicMetadata }
  | { readonly type: 'topic-config-changed'; readonly topic: TopicMetadata }
  | { readonly type: 'topic-deletion-requested'; readonly topics: readonly string[] }
  | { readonly type: 'broker-config-changed'; readonly brokerId: number | null }
  /** The live broker set changed (registered, unregistered, or its session expired). */
  | { readonly type: 'broker-changed'; readonly brokerId: number }
  /** /controller was created or deleted; controllerId is -1 while there is none. */
  | { readonly type: 'controller-changed'; readonly controllerId: number }
  /**
   * The store's own session: 'disconnected' (may come back with the same session),
   * 'expired' (ephemeral znodes gone: the broker must register again and the controller
   * resign), 'connected' (a session is usable again; after 'expired' it is a new one).
   */
  | { readonly type: 'session'; readonly state: SessionState };

export class ControllerMovedError extends Error {
  constructor(message = 'controller epoch changed: this broker is no longer the controller') {
    super(message);
    this.name = 'ControllerMovedError';
  }
}

export class BrokerIdInUseError extends Error {
  constructor(readonly brokerId: number) {
    super(`broker id ${brokerId} is registered by another live broker`);
    this.name = 'BrokerIdInUseError';
  }
}

/** Producer ids handed out per broker at a time (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** A range of producer ids reserved for one broker: [firstProducerId, firstProducerId + size). */
export interface ProducerIdBlock {
  readonly assignedBrokerId: number;
  readonly firstProducerId: bigint;
  readonly size: number;
}

export interface ClusterMetadataStore {
  /** Loads persisted state (or connects, creating the base znodes); must resolve before any other call. */
  start(): Promise<void>;
  /** Ends the session: this store's ephemeral registrations disappear. */
  close(): Promise<void>;

  /** The cluster id, created once and persisted. */
  clusterId(): string;

  // ---- brokers -------------------------------------------------------------------------
  /** Registers (ephemeral, this session). Throws BrokerIdInUseError when another session holds the id. */
  registerBroker(reg: BrokerRegistrationInput): Promise<BrokerRegistration>;
  unregisterBroker(brokerId: number): Promise<void>;
  liveBrokers(): readonly BrokerRegistration[];
  /** The next value of /brokers/seqid (1, 2, ...): broker.id generation adds reserved.broker.max.id. */
  nextBrokerSequence(): Promise<number>;
  /**
   * Reserves the next PRODUCER_ID_BLOCK_SIZE producer ids for `brokerId` (ZooKeeper:
   * /latest_producer_id_block, a conditional update). Blocks never overlap, across restarts too;
   * the first block starts at 0.
   */
  allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock>;

  // ---- controller ----------------------------------------------------------------------
  /** The broker id in /controller, or -1 when there is none. */
  controllerId(): number;
  /**
   * Tries to become the controller: creates /controller naming `brokerId`, then bumps
   * /controller_epoch. Resolves with the fence for this controllership, or null when another
   * broker is the controller.
   */
  tryElectController(brokerId: number): Promise<ControllerFence | null>;
  /** Deletes /controller if it still names `brokerId` (controlled shutdown, resignation). */
  resignController(brokerId: number): Promise<void>;

  // ---- topics --------------------------------------------------------------------------
  topics(): readonly TopicMetadata[];
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  /** Writes the assignment and the config overrides. Throws TOPIC_ALREADY_EXISTS. */
  createTopic(t: NewTopic): Promise<TopicMetadata>;
  /** Adds partitions (indexes must continue the existing ones). */
  addPartitions(name: string, added: ReadonlyMap<number, readonly number[]>): Promise<TopicMetadata>;
  /** Replaces the topic's explicit config overrides and notifies every broker (config change). */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata>;
  /** Queues the topic for deletion (/admin/delete_topics/<t>); the controller carries it out. */
  markTopicForDeletion(name: string): Promise<void>;
  topicsMarkedForDeletion(): readonly string[];
  /** Controller only: removes the topic, its partition states, configs and deletion mark. */
  deleteTopic(fence: ControllerFence, name: string): Promise<void>;
  /** Controller only: a reassignment's new assignment and its adding/removing sets. */
  setAssignment(
    fence: ControllerFence,
    name: string,
    assignment: ReadonlyMap<number, readonly number[]>,
    adding: ReadonlyMap<number, readonly number[]>,
    removing: ReadonlyMap<number, readonly number[]>,
  ): Promise<TopicMetadata>;

  // ---- configs -------------------------------------------------------------------------
  /** Dynamic broker configs: per broker id, or cluster-wide default when brokerId is null. */
  brokerConfigs(brokerId: number | null): Readonly<Record<string, string>>;
  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): Promise<void>;

  // ---- partition state (the controller's) ------------------------------------------------
  /** The stored state of each partition of `topic` that has one. */
  readPartitionStates(topic: string): Promise<ReadonlyMap<number, PartitionState>>;
  /**
   * Conditional writes, all fenced by `fence` (ControllerMovedError when it is stale, and then
   * nothing is written). Each update succeeds or reports a conflict on its own.
   */
  writePartitionStates(fence: ControllerFence, updates: readonly PartitionStateUpdate[]): Promise<PartitionStateWriteResult[]>;

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (e: MetadataEvent) => void): () => void;
}
