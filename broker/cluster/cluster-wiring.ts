/**
 * The cluster plane of one broker, built the same way for one node and for a ZooKeeper
 * cluster: the controller component with its channel to brokers, the replica fetchers, the
 * client to the active controller and the ISR change requests sent through it.
 */
import { Controller } from '../../coordinator/controller/controller';
import type { ClusterMetadataStore } from '../../coordinator/metadata-store';
import { ZkMetadataStore } from '../../coordinator/zk/zk-metadata-store';
import { ApiKey } from '../../protocol/generated/api-keys';
import type { ControlledShutdownResponse } from '../../protocol/generated/controlled-shutdown-response';
import { ErrorCode } from '../../protocol/errors';
import { InterBrokerClient } from '../../replication/inter-broker-client';
import { RemoteLeaderEndpoint } from '../../replication/remote-leader-endpoint';
import { ReplicaFetcherManager } from '../../replication/replica-fetcher-manager';
import type { Clock } from '../../storage/clock';
import type { BrokerConfig } from '../config/config';
import type { BrokerServices } from '../handlers/define-handler';
import { childLogger, type Logger } from '../logger';
import type { MetadataCache } from '../metadata/metadata-cache';
import type { Dispatcher } from '../network/dispatcher';
import type { ReplicaManager } from '../replica/replica-manager';
import { AlterPartitionManager } from './alter-partition-manager';
import { ControllerChannelManager, type RequestSender } from './controller-channel-manager';
import { ControllerClient } from './controller-client';

/** The ZooKeeper-backed store for a broker with zookeeper.connect. */
export function createMetadataStore(cfg: BrokerConfig, log: Logger): ClusterMetadataStore {
  return new ZkMetadataStore({
    connect: cfg.zookeeperConnect!,
    sessionTimeoutMs: cfg.zookeeperSessionTimeoutMs,
    connectionTimeoutMs: cfg.zookeeperConnectionTimeoutMs,
    logger: log,
  });
}

const CONTROLLED_SHUTDOWN_VERSION = 3;
const CHANNEL_RETRY_BACKOFF_MS = 200;

export class ClusterWiring {
  readonly fetchers: ReplicaFetcherManager;
  readonly controller: Controller;
  private readonly channel: ControllerChannelManager;
  private controllerClient: ControllerClient | undefined;
  private alterPartitions: AlterPartitionManager | undefined;
  /** Set by connect(): this broker's own handlers, in process. */
  private local: RequestSender = () => Promise.reject(new Error('broker not wired yet'));

  constructor(
    private readonly cfg: BrokerConfig,
    private readonly brokerId: number,
    store: ClusterMetadataStore,
    private readonly cache: MetadataCache,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.fetchers = new ReplicaFetcherManager({
      brokerId,
      numFetchers: cfg.numReplicaFetchers,
      endpointFor: (leader, fetcherId) =>
        new RemoteLeaderEndpoint({
          client: new InterBrokerClient({ host: leader.host, port: leader.port, clientId: `broker-${brokerId}-fetcher-${fetcherId}`, requestTimeoutMs: cfg.replicaSocketTimeoutMs, clock }),
          replicaId: brokerId,
          socketTimeoutMs: cfg.replicaSocketTimeoutMs,
        }),
      config: {
        fetchMaxBytes: cfg.replicaFetchMaxBytes,
        fetchResponseMaxBytes: cfg.replicaFetchResponseMaxBytes,
        fetchWaitMaxMs: cfg.replicaFetchWaitMaxMs,
        fetchMinBytes: cfg.replicaFetchMinBytes,
        fetchBackoffMs: cfg.replicaFetchBackoffMs,
      },
      clock,
      logger: childLogger(log, 'replica-fetcher'),
    });
    this.channel = new ControllerChannelManager({
      localBrokerId: brokerId,
      local: (k, v, b) => this.local(k, v, b),
      interBrokerListenerName: cfg.interBrokerListenerName,
      requestTimeoutMs: cfg.controllerSocketTimeoutMs,
      retryBackoffMs: CHANNEL_RETRY_BACKOFF_MS,
      clock,
      log: childLogger(log, 'controller-channel'),
    });
    this.controller = new Controller({
      brokerId,
      store,
      channel: this.channel,
      clock,
      logger: childLogger(log, 'controller'),
      config: {
        uncleanLeaderElectionEnable: (topic: string) => {
          const v = store.topic(topic)?.configs['unclean.leader.election.enable'];
          return v !== undefined ? v === 'true' : cfg.uncleanLeaderElectionEnable;
        },
        autoLeaderRebalanceEnable: cfg.autoLeaderRebalanceEnable,
        leaderImbalanceCheckIntervalMs: cfg.leaderImbalanceCheckIntervalMs,
        leaderImbalancePerBrokerPercentage: cfg.leaderImbalancePerBrokerPercentage,
        deleteTopicEnable: cfg.deleteTopicEnable,
      },
    });
  }

