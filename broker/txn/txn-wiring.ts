/**
 * Builds the transaction coordinator for a broker: __transaction_state through the replica
 * manager (ReplicaTxnStateLog, acks=-1 with the topic's min.insync.replicas), markers through
 * BrokerTxnMarkerSender (in process to this broker, over the inter-broker listener to the
 * others), producer ids in blocks from the metadata store (ProducerIdManager), the broker's
 * transaction.* settings, the broker clock, and a pino child as its logger.
 *
 * Ownership follows leadership, as for __consumer_offsets: becoming leader of a
 * __transaction_state partition loads it with the partition's leader epoch as the coordinator
 * epoch; resigning unloads it. Elections reported before `startup()` are awaited by it, so a
 * restarted broker serves its transactional ids once loaded.
 */
import { TransactionCoordinator } from '../../coordinator/txn/transaction-coordinator';
import { ProducerIdManager } from '../../coordinator/txn/producer-id-manager';
import { GroupCoordinator } from '../../coordinator/group/group-coordinator';
import { InterBrokerClient } from '../../replication/inter-broker-client';
import type { BrokerServices } from '../handlers/define-handler';
import { childLogger } from '../logger';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../metadata/topic-admin';
import type { ReplicaLeadership } from '../replica/leadership';
import { BrokerTxnMarkerSender, type MarkerRequestSender } from './txn-marker-sender';
import { ReplicaTxnStateLog } from './txn-state-log-adapter';

export class TxnWiring {
  readonly coordinator: TransactionCoordinator;
  readonly markerSender: BrokerTxnMarkerSender;
  /** Loads started by elections before startup(). */
  private readonly initialLoads: Promise<void>[] = [];
  private started = false;

  constructor(services: BrokerServices, local: MarkerRequestSender) {
    const cfg = services.config;
    const log = childLogger(services.logger, 'txn-coordinator');
    this.markerSender = new BrokerTxnMarkerSender({
      brokerId: services.brokerId,
      cache: services.metadataCache,
      interBrokerListenerName: cfg.interBrokerListenerName,
      local,
      connect: (id, host, port) => new InterBrokerClient({ host, port, clientId: `broker-${services.brokerId}-txn-markers-to-${id}`, clock: services.clock }),
    });
    const gc = services.groupCoordinator;
    this.coordinator = new TransactionCoordinator({
      log: new ReplicaTxnStateLog(services.replicaManager, () => services.configAdmin.topicInt(TRANSACTION_STATE_TOPIC, 'min.insync.replicas')),
      markerSender: this.markerSender,
      producerIds: new ProducerIdManager(services.brokerId, services.metadata),
      clock: services.clock,
      config: {
        // an existing topic's partition count wins over the setting, as in Kafka
        transactionStateLogNumPartitions: services.metadata.topic(TRANSACTION_STATE_TOPIC)?.assignment.size ?? cfg.transactionStateLogNumPartitions,
        transactionStateLogLoadBufferSize: cfg.transactionStateLogLoadBufferSize,
        transactionMaxTimeoutMs: cfg.transactionMaxTimeoutMs,
        transactionalIdExpirationMs: cfg.transactionalIdExpirationMs,
        transactionAbortTimedOutTransactionCleanupIntervalMs: cfg.transactionAbortTimedOutTransactionCleanupIntervalMs,
        transactionRemoveExpiredTransactionalIdCleanupIntervalMs: cfg.transactionRemoveExpiredTransactionalIdCleanupIntervalMs,
        offsetsTopicNumPartitions: services.metadata.topic(OFFSETS_TOPIC)?.assignment.size ?? cfg.offsetsTopicNumPartitions,
      },
      groupPartitionFor: gc instanceof GroupCoordinator ? (g) => gc.partitionFor(g) : undefined,
      logger: {
        debug: (m) => log.debug(m),
        info: (m) => log.info(m),
        warn: (m) => log.warn(m),
        error: (m) => log.error(m),
      },
    });
  }

  /** Loads / unloads __transaction_state partitions as this broker gains or loses their leadership. */
  listenTo(leadership: ReplicaLeadership): void {
    leadership.addListener({
      onBecomeLeader: (p) => {
        if (p.topic !== TRANSACTION_STATE_TOPIC) return;
        const load = this.coordinator.onElection(p.partition, p.leaderEpoch);
        if (!this.started) this.initialLoads.push(load);
      },
      onResign: (topic, partition) => {
        if (topic === TRANSACTION_STATE_TOPIC) this.coordinator.onResignation(partition);
      },
    });
  }

  /** Starts the timeout and expiry schedules; resolves once the partitions led so far are loaded. */
  async startup(): Promise<void> {
    this.started = true;
    this.coordinator.startup();
    await Promise.all(this.initialLoads.splice(0));
  }

  shutdown(): void {
    this.coordinator.shutdown();
    this.markerSender.close();
  }
}
