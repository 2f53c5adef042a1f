/**
 * StopReplica: v3-4 (inter-broker: from the controller)
 *
 * Behavior:
 * * Stops the named replicas (their fetchers stop; they serve nothing) and, with
 *   deletePartition, deletes their logs (topic deletion, replicas moved away by a
 *   reassignment). ReplicaLeadership applies it.
 * * Top-level STALE_CONTROLLER_EPOCH / STALE_BROKER_EPOCH as LeaderAndIsr; per partition
 *   FENCED_LEADER_EPOCH when the request's leader epoch is older than the replica's.
 * * Only v3+ (per-partition leader epochs) is served: Gregor's controller sends v4.
 *
 * Version notes:
 * * v3: per-partition leaderEpoch and deletePartition   * v4: isKRaftController
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { readStopReplicaRequest, type StopReplicaRequest } from '../../protocol/generated/stop-replica-request';
import {
  defaultStopReplicaResponse,
  sizeStopReplicaResponse,
  writeStopReplicaResponse,
  type StopReplicaResponse,
} from '../../protocol/generated/stop-replica-response';
import { ErrorCode } from '../../protocol/errors';
import type { StopReplicaPartition } from '../replica/leadership';
import { partitionKey } from '../replica/replica-manager';
import { defineHandler } from './define-handler';

export const stopReplicaHandler = defineHandler<StopReplicaRequest, StopReplicaResponse>({
  apiKey: ApiKey.StopReplica,
  minVersion: 3,
  maxVersion: 4,
  read: readStopReplicaRequest,
  write: writeStopReplicaResponse,
  size: sizeStopReplicaResponse,
  async handle(ctx, req) {
    const parts: StopReplicaPartition[] = [];
    for (const t of req.topicStates) {
      for (const p of t.partitionStates) parts.push({ topic: t.topicName, partition: p.partitionIndex, leaderEpoch: p.leaderEpoch, deletePartition: p.deletePartition });
    }
    const r = await ctx.services.leadership.stopReplicas({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, brokerEpoch: req.brokerEpoch }, parts);
    return {
      ...defaultStopReplicaResponse(),
      errorCode: r.errorCode,
      partitionErrors: r.errorCode !== ErrorCode.NONE ? [] : parts.map((p) => ({ topicName: p.topic, partitionIndex: p.partition, errorCode: r.errors.get(partitionKey(p.topic, p.partition)) ?? ErrorCode.NONE })),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultStopReplicaResponse(),
      errorCode: code,
      partitionErrors: req.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: code }))),
    };
  },
});
