/**
 * Broker: wires config, metadata store, storage, replica manager, controller, replica fetchers,
 * admin services, the handler registry and the socket server, and owns their start/stop order.
 * One code path: with zookeeper.connect the metadata store is ZooKeeper (a cluster member);
 * without it the embedded store (one node). Either way this broker runs a controller component,
 * which acts while it is elected, and applies what the active controller sends it.
 *
 * Start: metadata store -> broker id -> logs -> replica manager, fetchers, leadership ->
 *        listeners -> registration -> group coordinator -> transaction coordinator (both
 *        listening to leadership) -> controller (elects itself when no controller exists; the
 *        active one sends this broker UpdateMetadata and LeaderAndIsr) -> wait for this
 *        broker's first UpdateMetadata -> background tasks -> group coordinator startup ->
 *        transaction coordinator startup (both resolve once their partitions led here loaded).
 * Stop (graceful): controlled shutdown (leadership moves to other replicas) -> stop accepting
 *        and reading, answer in-flight requests, complete delayed operations -> fetchers,
 *        controller -> transaction coordinator -> group coordinator -> flush + checkpoint + clean-shutdown marker ->
 *        unregister, close the store.
 */
import os from 'os';
import type { Clock } from '../storage/clock';
import { systemClock } from '../storage/clock';
import { LogManager } from '../storage/log-manager';
import { LocalMetadataStore } from '../coordinator/local-metadata-store';
import type { ClusterMetadataStore } from '../coordinator/metadata-store';
import type { BrokerConfig, LoadedConfig } from './config/config';
import { ConfigAdmin } from './config/config-admin';
import { DynamicBrokerConfig } from './config/dynamic-broker-config';
import { ensureDir, metadataFileIn } from './config/config-file';
import { createGroupCoordinator } from './groups/group-wiring';
import { TxnWiring } from './txn/txn-wiring';
import { Dispatcher } from './network/dispatcher';
import { FetchSessionCache } from './replica/fetch-session';
import { apiVersionsOf, HANDLERS } from './handlers';
import type { BrokerServices, GroupCoordinatorSlot, Handler } from './handlers/define-handler';
import { childLogger, loggerLevelsOf, type Logger } from './logger';
import { MetadataCache } from './metadata/metadata-cache';
import { ReplicaManager } from './replica/replica-manager';
import { ReplicaLeadership } from './replica/leadership';
import { SocketServer, type BoundListener } from './network/server';
import { OFFSETS_TOPIC, TopicAdmin } from './metadata/topic-admin';
import { BrokerMembership, resolveBrokerId } from './cluster/broker-registration';
import { ClusterWiring, createMetadataStore, gracefulControlledShutdown } from './cluster/cluster-wiring';

export interface BrokerOptions {
  loaded: LoadedConfig;
  logger: Logger;
  clock?: Clock;
  /** Extra handlers (e.g. the group coordinator's) appended to the registry. */
  extraHandlers?: readonly Handler[];
  /** Builds the group coordinator once the services exist (default: broker/groups/group-wiring.ts). */
  groupCoordinatorFactory?: (services: BrokerServices) => GroupCoordinatorSlot | Promise<GroupCoordinatorSlot>;
}

/** How long start() waits for the controller's first UpdateMetadata naming this broker (ms). */
const FIRST_METADATA_WAIT_MS = 60_000;

export class Broker {
  readonly config: BrokerConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private store: ClusterMetadataStore | undefined;
  private logManager: LogManager | undefined;
  private server: SocketServer | undefined;
  private cluster: ClusterWiring | undefined;
  private membership: BrokerMembership | undefined;
  private isrTimer: ReturnType<typeof setInterval> | undefined;
  private txn: TxnWiring | undefined;
  services: BrokerServices | undefined;
  bound: BoundListener[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: BrokerOptions) {
    this.config = opts.loaded.config;
    this.log = opts.logger;
    this.clock = opts.clock ?? systemClock;
  }

  get clusterMode(): boolean {
    return this.config.zookeeperConnect !== null;
  }

