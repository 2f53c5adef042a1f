/**
 * LeaderAndIsr: v5-7 (inter-broker: from the controller)
 *
 * Behavior:
 * * The controller tells this broker which partitions it leads or follows; ReplicaLeadership
 *   (broker/replica/leadership.ts) applies it: creates the replicas, makes leaders and
 *   followers, starts and stops replica fetchers.
 * * Top-level STALE_CONTROLLER_EPOCH for an older controller, STALE_BROKER_EPOCH for a request
 *   meant for an earlier registration of this broker; per partition STALE_CONTROLLER_EPOCH for
 *   a state not newer than the replica's, UNKNOWN_TOPIC_OR_PARTITION when this broker is not
 *   a replica.
 * * Only the versions with topic ids (v5+) are served: Gregor's controller sends v7, and
 *   Gregor brokers do not join clusters of Kafka brokers.
 *
 * Version notes:
 * * v5: topic ids, type   * v6: leaderRecoveryState   * v7: isKRaftController
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readLeaderAndIsrRequest, type LeaderAndIsrRequest } from '../../protocol/generated/leader-and-isr-request';
import {
  defaultLeaderAndIsrResponse,
  sizeLeaderAndIsrResponse,
  writeLeaderAndIsrResponse,
  type LeaderAndIsrResponse,
} from '../../protocol/generated/leader-and-isr-response';
import type { LeaderAndIsrPartition } from '../replica/leadership';
import { partitionKey } from '../replica/replica-manager';
import { defineHandler } from './define-handler';

export const leaderAndIsrHandler = defineHandler<LeaderAndIsrRequest, LeaderAndIsrResponse>({
  apiKey: ApiKey.LeaderAndIsr,
  minVersion: 5,
  maxVersion: 7,
  read: readLeaderAndIsrRequest,
  write: writeLeaderAndIsrResponse,
  size: sizeLeaderAndIsrResponse,
  async handle(ctx, req) {
    const states: LeaderAndIsrPartition[] = [];
    for (const t of req.topicStates) {
      for (const p of t.partitionStates) {
        states.push({ topic: t.topicName, topicId: t.topicId, partition: p.partitionIndex, leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, isr: p.isr, replicas: p.replicas });
      }
    }
    const liveLeaders = req.liveLeaders.map((l) => ({ brokerId: l.brokerId, host: l.hostName, port: l.port }));
    const r = await ctx.services.leadership.becomeLeaderOrFollower({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, brokerEpoch: req.brokerEpoch }, states, liveLeaders);
    return {
      ...defaultLeaderAndIsrResponse(),
      errorCode: r.errorCode,
      topics: r.errorCode !== ErrorCode.NONE ? [] : req.topicStates.map((t) => ({
        topicId: t.topicId,
        partitionErrors: t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: r.errors.get(partitionKey(t.topicName, p.partitionIndex)) ?? ErrorCode.NONE })),
      })),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultLeaderAndIsrResponse(),
      errorCode: code,
      topics: req.topicStates.map((t) => ({ topicId: t.topicId, partitionErrors: t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: code })) })),
    };
  },
});
