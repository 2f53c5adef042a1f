/**
 * Broker: wires config, metadata store, storage, replica manager, admin services, the handler
 * registry and the socket server, and owns their start/stop order.
 *
 * Start: metadata store -> logs (LogManager) -> local replicas -> listeners -> broker
 *        registration -> background tasks -> group coordinator startup.
 * Stop (graceful): stop accepting and reading, answer in-flight requests, complete delayed
 *        operations, stop the group coordinator, flush + checkpoint + clean-shutdown marker.
 */
import os from 'os';
import type { Clock } from '../storage/clock';
import { systemClock } from '../storage/clock';
import { LogManager } from '../storage/log-manager';
import { readMetaProperties } from '../storage/meta-properties';
import { LocalMetadataStore } from '../coordinator/local-metadata-store';
import type { ClusterMetadataStore } from '../coordinator/metadata-store';
import type { BrokerConfig, LoadedConfig } from './config/config';
import { ConfigAdmin } from './config/config-admin';
import { DynamicBrokerConfig } from './config/dynamic-broker-config';
import { ensureDir, metadataFileIn } from './config/config-file';
import { createGroupCoordinator } from './groups/group-wiring';
import { Dispatcher } from './network/dispatcher';
import { FetchSessionCache } from './replica/fetch-session';
import { apiVersionsOf, HANDLERS } from './handlers';
import type { BrokerServices, GroupCoordinatorSlot, Handler } from './handlers/define-handler';
import { childLogger, type Logger } from './logger';
import { MetadataCache } from './metadata/metadata-cache';
import { ReplicaManager } from './replica/replica-manager';
import { SocketServer, type BoundListener } from './network/server';
import { TopicAdmin } from './metadata/topic-admin';

export interface BrokerOptions {
  loaded: LoadedConfig;
  logger: Logger;
  clock?: Clock;
  /** Extra handlers (e.g. the group coordinator's) appended to the registry. */
  extraHandlers?: readonly Handler[];
  /** Builds the group coordinator once the services exist (default: broker/groups/group-wiring.ts). */
  groupCoordinatorFactory?: (services: BrokerServices) => GroupCoordinatorSlot | Promise<GroupCoordinatorSlot>;
}

export class Broker {
  readonly config: BrokerConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private store: ClusterMetadataStore | undefined;
  private logManager: LogManager | undefined;
  private server: SocketServer | undefined;
  services: BrokerServices | undefined;
  bound: BoundListener[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: BrokerOptions) {
    this.config = opts.loaded.config;
    this.log = opts.logger;
    this.clock = opts.clock ?? systemClock;
  }

  private async resolveBrokerId(): Promise<number> {
    if (this.config.brokerId >= 0) return this.config.brokerId;
    for (const dir of this.config.logDirs) {
      const meta = await readMetaProperties(dir).catch(() => null);
      const id = meta?.get('broker.id');
      if (id !== undefined && /^\d+$/.test(id)) return Number(id);
    }
    // Kafka's broker.id.generation.enable: ids above reserved.broker.max.id (default 1000).
    return Number(this.config.explicit.get('reserved.broker.max.id') ?? '1000') + 1;
  }