  async start(): Promise<void> {
    const cfg = this.config;
    for (const k of this.opts.loaded.unknownKeys) this.log.warn({ key: k }, `unknown config key '${k}' ignored`);
    for (const k of this.opts.loaded.ignoredKeys) this.log.info({ key: k }, `config key '${k}' is accepted but not needed by Gregor`);

    const primaryDir = cfg.logDirs[0]!;
    await ensureDir(primaryDir);
    const store = cfg.zookeeperConnect !== null ? createMetadataStore(cfg, childLogger(this.log, 'zookeeper')) : new LocalMetadataStore(metadataFileIn(primaryDir));
    this.store = store;
    await store.start();
    const brokerId = await resolveBrokerId(cfg, store);
    const dynamicConfig = new DynamicBrokerConfig(cfg, store, brokerId, childLogger(this.log, 'dynamic-config'));
    const current = (): BrokerConfig => dynamicConfig.current();
    const configAdmin = new ConfigAdmin(dynamicConfig, store, brokerId);
    configAdmin.loggers = loggerLevelsOf(this.log);
    const logConfigOf = (topic: string): ReturnType<ConfigAdmin['logConfigFor']> => configAdmin.logConfigFor(store.topic(topic)?.configs ?? {});
    this.logManager = await LogManager.open({
      logDirs: [...cfg.logDirs],
      defaultConfig: configAdmin.logConfigFor({}),
      clock: this.clock,
      logger: childLogger(this.log, 'log-manager'),
      brokerId,
      clusterId: store.clusterId(),
      configFor: logConfigOf,
      retentionCheckIntervalMs: cfg.logRetentionCheckIntervalMs,
      cleanerEnabled: cfg.logCleanerEnable,
      producerIdExpirationMs: () => dynamicConfig.current().producerIdExpirationMs,
      producerIdExpirationCheckIntervalMs: cfg.producerIdExpirationCheckIntervalMs,
      cleanerBackoffMs: () => dynamicConfig.current().logCleanerBackoffMs,
      checkpointIntervalMs: Math.max(1, cfg.logFlushOffsetCheckpointIntervalMs),
      highWatermarkCheckpointIntervalMs: Math.max(1, cfg.replicaHighWatermarkCheckpointIntervalMs),
    });
    const replicaManager = new ReplicaManager(this.logManager, brokerId, this.clock, childLogger(this.log, 'replica-manager'));
    configAdmin.onTopicConfigChange = (topic, lc) => replicaManager.updateLogConfig(topic, lc);
    const metadataCache = new MetadataCache(store, brokerId);
    replicaManager.inClusterMetadata = (topic, partition) => metadataCache.partitionInfo(topic, partition) !== undefined;
    const cluster = new ClusterWiring(cfg, brokerId, store, metadataCache, this.clock, this.log);
    this.cluster = cluster;
    const leadership = new ReplicaLeadership(replicaManager, cluster.fetchers, logConfigOf, this.clock, childLogger(this.log, 'leadership'));
    const handlers = [...HANDLERS, ...(this.opts.extraHandlers ?? [])];
    const services: BrokerServices = {
      brokerId,
      config: cfg,
      dynamicConfig,
      clock: this.clock,
      logger: this.log,
      metadata: store,
      metadataCache,
      replicaManager,
      leadership,
      controller: cluster.controller,
      topicAdmin: new TopicAdmin(current, store, metadataCache, childLogger(this.log, 'topic-admin'), !this.clusterMode),
      configAdmin,
      fetchSessions: new FetchSessionCache(cfg.maxIncrementalFetchSessionCacheSlots, this.clock),
      apiVersions: apiVersionsOf(handlers),
      groupCoordinator: undefined,
      txnCoordinator: undefined,
    };
    this.services = services;
    const dispatcher = new Dispatcher(handlers, services, this.clock);
    cluster.connect(dispatcher, replicaManager, () => leadership.brokerEpoch);

    this.server = new SocketServer(cfg, current, dispatcher, this.log);
    this.bound = await this.server.start();
    // The inter-broker listener first: the controller names leaders to followers by the first endpoint.
    const interBrokerFirst = [...cfg.advertisedListeners].sort((a, b) => Number(b.name === cfg.interBrokerListenerName) - Number(a.name === cfg.interBrokerListenerName));
    const advertised = interBrokerFirst.map((a) => {
      const b = this.bound.find((x) => x.listener.name === a.name);
      const sameAsBound = cfg.advertisedListeners === cfg.listeners;
      return {
        listenerName: a.name,
        securityProtocol: a.securityProtocol,
        host: a.host !== '' ? a.host : os.hostname(),
        port: a.port === 0 || sameAsBound ? (b?.port ?? a.port) : a.port,
      };
    });
    this.membership = new BrokerMembership(store, brokerId, advertised, cfg.rack, (r) => (leadership.brokerEpoch = r.brokerEpoch), this.clock, childLogger(this.log, 'membership'));
    await this.membership.register();

    const factory = this.opts.groupCoordinatorFactory ?? createGroupCoordinator;
    const gc = await factory(services);
    services.groupCoordinator = gc;
    leadership.addListener({
      onBecomeLeader: (p) => {
        if (p.topic === OFFSETS_TOPIC) void gc.onElection?.(p.partition, p.leaderEpoch);
      },
      onResign: (topic, partition) => {
        if (topic === OFFSETS_TOPIC) void gc.onResignation?.(partition);
      },
    });
    const inProcessLog = childLogger(this.log, 'in-process');
    const txn = new TxnWiring(services, (apiKey, version, body) =>
      dispatcher.handleLocal(apiKey, version, body, { correlationId: 0, clientId: `broker-${brokerId}-txn-markers`, connectionId: -1, peer: 'in-process', listener: cfg.interBrokerListenerName, log: inProcessLog }),
    );
    this.txn = txn;
    services.txnCoordinator = txn.coordinator;
    txn.listenTo(leadership);
    await cluster.controller.startup();
    await cluster.waitForMetadata(FIRST_METADATA_WAIT_MS, store, !this.clusterMode);
    this.isrTimer = setInterval(() => replicaManager.shrinkIsrs(cfg.replicaLagTimeMaxMs), Math.max(100, cfg.replicaLagTimeMaxMs / 2));
    this.isrTimer.unref();
    this.logManager.startBackgroundTasks();
    await gc.startup?.();
    await txn.startup();
    const mode = this.clusterMode ? `cluster member (ZooKeeper ${cfg.zookeeperConnect})` : 'single-node (embedded metadata store)';
    this.log.info(
      { brokerId, listeners: advertised.map((e) => `${e.listenerName}://${e.host}:${e.port}`), logDirs: cfg.logDirs, mode, clusterId: store.clusterId() },
      `Gregor broker ${brokerId} started: listening on ${this.bound.map((b) => `${b.listener.name}://${b.host || '0.0.0.0'}:${b.port}`).join(', ')}, data in ${cfg.logDirs.join(', ')}, ${mode}`,
    );
  }

