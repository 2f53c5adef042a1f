/**
 * AlterPartitionReassignments: v0 (KIP-455)
 *
 * Behavior:
 * * Sent by admin clients to the controller; any other broker answers NOT_CONTROLLER at the top.
 * * Per partition: replicas starts a reassignment to that replica list (new replicas are added,
 *   catch up and join the ISR, then the old ones are removed); null cancels a pending one
 *   (NO_REASSIGNMENT_IN_PROGRESS when there is none). Errors per partition from the
 *   controller: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT.
 *
 * Version notes:
 * * v0: flexible
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readAlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsRequest } from '../../protocol/generated/alter-partition-reassignments-request';
import {
  defaultAlterPartitionReassignmentsResponse,
  sizeAlterPartitionReassignmentsResponse,
  writeAlterPartitionReassignmentsResponse,
  type AlterPartitionReassignmentsResponse,
} from '../../protocol/generated/alter-partition-reassignments-response';
import { defineHandler } from './define-handler';

export const alterPartitionReassignmentsHandler = defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  read: readAlterPartitionReassignmentsRequest,
  write: writeAlterPartitionReassignmentsResponse,
  size: sizeAlterPartitionReassignmentsResponse,
  async handle(ctx, req) {
    const controller = ctx.services.controller;
    if (!controller?.isActive) throw new KafkaError(ErrorCode.NOT_CONTROLLER);
    const results = await controller.alterPartitionReassignments(req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas }))));
    const key = (t: string, p: number): string => `${t}\u0000${p}`;
    const byKey = new Map(results.map((r: { topic: string; partition: number; errorCode: ErrorCode; errorMessage: string | null }) => [key(r.topic, r.partition), r] as const));
    return {
      ...defaultAlterPartitionReassignmentsResponse(),
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = byKey.get(key(t.name, p.partitionIndex));
          return { partitionIndex: p.partitionIndex, errorCode: r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: r?.errorMessage ?? null };
        }),
      })),
    };
  },
  errorResponse(_req, code) {
    return { ...defaultAlterPartitionReassignmentsResponse(), errorCode: code, errorMessage: null, responses: [] };
  },
});