  /** Connects the in-process paths once the dispatcher exists, and the ISR change requests. */
  connect(dispatcher: Dispatcher, replicas: ReplicaManager, brokerEpoch: () => bigint): void {
    const log = childLogger(this.log, 'in-process');
    this.local = (apiKey, version, body) =>
      dispatcher.handleLocal(apiKey, version, body, { correlationId: 0, clientId: `broker-${this.brokerId}`, connectionId: -1, peer: 'in-process', listener: this.cfg.interBrokerListenerName, log });
    this.controllerClient = new ControllerClient({
      brokerId: this.brokerId,
      cache: this.cache,
      interBrokerListenerName: this.cfg.interBrokerListenerName,
      local: this.local,
      requestTimeoutMs: this.cfg.controllerSocketTimeoutMs,
      clock: this.clock,
    });
    this.alterPartitions = new AlterPartitionManager(this.controllerClient, this.brokerId, brokerEpoch, this.clock, CHANNEL_RETRY_BACKOFF_MS, childLogger(this.log, 'alter-partition'));
    replicas.requestIsrChange = (p, isr) => this.alterPartitions?.submit(p, isr);
    replicas.isReplicaEligible = (id) => this.cache.isAlive(id);
    this.cache.onUpdate(() => this.alterPartitions?.controllerChanged(this.cache.controllerId));
  }

  get controllerClientOrThrow(): ControllerClient {
    if (!this.controllerClient) throw new Error('cluster wiring not connected');
    return this.controllerClient;
  }

  /**
   * Resolves once an UpdateMetadata naming this broker alive was applied and, when
   * `allLed` (one node: every partition can be led), every topic of the store has a leader
   * for each of its partitions; rejects after `ms`.
   */
  waitForMetadata(ms: number, store: ClusterMetadataStore, allLed: boolean): Promise<void> {
    const ready = (): boolean =>
      this.cache.isAlive(this.brokerId) &&
      (!allLed || store.topics().every((t) => store.topicsMarkedForDeletion().includes(t.name) || this.cache.hasLeaders(t.name, [...t.assignment.keys()])));
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no metadata from the controller within ${ms} ms (controller: ${this.cache.controllerId})`));
      }, ms);
      const off = this.cache.onUpdate(() => {
        if (!ready()) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  async shutdown(): Promise<void> {
    this.alterPartitions?.close();
    await this.fetchers.shutdown();
    await this.controller.shutdown();
    this.channel.close();
    this.controllerClient?.close();
  }
}

/**
 * Controlled shutdown (Kafka's KafkaServer.controlledShutdown): asks the controller to move
 * leadership away, up to controlled.shutdown.max.retries times, until no partition is left
 * that this broker still leads. Skipped when no other broker is alive to take over.
 */
export async function gracefulControlledShutdown(cluster: ClusterWiring, services: BrokerServices, cfg: BrokerConfig, log: Logger): Promise<void> {
  const others = services.metadataCache.brokers(cfg.interBrokerListenerName).filter((b) => b.nodeId !== services.brokerId);
  if (others.length === 0) return;
  for (let attempt = 1; attempt <= cfg.controlledShutdownMaxRetries; attempt++) {
    try {
      const resp = await cluster.controllerClientOrThrow.send<ControlledShutdownResponse>(ApiKey.ControlledShutdown, CONTROLLED_SHUTDOWN_VERSION, { brokerId: services.brokerId, brokerEpoch: services.leadership.brokerEpoch });
      if (resp.errorCode === ErrorCode.NONE && resp.remainingPartitions.length === 0) {
        log.info('controlled shutdown succeeded: no partition is led here any more');
        return;
      }
      log.warn({ error: ErrorCode[resp.errorCode], remaining: resp.remainingPartitions.length, attempt }, 'controlled shutdown incomplete');
    } catch (e) {
      log.warn({ err: (e as Error).message, attempt }, 'controlled shutdown request failed');
    }
    if (attempt < cfg.controlledShutdownMaxRetries) await new Promise((r) => setTimeout(r, cfg.controlledShutdownRetryBackoffMs));
  }
  log.warn('controlled shutdown did not complete; stopping anyway');
}
