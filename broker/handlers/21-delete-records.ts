/**
 * DeleteRecords: v0-2 (Kafka's KafkaApis.handleDeleteRecordsRequest, ReplicaManager.deleteRecords)
 *
 * Behavior:
 * * Moves each partition's log start offset to `offset` (-1 = the high watermark), deleting
 *   whole segments below it; answers the new low watermark (-1 on error).
 * * A partition listed more than once is answered once, with the last offset asked for; a
 *   topic listed more than once is one topic in the answer.
 * * Errors per partition, in Kafka's order: UNKNOWN_TOPIC_OR_PARTITION (not in the cluster
 *   metadata); INVALID_TOPIC_EXCEPTION for internal topics; NOT_LEADER_OR_FOLLOWER (not hosted
 *   here or not the leader); POLICY_VIOLATION when cleanup.policy lacks `delete`;
 *   OFFSET_OUT_OF_RANGE for an offset below -1 or above the HW.
 *
 * Not done: Kafka waits (up to timeoutMs) until every live follower's log start reaches the
 * offset and answers the smallest; here the leader's log start is answered at once.
 *
 * Version notes:
 * * v1: same as v0   * v2: flexible
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDeleteRecordsRequest, type DeleteRecordsRequest } from '../../protocol/generated/delete-records-request';
import {
  defaultDeleteRecordsPartitionResult,
  defaultDeleteRecordsResponse,
  sizeDeleteRecordsResponse,
  writeDeleteRecordsResponse,
  type DeleteRecordsPartitionResult,
  type DeleteRecordsResponse,
} from '../../protocol/generated/delete-records-response';
import { defineHandler, type HandlerContext } from './define-handler';

function result(partitionIndex: number, errorCode: ErrorCode, lowWatermark = -1n): DeleteRecordsPartitionResult {
  return { ...defaultDeleteRecordsPartitionResult(), partitionIndex, errorCode, lowWatermark };
}

async function deleteOne(ctx: HandlerContext, topic: string, partition: number, offset: bigint): Promise<DeleteRecordsPartitionResult> {
  const { metadataCache, replicaManager, topicAdmin } = ctx.services;
  const inMetadata = metadataCache.partitionInfo(topic, partition) !== undefined;
  try {
    if (!inMetadata) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (topicAdmin.isInternal(topic)) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot delete records of internal topic ${topic}`);
    const low = await replicaManager.hostedPartition(topic, partition, inMetadata).deleteRecordsBefore(offset);
    return result(partition, ErrorCode.NONE, low);
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e, topic }, 'DeleteRecords failed');
    return result(partition, code);
  }
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  read: readDeleteRecordsRequest,
  write: writeDeleteRecordsResponse,
  size: sizeDeleteRecordsResponse,
  async handle(ctx, req) {
    // topic -> partition -> offset, in first-appearance order; a repeated partition keeps its last offset
    const asked = new Map<string, Map<number, bigint>>();
    for (const t of req.topics) {
      const parts = asked.get(t.name) ?? new Map<number, bigint>();
      asked.set(t.name, parts);
      for (const p of t.partitions) parts.set(p.partitionIndex, p.offset);
    }
    const topics = await Promise.all(
      [...asked].map(async ([name, parts]) => ({
        name,
        partitions: await Promise.all([...parts].map(([partition, offset]) => deleteOne(ctx, name, partition, offset))),
      })),
    );
    return { ...defaultDeleteRecordsResponse(), topics };
  },
  errorResponse(req, code) {
    return {
      ...defaultDeleteRecordsResponse(),
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => result(p.partitionIndex, code)) })),
    };
  },
});
