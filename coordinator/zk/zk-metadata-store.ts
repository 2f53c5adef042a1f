/**
 * ZkMetadataStore: the ClusterMetadataStore of cluster mode, in a ZooKeeper ensemble, in the
 * znode layout and payloads of Kafka 3.9's ZooKeeper mode (znodes.ts).
 *
 * Invariants:
 * - Everything that reads or changes the view (writes, watch refreshes, session replacement)
 *   runs one task at a time on `chain`, so a refresh never applies a read older than a write
 *   made before it. Events are emitted after the view shows them.
 * - No task can stay pending, so the chain always moves on: a task awaits only ZkSession calls
 *   and opens (each settles within its bound, see zk-session.ts), session closes (bounded) and
 *   backoff waits (cut short by close()). Hence close() resolves within connectionTimeoutMs.
 * - After an expiry the store replaces the session until it has one with a full re-read, or is
 *   closed; only then does it announce session/connected.
 * - Controller writes are one multi-op led by a version check of /controller_epoch: with a stale
 *   fence ZooKeeper applies none of it (ControllerMovedError). Batches of more than
 *   MAX_OPS_PER_MULTI partition states are split, each part atomic.
 * - The store creates ephemeral znodes only when asked (registerBroker, tryElectController):
 *   after a session expiry the broker registers again itself, on session/connected.
 */
import {
  type BrokerRegistration,
  type BrokerRegistrationInput,
  type ClusterMetadataStore,
  type ControllerFence,
  type NewTopic,
  type PartitionState,
  type PartitionStateUpdate,
  type PartitionStateWriteResult,
  type ProducerIdBlock,
  type SessionState,
  type TopicMetadata,
} from '../metadata-store';
import { ViewBackedStore } from '../view-backed-store';
import { assignmentWithAdded, brokerConfigKey, topicExists, unknownTopic, type PartitionMap } from '../metadata-view';
import {
  BrokerIdZNode,
  ControllerZNode,
  DeleteTopicsTopicZNode,
  INTERNAL_TOPICS,
  TopicZNode,
} from './znodes';
import { ZkCode, ZkSession, isZkError, type ZkSessionEvent, type ZkWatchEvent } from './zk-session';
import { ZkViewSync, refreshKeyOf, type RefreshKey } from './zk-view-sync';
import { deleteTopicZnodes, electController, fencedMulti, readPartitionStates, writePartitionStates } from './zk-controller-writes';
import { allocateProducerIdBlock, changeEntityConfig, createBrokerZnode, createTopicZnodes, nextBrokerSequence } from './zk-broker-writes';

type LogFn = (objOrMsg: unknown, msg?: string) => void;
export interface ZkStoreLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface ZkMetadataStoreOptions {
  /** zookeeper.connect: `host:port[,host:port...][/chroot]`. */
  readonly connect: string;
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly logger: ZkStoreLogger;
}

const RETRIES = 5;

export class ZkMetadataStore extends ViewBackedStore implements ClusterMetadataStore {
  /** The initial load in start() announces nothing; every later change of the view is announced. */
  private readonly sync = new ZkViewSync(this.view, () => this.zk(), (events) => {
    if (this.loaded) this.emit(events);
  });
  private loaded = false;
  private readonly pendingRefreshes = new Set<RefreshKey>();
  private chain: Promise<unknown> = Promise.resolve();
  private session: ZkSession | undefined;
  /** Bumped for every new session; callbacks of an older one are ignored. */
  private generation = 0;
  private state: SessionState = 'disconnected';
  private closed = false;
  /** Aborted by close(): cancels a session being opened and a backoff wait. */
  private readonly closing = new AbortController();

  constructor(private readonly opts: ZkMetadataStoreOptions) {
    super();
  }

  async start(): Promise<void> {
    await this.ensureChroot();
    this.session = await this.openSession();
    this.opts.logger.info({ connect: this.opts.connect, sessionId: this.session.sessionId().toString(16) }, `connected to ZooKeeper at ${this.opts.connect}`);
    try {
      await this.serial(async () => {
        await this.sync.loadAll();
        this.loaded = true; // within the task: a refresh queued behind it announces what it changes
      });
    } catch (e) {
      await this.close();
      throw e;
    }
    this.state = 'connected';
  }

