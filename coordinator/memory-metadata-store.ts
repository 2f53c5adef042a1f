/**
 * ClusterMetadataStore kept in memory, with the semantics of the ZooKeeper store: one session
 * holds the broker registrations and /controller made through it (several broker ids may be
 * registered through one store), the controller epoch and its version start at 0 and both grow
 * by one per election, and broker epochs grow with every new registration. Used directly by
 * unit tests, and as the base of the embedded LocalMetadataStore, which persists a snapshot after
 * every write (`afterWrite`).
 *
 * All writes run one at a time on one promise chain: a change is applied to the state, then
 * persisted, then announced, so a snapshot always reflects a prefix of the writes.
 */
import { randomBytes } from 'crypto';
import {
  ControllerMovedError,
  PRODUCER_ID_BLOCK_SIZE,
  type ProducerIdBlock,
  type BrokerRegistration,
  type BrokerRegistrationInput,
  type ClusterMetadataStore,
  type ControllerFence,
  type MetadataEvent,
  type NewTopic,
  type PartitionState,
  type PartitionStateUpdate,
  type PartitionStateWriteResult,
  type TopicMetadata,
} from './metadata-store';
import { ViewBackedStore } from './view-backed-store';
import { assignmentWithAdded, freezeTopic, topicExists, unknownTopic, type PartitionMap } from './metadata-view';

/** A random UUID in Kafka's 22-char base64url form (never the zero or reserved ids). */
export function randomUuid(): string {
  for (;;) {
    const b = randomBytes(16);
    const s = b.toString('base64url');
    if (!b.subarray(0, 15).every((x) => x === 0)) return s;
  }
}

/** The persistent state, as the local store writes it (version 2). */
export interface MetadataSnapshot {
  version: 2;
  clusterId: string;
  topics: {
    name: string;
    topicId: string;
    assignment: Record<string, number[]>;
    addingReplicas: Record<string, number[]>;
    removingReplicas: Record<string, number[]>;
    configs: Record<string, string>;
    isInternal: boolean;
  }[];
  /** Keyed `<topic>/<partition>`. */
  partitionStates: Record<string, PartitionState>;
  brokerConfigs: Record<string, Record<string, string>>;
  topicsMarkedForDeletion: string[];
  /** /controller_epoch: the epoch and its znode version. */
  controllerEpoch: { epoch: number; version: number };
  /** The last broker epoch handed out (decimal string: a bigint). */
  lastBrokerEpoch: string;
  /** The last value of /brokers/seqid. */
  brokerSequence: number;
  /** The last producer id reserved (decimal string; absent in snapshots older than producer ids = -1). */
  lastProducerId?: string;
}

type Change<R> = () => { result: R; events: MetadataEvent[] };

export class MemoryMetadataStore extends ViewBackedStore implements ClusterMetadataStore {
  protected readonly states = new Map<string, PartitionState>();
  protected controllerEpoch = 0;
  protected epochVersion = 0;
  protected lastBrokerEpoch = 0n;
  protected brokerSequence = 0;
  protected lastProducerId = -1n;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(clusterId?: string) {
    super();
    this.view.clusterId = clusterId ?? randomUuid();
  }

  async start(): Promise<void> {}