  /** Graceful stop; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.log.info('broker shutting down');
    if (this.isrTimer) clearInterval(this.isrTimer);
    if (this.cluster && this.services && this.clusterMode && this.config.controlledShutdownEnable) {
      await gracefulControlledShutdown(this.cluster, this.services, this.config, this.log);
    }
    // Delayed fetches/produces answer now with what they have, then connections drain.
    await this.server?.stop(5000, () => {
      this.services?.replicaManager.fetchPurgatory.shutdown();
      this.services?.replicaManager.producePurgatory.shutdown();
    });
    await this.cluster?.shutdown();
    this.txn?.shutdown();
    await this.services?.groupCoordinator?.shutdown?.();
    await this.services?.replicaManager.shutdown();
    await this.logManager?.shutdown();
    // The metadata store may be unreachable (ZooKeeper gone): the data is safe by now, so these
    // two get a bounded time; the ephemeral registration then ends with the session.
    const storeWaitMs = this.config.zookeeperConnectionTimeoutMs;
    await this.bounded(this.membership?.unregister(), storeWaitMs, 'unregistering from the metadata store');
    await this.bounded(this.store?.close(), storeWaitMs, 'closing the metadata store');
    this.log.info('broker stopped');
  }

  /** Awaits `p` for at most `ms`; past that logs a warning and goes on. */
  private async bounded(p: Promise<unknown> | undefined, ms: number, what: string): Promise<void> {
    if (!p) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
    const r = await Promise.race([p.then(() => 'done' as const, (e: unknown) => (this.log.warn({ err: e }, `${what} failed`), 'done' as const)), late]);
    clearTimeout(timer);
    if (r === 'late') this.log.warn(`${what} did not finish within ${ms} ms; stopping anyway`);
  }
}