  async start(): Promise<void> {
    const cfg = this.config;
    for (const k of this.opts.loaded.unknownKeys) this.log.warn({ key: k }, `unknown config key '${k}' ignored`);
    for (const k of this.opts.loaded.ignoredKeys) this.log.info({ key: k }, `config key '${k}' is accepted but not needed by Gregor`);
    if (cfg.zookeeperConnect) this.log.info({ zookeeper: cfg.zookeeperConnect }, 'zookeeper.connect is set but cluster mode is not available yet: running single-node with the embedded metadata store');

    const brokerId = await this.resolveBrokerId();
    const primaryDir = cfg.logDirs[0]!;
    await ensureDir(primaryDir);
    const store = new LocalMetadataStore(metadataFileIn(primaryDir));
    await store.start();
    this.store = store;
    const dynamicConfig = new DynamicBrokerConfig(cfg, store, brokerId, childLogger(this.log, 'dynamic-config'));
    const current = (): BrokerConfig => dynamicConfig.current();
    const configAdmin = new ConfigAdmin(dynamicConfig, store, brokerId);
    this.logManager = await LogManager.open({
      logDirs: [...cfg.logDirs],
      defaultConfig: configAdmin.logConfigFor({}),
      clock: this.clock,
      logger: childLogger(this.log, 'log-manager'),
      brokerId,
      clusterId: store.clusterId(),
      configFor: (topic) => configAdmin.logConfigFor(store.topic(topic)?.configs ?? {}),
      retentionCheckIntervalMs: cfg.logRetentionCheckIntervalMs,
    });
    const replicaManager = new ReplicaManager(this.logManager, brokerId, this.clock, childLogger(this.log, 'replica-manager'));
    configAdmin.onTopicConfigChange = (topic, lc) => replicaManager.updateLogConfig(topic, lc);
    const topicAdmin = new TopicAdmin(current, store, replicaManager, configAdmin, brokerId, childLogger(this.log, 'topic-admin'));
    const handlers = [...HANDLERS, ...(this.opts.extraHandlers ?? [])];
    const services: BrokerServices = {
      brokerId,
      config: cfg,
      dynamicConfig,
      clock: this.clock,
      logger: this.log,
      metadata: store,
      metadataCache: new MetadataCache(store, brokerId),
      replicaManager,
      topicAdmin,
      configAdmin,
      fetchSessions: new FetchSessionCache(cfg.maxIncrementalFetchSessionCacheSlots, this.clock),
      apiVersions: apiVersionsOf(handlers),
      groupCoordinator: undefined,
    };
    this.services = services;
    await topicAdmin.loadAll();

    this.server = new SocketServer(cfg, current, new Dispatcher(handlers, services, this.clock), this.log);
    this.bound = await this.server.start();
    const advertised = cfg.advertisedListeners.map((a) => {
      const b = this.bound.find((x) => x.listener.name === a.name);
      const sameAsBound = cfg.advertisedListeners === cfg.listeners;
      return {
        listenerName: a.name,
        securityProtocol: a.securityProtocol,
        host: a.host !== '' ? a.host : os.hostname(),
        port: a.port === 0 || sameAsBound ? (b?.port ?? a.port) : a.port,
      };
    });
    await store.registerBroker({ brokerId, endpoints: advertised, rack: cfg.rack });
    this.logManager.startBackgroundTasks();
    const factory = this.opts.groupCoordinatorFactory ?? createGroupCoordinator;
    services.groupCoordinator = await factory(services);
    await services.groupCoordinator.startup?.();
    this.log.info(
      { brokerId, listeners: advertised.map((e) => `${e.listenerName}://${e.host}:${e.port}`), logDirs: cfg.logDirs, mode: 'single-node (embedded metadata store)', clusterId: store.clusterId() },
      `Gregor broker ${brokerId} started: listening on ${this.bound.map((b) => `${b.listener.name}://${b.host || '0.0.0.0'}:${b.port}`).join(', ')}, data in ${cfg.logDirs.join(', ')}, single-node mode`,
    );
  }

  /** Graceful stop; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.log.info('broker shutting down');
    // Delayed fetches/produces answer now with what they have, then connections drain.
    await this.server?.stop(5000, () => {
      this.services?.replicaManager.fetchPurgatory.shutdown();
      this.services?.replicaManager.producePurgatory.shutdown();
    });
    await this.services?.groupCoordinator?.shutdown?.();
    await this.services?.replicaManager.shutdown();
    await this.logManager?.shutdown();
    if (this.services) await this.store?.unregisterBroker(this.services.brokerId);
    await this.store?.close();
    this.log.info('broker stopped');
  }
}
