/**
 * DeleteRecords: v0-2
 *
 * Behavior:
 * * Moves each partition's log start offset to `offset` (-1 = the high watermark), deleting
 *   whole segments below it; answers the new low watermark.
 * * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 *   OFFSET_OUT_OF_RANGE (offset above the HW or below -1).
 *
 * Version notes:
 * * v1: same as v0   * v2: flexible
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readDeleteRecordsRequest, type DeleteRecordsRequest } from '../../protocol/generated/delete-records-request';
import {
  defaultDeleteRecordsPartitionResult,
  defaultDeleteRecordsResponse,
  sizeDeleteRecordsResponse,
  writeDeleteRecordsResponse,
  type DeleteRecordsResponse,
} from '../../protocol/generated/delete-records-response';
import { defineHandler } from './define-handler';

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  read: readDeleteRecordsRequest,
  write: writeDeleteRecordsResponse,
  size: sizeDeleteRecordsResponse,
  async handle(ctx, req) {
    const rm = ctx.services.replicaManager;
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const base = { ...defaultDeleteRecordsPartitionResult(), partitionIndex: p.partitionIndex };
            try {
              if (p.offset < -1n) return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n };
              const low = await rm.leaderPartition(t.name, p.partitionIndex).deleteRecordsBefore(p.offset);
              return { ...base, errorCode: ErrorCode.NONE, lowWatermark: low };
            } catch (e) {
              const code = errorCodeOf(e);
              if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e, topic: t.name }, 'DeleteRecords failed');
              return { ...base, errorCode: code, lowWatermark: -1n };
            }
          }),
        ),
      })),
    );
    return { ...defaultDeleteRecordsResponse(), topics };
  },
  errorResponse(req, code) {
    return {
      ...defaultDeleteRecordsResponse(),
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...defaultDeleteRecordsPartitionResult(), partitionIndex: p.partitionIndex, errorCode: code, lowWatermark: -1n })) })),
    };
  },
});
