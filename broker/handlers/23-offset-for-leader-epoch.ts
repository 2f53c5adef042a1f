/**
 * OffsetForLeaderEpoch: v0-4
 *
 * Behavior:
 * * For each partition: the largest epoch <= the requested one and the offset where it ended
 *   (the LEO for the current epoch), from the leader epoch cache; UNDEFINED (-1/-1) when the
 *   log has no epoch at or below it.
 * * Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH (v2+).
 *
 * Version notes:
 * * v1: leaderEpoch in the result   * v2: currentLeaderEpoch   * v3: replicaId   * v4: flexible
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readOffsetForLeaderEpochRequest, type OffsetForLeaderEpochRequest } from '../../protocol/generated/offset-for-leader-epoch-request';
import {
  defaultEpochEndOffset,
  defaultOffsetForLeaderEpochResponse,
  sizeOffsetForLeaderEpochResponse,
  writeOffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochResponse,
} from '../../protocol/generated/offset-for-leader-epoch-response';
import { defineHandler } from './define-handler';

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  read: readOffsetForLeaderEpochRequest,
  write: writeOffsetForLeaderEpochResponse,
  size: sizeOffsetForLeaderEpochResponse,
  handle(ctx, req) {
    const rm = ctx.services.replicaManager;
    return {
      ...defaultOffsetForLeaderEpochResponse(),
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const base = { ...defaultEpochEndOffset(), partition: p.partition };
          try {
            const part = rm.leaderPartition(t.topic, p.partition, ctx.apiVersion >= 2 ? p.currentLeaderEpoch : -1);
            const r = part.log.endOffsetForEpoch(p.leaderEpoch);
            if (!r) return { ...base, errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1n };
            return { ...base, errorCode: ErrorCode.NONE, leaderEpoch: ctx.apiVersion >= 1 ? r.epoch : -1, endOffset: r.endOffset };
          } catch (e) {
            return { ...base, errorCode: errorCodeOf(e) };
          }
        }),
      })),
    };
  },
  errorResponse(req, code) {
    return {
      ...defaultOffsetForLeaderEpochResponse(),
      topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ ...defaultEpochEndOffset(), partition: p.partition, errorCode: code })) })),
    };
  },
});