  /** Ends the session: the registrations and /controller made through this store go, silently. */
  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    this.view.replaceBrokers([]);
    this.view.setController(-1);
  }

  /** Hook for persistence; runs inside the write chain after each write's in-memory change. */
  protected async afterWrite(): Promise<void> {}


  // ---- brokers ---------------------------------------------------------------------------
  registerBroker(input: BrokerRegistrationInput): Promise<BrokerRegistration> {
    return this.write(() => {
      // Registering again in the same session keeps the epoch (ZooKeeper: the znode is ours already).
      const brokerEpoch = this.view.broker(input.brokerId)?.brokerEpoch ?? ++this.lastBrokerEpoch;
      const reg: BrokerRegistration = { brokerId: input.brokerId, endpoints: input.endpoints, rack: input.rack, brokerEpoch };
      const events = this.view.putBroker(reg);
      return { result: this.view.broker(input.brokerId)!, events };
    });
  }

  unregisterBroker(brokerId: number): Promise<void> {
    return this.write(() => ({ result: undefined, events: this.view.removeBroker(brokerId) }), false);
  }


  nextBrokerSequence(): Promise<number> {
    return this.write(() => ({ result: ++this.brokerSequence, events: [] }));
  }

  allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock> {
    return this.write(() => {
      const firstProducerId = this.lastProducerId + 1n;
      this.lastProducerId += BigInt(PRODUCER_ID_BLOCK_SIZE);
      return { result: { assignedBrokerId: brokerId, firstProducerId, size: PRODUCER_ID_BLOCK_SIZE }, events: [] };
    });
  }

  /**
   * Test hook: what a ZooKeeper session expiry does. Every registration and /controller made
   * through this store disappear; then a new session is usable.
   */
  expireSession(): Promise<void> {
    return this.write(
      () => ({
        result: undefined,
        events: [{ type: 'session', state: 'expired' }, ...this.view.replaceBrokers([]), ...this.view.setController(-1), { type: 'session', state: 'connected' }],
      }),
      false,
    );
  }

  // ---- controller --------------------------------------------------------------------------

  tryElectController(brokerId: number): Promise<ControllerFence | null> {
    return this.write(() => {
      if (this.view.controllerId() !== -1) return { result: null, events: [] };
      this.controllerEpoch++;
      this.epochVersion++;
      return { result: { controllerEpoch: this.controllerEpoch, epochVersion: this.epochVersion }, events: this.view.setController(brokerId) };
    });
  }

  resignController(brokerId: number): Promise<void> {
    return this.write(() => ({ result: undefined, events: this.view.controllerId() === brokerId ? this.view.setController(-1) : [] }), false);
  }

  // ---- topics --------------------------------------------------------------------------------

  createTopic(t: NewTopic): Promise<TopicMetadata> {
    return this.write(() => {
      if (this.view.topic(t.name)) throw topicExists(t.name);
      const events = this.view.putTopic({ ...t, addingReplicas: new Map(), removingReplicas: new Map(), isInternal: t.isInternal ?? false });
      return { result: this.view.topic(t.name)!, events };
    });
  }

  addPartitions(name: string, added: PartitionMap): Promise<TopicMetadata> {
    return this.write(() => {
      const old = this.requireTopic(name);
      return this.replaceTopic({ ...old, assignment: assignmentWithAdded(old, added) });
    });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata> {
    return this.write(() => this.replaceTopic({ ...this.requireTopic(name), configs }));
  }

  markTopicForDeletion(name: string): Promise<void> {
    return this.write(() => {
      this.requireTopic(name);
      return { result: undefined, events: this.view.setMarks([...this.view.topicsMarkedForDeletion(), name]) };
    });
  }

  deleteTopic(fence: ControllerFence, name: string): Promise<void> {
    return this.write(() => {
      this.checkFence(fence);
      for (const key of [...this.states.keys()]) if (key.slice(0, key.lastIndexOf('/')) === name) this.states.delete(key);
      const events = [...this.view.removeTopic(name), ...this.view.setMarks(this.view.topicsMarkedForDeletion().filter((t) => t !== name))];
      return { result: undefined, events };
    });
  }

  setAssignment(fence: ControllerFence, name: string, assignment: PartitionMap, adding: PartitionMap, removing: PartitionMap): Promise<TopicMetadata> {
    return this.write(() => {
      this.checkFence(fence);
      return this.replaceTopic({ ...this.requireTopic(name), assignment, addingReplicas: adding, removingReplicas: removing });
    });
  }

  // ---- configs -------------------------------------------------------------------------------

  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.write(() => ({ result: undefined, events: this.view.setBrokerConfigs(brokerId, configs) }));
  }

  // ---- partition states ------------------------------------------------------------------
  async readPartitionStates(topic: string): Promise<ReadonlyMap<number, PartitionState>> {
    const out = new Map<number, PartitionState>();
    for (const [key, s] of this.states) {
      const slash = key.lastIndexOf('/');
      if (key.slice(0, slash) === topic) out.set(Number(key.slice(slash + 1)), s);
    }
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }

  writePartitionStates(fence: ControllerFence, updates: readonly PartitionStateUpdate[]): Promise<PartitionStateWriteResult[]> {
    return this.write(() => {
      this.checkFence(fence);
      const results = updates.map((u): PartitionStateWriteResult => {
        const key = stateKey(u.topic, u.partition);
        const current = this.states.get(key);
        if (!this.view.topic(u.topic)?.assignment.has(u.partition)) return { ok: false, current: undefined };
        if (u.expectedVersion === -1 ? current !== undefined : current?.version !== u.expectedVersion) return { ok: false, current };
        const state: PartitionState = Object.freeze({ ...u.state, isr: Object.freeze([...u.state.isr]), version: u.expectedVersion + 1 });
        this.states.set(key, state);
        return { ok: true, state };
      });
      return { result: results, events: [] };
    });
  }


  // ---- persistence ---------------------------------------------------------------------------
  /** The persistent part of the state (registrations and /controller are ephemeral). */
  protected snapshot(): MetadataSnapshot {
    const partitionMap = (m: PartitionMap) => Object.fromEntries([...m].map(([p, r]) => [String(p), [...r]]));
    return {
      version: 2,
      clusterId: this.view.clusterId,
      topics: this.view.topics().map((t) => ({
        name: t.name,
        topicId: t.topicId,
        assignment: partitionMap(t.assignment),
        addingReplicas: partitionMap(t.addingReplicas),
        removingReplicas: partitionMap(t.removingReplicas),
        configs: { ...t.configs },
        isInternal: t.isInternal,
      })),
      partitionStates: Object.fromEntries(this.states),
      brokerConfigs: Object.fromEntries(this.view.brokerConfigKeys().map((k) => [k, { ...this.view.brokerConfigs(k === '<default>' ? null : Number(k)) }])),
      topicsMarkedForDeletion: [...this.view.topicsMarkedForDeletion()],
      controllerEpoch: { epoch: this.controllerEpoch, version: this.epochVersion },
      lastBrokerEpoch: this.lastBrokerEpoch.toString(),
      brokerSequence: this.brokerSequence,
      lastProducerId: this.lastProducerId.toString(),
    };
  }

  /** Loads a snapshot into a store that has not started (no listener hears it). */
  protected restore(s: MetadataSnapshot): void {
    const partitionMap = (r: Record<string, number[]>) => new Map(Object.entries(r).map(([p, replicas]) => [Number(p), replicas]));
    this.view.clusterId = s.clusterId;
    for (const t of s.topics) {
      this.view.putTopic(
        freezeTopic({ ...t, assignment: partitionMap(t.assignment), addingReplicas: partitionMap(t.addingReplicas), removingReplicas: partitionMap(t.removingReplicas) }),
      );
    }
    for (const [k, v] of Object.entries(s.partitionStates)) this.states.set(k, Object.freeze({ ...v, isr: Object.freeze([...v.isr]) }));
    for (const [k, v] of Object.entries(s.brokerConfigs)) this.view.setBrokerConfigs(k === '<default>' ? null : Number(k), v);
    this.view.setMarks(s.topicsMarkedForDeletion);
    this.controllerEpoch = s.controllerEpoch.epoch;
    this.epochVersion = s.controllerEpoch.version;
    this.lastBrokerEpoch = BigInt(s.lastBrokerEpoch);
    this.brokerSequence = s.brokerSequence;
    this.lastProducerId = BigInt(s.lastProducerId ?? '-1');
  }

  // ---- internals -----------------------------------------------------------------------------
  private requireTopic(name: string): TopicMetadata {
    const t = this.view.topic(name);
    if (!t) throw unknownTopic(name);
    return t;
  }

  private replaceTopic(t: TopicMetadata): { result: TopicMetadata; events: MetadataEvent[] } {
    const events = this.view.putTopic(t);
    return { result: this.view.topic(t.name)!, events };
  }

  private checkFence(fence: ControllerFence): void {
    if (fence.epochVersion !== this.epochVersion) {
      throw new ControllerMovedError(`controller epoch znode version is ${this.epochVersion}, the write carries ${fence.epochVersion}`);
    }
  }

  /** Runs a change on the write chain: apply in memory, persist (when it changed persistent state), then notify. */
  private write<R>(change: Change<R>, persists = true): Promise<R> {
    const run = this.chain.then(async () => {
      const { result, events } = change();
      if (persists) await this.afterWrite();
      this.emit(events);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

}

function stateKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