  /** Ends the session; resolves within connectionTimeoutMs, even with ZooKeeper gone (see the invariants). */
  async close(): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + this.opts.connectionTimeoutMs;
    this.closed = true;
    this.generation++;
    this.closing.abort();
    const s = this.session;
    this.session = undefined;
    await s?.close(); // rejects the calls a task may be waiting for
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.chain.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.opts.logger.error({ connect: this.opts.connect }, 'a ZooKeeper store task did not end when the store closed');
  }

  /** The session's id and password (tests take the session over with them to expire it). */
  sessionCredentials(): { readonly sessionId: Buffer; readonly password: Buffer } {
    return this.zk().credentials();
  }


  // ---- brokers -----------------------------------------------------------------------------
  registerBroker(input: BrokerRegistrationInput): Promise<BrokerRegistration> {
    return this.serial(async () => {
      const reg: BrokerRegistration = { ...input, brokerEpoch: await createBrokerZnode(this.zk(), input) };
      this.emit(this.view.putBroker(reg));
      return this.view.broker(input.brokerId)!;
    });
  }

  unregisterBroker(brokerId: number): Promise<void> {
    return this.serial(async () => {
      const zk = this.zk();
      const path = BrokerIdZNode.path(brokerId);
      const existing = await zk.getData(path);
      if (existing?.stat.ephemeralOwner !== zk.sessionId()) return; // not ours (or gone)
      await zk.delete(path, existing.stat.version).catch(ignoreCodes(ZkCode.NO_NODE));
      this.emit(this.view.removeBroker(brokerId));
    });
  }


  /** Kafka's generateBrokerSequenceId: the version of /brokers/seqid after an unconditional set. */
  nextBrokerSequence(): Promise<number> {
    return nextBrokerSequence(this.zk());
  }

  allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock> {
    return allocateProducerIdBlock(this.zk(), brokerId);
  }

  // ---- controller ----------------------------------------------------------------------------

  /** Kafka's election (electController); the first controller of a cluster gets epoch 1, version 1. */
  tryElectController(brokerId: number): Promise<ControllerFence | null> {
    return this.serial(async () => {
      const fence = await electController(this.zk(), brokerId);
      if (fence) this.emit(this.view.setController(brokerId));
      else await this.sync.loadController();
      return fence;
    });
  }

  resignController(brokerId: number): Promise<void> {
    return this.serial(async () => {
      const zk = this.zk();
      const d = await zk.getData(ControllerZNode.path());
      if (!d || ControllerZNode.decode(d.data) !== brokerId) return;
      await zk.delete(ControllerZNode.path(), d.stat.version).catch(ignoreCodes(ZkCode.NO_NODE, ZkCode.BAD_VERSION));
      this.emit(this.view.setController(-1));
    });
  }

  // ---- topics ----------------------------------------------------------------------------------

  createTopic(t: NewTopic): Promise<TopicMetadata> {
    return this.serial(async () => {
      if (this.view.topic(t.name)) throw topicExists(t.name);
      await createTopicZnodes(this.zk(), t);
      // ZooKeeper keeps no internal flag: every store derives it from the name (Kafka's Topic.isInternal).
      const topic: TopicMetadata = { ...t, addingReplicas: new Map(), removingReplicas: new Map(), isInternal: INTERNAL_TOPICS.has(t.name) };
      this.emit(this.view.putTopic(topic));
      return this.view.topic(t.name)!;
    });
  }

  addPartitions(name: string, added: PartitionMap): Promise<TopicMetadata> {
    return this.serial(async () => {
      const zk = this.zk();
      const path = TopicZNode.path(name);
      for (let i = 0; i < RETRIES; i++) {
        const d = await zk.getData(path);
        const known = this.view.topic(name);
        if (!d || !known) throw unknownTopic(name);
        const data = TopicZNode.decode(name, d.data);
        const assignment = assignmentWithAdded({ ...known, assignment: data.assignment }, added);
        try {
          await zk.setData(path, TopicZNode.encode(name, { ...data, assignment }), d.stat.version);
        } catch (e) {
          if (isZkError(e, ZkCode.BAD_VERSION)) continue;
          if (isZkError(e, ZkCode.NO_NODE)) throw unknownTopic(name);
          throw e;
        }
        this.emit(this.view.putTopic({ ...known, assignment, addingReplicas: data.addingReplicas, removingReplicas: data.removingReplicas }));
        return this.view.topic(name)!;
      }
      throw new Error(`could not add partitions to ${name}: ${path} kept changing`);
    });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata> {
    return this.serial(async () => {
      const topic = this.view.topic(name);
      if (!topic) throw unknownTopic(name);
      await changeEntityConfig(this.zk(), 'topics', name, configs);
      this.emit(this.view.putTopic({ ...topic, configs }));
      return this.view.topic(name)!;
    });
  }

  /** Kafka's AdminZkClient.deleteTopic; marking a marked topic again is a no-op. */
  markTopicForDeletion(name: string): Promise<void> {
    return this.serial(async () => {
      const zk = this.zk();
      if (!(await zk.exists(TopicZNode.path(name)))) throw unknownTopic(name);
      await zk.create(DeleteTopicsTopicZNode.path(name), null, 'persistent').catch(ignoreCodes(ZkCode.NODE_EXISTS));
      this.emit(this.view.setMarks([...this.view.topicsMarkedForDeletion(), name]));
    });
  }

  /** The topic's subtree, its config and its mark, in one fenced multi (whatever of them exists). */
  deleteTopic(fence: ControllerFence, name: string): Promise<void> {
    return this.serial(async () => {
      await deleteTopicZnodes(this.zk(), fence, name);
      this.emit([...this.view.removeTopic(name), ...this.view.setMarks(this.view.topicsMarkedForDeletion().filter((t) => t !== name))]);
    });
  }

  setAssignment(fence: ControllerFence, name: string, assignment: PartitionMap, adding: PartitionMap, removing: PartitionMap): Promise<TopicMetadata> {
    return this.serial(async () => {
      const zk = this.zk();
      const path = TopicZNode.path(name);
      const d = await zk.getData(path);
      const known = this.view.topic(name);
      if (!d || !known) throw unknownTopic(name);
      const topicId = TopicZNode.decode(name, d.data).topicId ?? known.topicId;
      await fencedMulti(this.zk(), fence, [{ op: 'setData', path, data: TopicZNode.encode(name, { topicId, assignment, addingReplicas: adding, removingReplicas: removing }), version: -1 }]).catch((e) => {
        throw isZkError(e, ZkCode.NO_NODE) ? unknownTopic(name) : e;
      });
      this.emit(this.view.putTopic({ ...known, assignment, addingReplicas: adding, removingReplicas: removing }));
      return this.view.topic(name)!;
    });
  }

  // ---- configs -------------------------------------------------------------------------------

  setBrokerConfigs(brokerId: number | null, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.serial(async () => {
      await changeEntityConfig(this.zk(), 'brokers', brokerConfigKey(brokerId), configs);
      this.emit(this.view.setBrokerConfigs(brokerId, configs));
    });
  }

  // ---- partition states --------------------------------------------------------------------------
  readPartitionStates(topic: string): Promise<ReadonlyMap<number, PartitionState>> {
    return readPartitionStates(this.zk(), topic);
  }

  writePartitionStates(fence: ControllerFence, updates: readonly PartitionStateUpdate[]): Promise<PartitionStateWriteResult[]> {
    return writePartitionStates(this.zk(), fence, updates, (u) => this.view.topic(u.topic)?.assignment.has(u.partition) ?? false);
  }


  // ---- internals -------------------------------------------------------------------------------
  private zk(): ZkSession {
    if (!this.session) throw new Error(this.closed ? 'the ZooKeeper metadata store is closed' : `no ZooKeeper session with ${this.opts.connect}`);
    return this.session;
  }

  private async ensureChroot(): Promise<void> {
    const slash = this.opts.connect.indexOf('/');
    if (slash < 0 || slash === this.opts.connect.length - 1) return;
    const root = await ZkSession.open(this.opts.connect.slice(0, slash), { ...this.sessionOptions(), watcher: () => undefined, onSessionEvent: () => undefined }, this.closing.signal).catch((e: Error) => {
      throw new Error(e.message.replace(this.opts.connect.slice(0, slash), this.opts.connect));
    });
    try {
      await root.ensurePath(this.opts.connect.slice(slash));
    } finally {
      await root.close();
    }
  }

  private sessionOptions() {
    return { sessionTimeoutMs: this.opts.sessionTimeoutMs, connectionTimeoutMs: this.opts.connectionTimeoutMs };
  }

  private openSession(): Promise<ZkSession> {
    const gen = ++this.generation;
    return ZkSession.open(this.opts.connect, {
      ...this.sessionOptions(),
      watcher: (e) => gen === this.generation && this.onWatch(e),
      onSessionEvent: (e) => gen === this.generation && this.onSessionEvent(e),
      onClientState: (state) => this.opts.logger.debug({ state, generation: gen }, `ZooKeeper client state ${state}`),
    }, this.closing.signal);
  }

  private onWatch(e: ZkWatchEvent): void {
    const key = refreshKeyOf(e);
    if (!key || this.pendingRefreshes.has(key)) return;
    this.pendingRefreshes.add(key);
    void this.serial(async () => {
      this.pendingRefreshes.delete(key);
      await this.sync.load(key);
    }).catch((err) => this.logRefreshFailure(key, err));
  }

  private onSessionEvent(e: ZkSessionEvent): void {
    if (this.closed) return;
    if (e === 'disconnected' && this.state === 'connected') {
      this.state = 'disconnected';
      this.opts.logger.warn({ connect: this.opts.connect }, 'ZooKeeper connection lost; reconnecting');
      this.emit([{ type: 'session', state: 'disconnected' }]);
    } else if (e === 'connected' && this.state === 'disconnected') {
      // Same session: watches were re-set by the client; re-read anyway, then announce (unless it expired meanwhile).
      const session = this.session;
      void this.serial(async () => {
        await this.sync.loadAll();
        if (this.session !== session || this.state !== 'disconnected') return;
        this.state = 'connected';
        this.emit([{ type: 'session', state: 'connected' }]);
      }).catch((err) => this.logRefreshFailure('reconnect', err));
    } else if (e === 'expired' && this.state !== 'expired') {
      this.state = 'expired';
      this.opts.logger.warn({ connect: this.opts.connect }, 'ZooKeeper session expired: ephemeral znodes are gone; opening a new session');
      this.emit([{ type: 'session', state: 'expired' }]);
      void this.serial(() => this.replaceSession());
    }
  }

  /**
   * After an expiry: a new session and a full re-read on it (which re-arms every watch), then
   * session/connected. An attempt that fails (no session within connectionTimeoutMs, or the
   * re-read failed) closes its session and is retried after a backoff (100 ms doubling up to
   * 2 s), until one succeeds or the store is closed. Never throws.
   */
  private async replaceSession(): Promise<void> {
    const old = this.session;
    this.session = undefined;
    await old?.close();
    for (let attempt = 0; !this.closed; attempt++) {
      let s: ZkSession | undefined;
      try {
        s = await this.openSession();
        if (!this.closed) {
          this.session = s;
          await this.sync.loadAll();
          this.state = 'connected';
          this.opts.logger.info({ sessionId: s.sessionId().toString(16) }, 'new ZooKeeper session established');
          this.emit([{ type: 'session', state: 'connected' }]);
          return;
        }
      } catch (err) {
        if (!this.closed) this.opts.logger.warn({ err, attempt }, `no new ZooKeeper session yet at ${this.opts.connect}; retrying`);
      }
      if (this.session === s) this.session = undefined;
      await s?.close();
      await this.backoff(Math.min(100 * 2 ** attempt, 2000));
    }
  }

  /** Resolves after `ms`, or at once when the store closes. */
  private backoff(ms: number): Promise<void> {
    const signal = this.closing.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private logRefreshFailure(what: string, err: unknown): void {
    // Connection loss and expiry are followed by a full re-read; anything else is a real fault.
    if (this.closed || isZkError(err, ZkCode.CONNECTION_LOSS) || isZkError(err, ZkCode.SESSION_EXPIRED)) this.opts.logger.debug({ err }, `ZooKeeper refresh of ${what} interrupted`);
    else this.opts.logger.error({ err }, `ZooKeeper refresh of ${what} failed`);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

}

function ignoreCodes(...codes: number[]): (e: unknown) => void {
  return (e) => {
    if (!codes.some((c) => isZkError(e, c))) throw e;
  };
}
