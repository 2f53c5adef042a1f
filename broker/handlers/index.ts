/**
 * HANDLERS: the registry, and the only list of implemented APIs. The dispatcher routes by it
 * and ApiVersions advertises exactly these keys with these version ranges (Kafka 3.9.2's
 * ranges, except where a handler documents a narrower one).
 */
import type { Handler } from './define-handler';
import { produceHandler } from './00-produce';
import { fetchHandler } from './01-fetch';
import { listOffsetsHandler } from './02-list-offsets';
import { metadataHandler } from './03-metadata';
import { leaderAndIsrHandler } from './04-leader-and-isr';
import { stopReplicaHandler } from './05-stop-replica';
import { updateMetadataHandler } from './06-update-metadata';
import { controlledShutdownHandler } from './07-controlled-shutdown';
import { offsetCommitHandler } from './08-offset-commit';
import { offsetFetchHandler } from './09-offset-fetch';
import { findCoordinatorHandler } from './10-find-coordinator';
import { joinGroupHandler } from './11-join-group';
import { heartbeatHandler } from './12-heartbeat';
import { leaveGroupHandler } from './13-leave-group';
import { syncGroupHandler } from './14-sync-group';
import { describeGroupsHandler } from './15-describe-groups';
import { listGroupsHandler } from './16-list-groups';
import { apiVersionsHandler } from './18-api-versions';
import { createTopicsHandler } from './19-create-topics';
import { deleteTopicsHandler } from './20-delete-topics';
import { deleteRecordsHandler } from './21-delete-records';
import { initProducerIdHandler } from './22-init-producer-id';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch';
import { addPartitionsToTxnHandler } from './24-add-partitions-to-txn';
import { addOffsetsToTxnHandler } from './25-add-offsets-to-txn';
import { endTxnHandler } from './26-end-txn';
import { writeTxnMarkersHandler } from './27-write-txn-markers';
import { txnOffsetCommitHandler } from './28-txn-offset-commit';
import { describeConfigsHandler } from './32-describe-configs';
import { alterConfigsHandler } from './33-alter-configs';
import { describeLogDirsHandler } from './35-describe-log-dirs';
import { deleteGroupsHandler } from './42-delete-groups';
import { offsetDeleteHandler } from './47-offset-delete';
import { createPartitionsHandler } from './37-create-partitions';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs';
import { describeClusterHandler } from './60-describe-cluster';
import { describeProducersHandler } from './61-describe-producers';
import { electLeadersHandler } from './43-elect-leaders';
import { alterPartitionReassignmentsHandler } from './45-alter-partition-reassignments';
import { listPartitionReassignmentsHandler } from './46-list-partition-reassignments';
import { alterPartitionHandler } from './56-alter-partition';
import { describeTransactionsHandler } from './65-describe-transactions';
import { listTransactionsHandler } from './66-list-transactions';

export const HANDLERS: readonly Handler[] = Object.freeze([
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  leaderAndIsrHandler,
  stopReplicaHandler,
  updateMetadataHandler,
  controlledShutdownHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
  txnOffsetCommitHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  deleteGroupsHandler,
  incrementalAlterConfigsHandler,
  offsetDeleteHandler,
  describeClusterHandler,
  describeProducersHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  alterPartitionHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
]);

/** [apiKey, min, max] sorted by key: what ApiVersions advertises. */
export function apiVersionsOf(handlers: readonly Handler[]): (readonly [number, number, number])[] {
  return [...handlers].sort((a, b) => a.apiKey - b.apiKey).map((h) => [h.apiKey, h.minVersion, h.maxVersion] as const);
}
