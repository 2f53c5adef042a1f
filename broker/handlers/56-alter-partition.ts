/**
 * AlterPartition: v0-3 (inter-broker: a partition leader asks the controller to change the ISR, KIP-497)
 *
 * Behavior:
 * * Only the active controller answers; any other broker NOT_CONTROLLER (the sender retries
 *   against the controller its metadata names).
 * * Per partition the controller validates the leader epoch and the partition epoch (the state
 *   znode version) and answers the new state: FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER,
 *   INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA, UNKNOWN_TOPIC_OR_PARTITION
 *   (coordinator/controller), STALE_BROKER_EPOCH at the top for an old registration.
 *
 * Version notes:
 * * v1: leaderRecoveryState   * v2: topic ids   * v3: newIsrWithEpochs
 */
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readAlterPartitionRequest, type AlterPartitionRequest } from '../../protocol/generated/alter-partition-request';
import {
  defaultAlterPartitionResponse,
  sizeAlterPartitionResponse,
  writeAlterPartitionResponse,
  type AlterPartitionResponse,
} from '../../protocol/generated/alter-partition-response';
import { defineHandler } from './define-handler';

export const alterPartitionHandler = defineHandler<AlterPartitionRequest, AlterPartitionResponse>({
  apiKey: ApiKey.AlterPartition,
  minVersion: 0,
  maxVersion: 3,
  read: readAlterPartitionRequest,
  write: writeAlterPartitionResponse,
  size: sizeAlterPartitionResponse,
  async handle(ctx, req) {
    const controller = ctx.services.controller;
    if (!controller?.isActive) return { ...defaultAlterPartitionResponse(), errorCode: ErrorCode.NOT_CONTROLLER };
    return controller.alterPartition(req, ctx.apiVersion);
  },
  errorResponse(_req, code) {
    return { ...defaultAlterPartitionResponse(), errorCode: code };
  },
});
