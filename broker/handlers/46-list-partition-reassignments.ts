/**
 * ListPartitionReassignments: v0 (KIP-455)
 *
 * Behavior:
 * * Sent by admin clients to the controller; any other broker answers NOT_CONTROLLER.
 * * The reassignments in progress (current replicas, adding, removing) for the named
 *   partitions, or for all when topics is null; partitions with none are left out.
 *
 * Version notes:
 * * v0: flexible
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readListPartitionReassignmentsRequest, type ListPartitionReassignmentsRequest } from '../../protocol/generated/list-partition-reassignments-request';
import {
  defaultListPartitionReassignmentsResponse,
  sizeListPartitionReassignmentsResponse,
  writeListPartitionReassignmentsResponse,
  type ListPartitionReassignmentsResponse,
  type OngoingTopicReassignment,
} from '../../protocol/generated/list-partition-reassignments-response';
import { defineHandler } from './define-handler';

export const listPartitionReassignmentsHandler = defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  read: readListPartitionReassignmentsRequest,
  write: writeListPartitionReassignmentsResponse,
  size: sizeListPartitionReassignmentsResponse,
  handle(ctx, req) {
    const controller = ctx.services.controller;
    if (!controller?.isActive) throw new KafkaError(ErrorCode.NOT_CONTROLLER);
    const ongoing = controller.listPartitionReassignments(req.topics ? req.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })) : null);
    const byTopic = new Map<string, OngoingTopicReassignment>();
    for (const r of ongoing) {
      let t = byTopic.get(r.topic);
      if (!t) byTopic.set(r.topic, (t = { name: r.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas });
    }
    return { ...defaultListPartitionReassignmentsResponse(), errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic.values()] };
  },
  errorResponse(_req, code) {
    return { ...defaultListPartitionReassignmentsResponse(), errorCode: code, errorMessage: null, topics: [] };
  },
});
