/**
 * Builds the group coordinator for a broker: __consumer_offsets through the replica manager
 * (ReplicaCoordinatorLog), the broker's group.* / offsets.* settings, partition ownership (a
 * partition is owned while this broker leads it: loaded on election, which broker.ts reports
 * from LeaderAndIsr; `leaderEpochOf` lets a request see a leadership not reported yet), and a
 * pino child as its logger. The broker awaits `startup()`, which resolves once the partitions
 * led at startup are loaded.
 */
import { GroupCoordinator } from '../../coordinator/group/group-coordinator';
import { ReplicaCoordinatorLog } from './coordinator-log-adapter';
import type { BrokerServices } from '../handlers/define-handler';
import { childLogger } from '../logger';
import { OFFSETS_TOPIC } from '../metadata/topic-admin';

export function createGroupCoordinator(services: BrokerServices): GroupCoordinator {
  const cfg = services.config;
  const log = childLogger(services.logger, 'group-coordinator');
  const rm = services.replicaManager;
  return new GroupCoordinator({
    log: new ReplicaCoordinatorLog(rm, cfg.offsetsCommitTimeoutMs, () => services.configAdmin.topicInt(OFFSETS_TOPIC, 'min.insync.replicas')),
    clock: services.clock,
    config: {
      offsetsTopicNumPartitions: services.metadata.topic(OFFSETS_TOPIC)?.assignment.size ?? cfg.offsetsTopicNumPartitions,
      groupMinSessionTimeoutMs: cfg.groupMinSessionTimeoutMs,
      groupMaxSessionTimeoutMs: cfg.groupMaxSessionTimeoutMs,
      groupInitialRebalanceDelayMs: cfg.groupInitialRebalanceDelayMs,
      groupMaxSize: cfg.groupMaxSize,
      offsetsRetentionMs: cfg.offsetsRetentionMinutes * 60_000,
      offsetsRetentionCheckIntervalMs: cfg.offsetsRetentionCheckIntervalMs,
      offsetMetadataMaxBytes: cfg.offsetMetadataMaxBytes,
      offsetsLoadBufferSize: cfg.offsetsLoadBufferSize,
      offsetsTopicCompressionCodec: cfg.offsetsTopicCompressionCodec,
    },
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
    leaderEpochOf: (p) => {
      const part = rm.getPartition(OFFSETS_TOPIC, p);
      return part && !part.isClosed && part.isLeader ? part.leaderEpoch : null;
    },
  });
}
