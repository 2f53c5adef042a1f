/**
 * ListOffsets: v0-9
 *
 * Behavior:
 * * timestamp -2 (earliest): the log start offset; -1 (latest): the HW (read_uncommitted) or
 *   LSO (read_committed); -3 (max timestamp, v7+): offset of the record with the largest
 *   timestamp; -4 (earliest local, v8+): the log start offset; otherwise the first offset whose
 *   record timestamp is >= the given time, or offset -1 / timestamp -1 when there is none.
 * * A follower or debug client (replicaId >= 0 or -2) gets the log end offset for latest.
 * * Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 *   FENCED/UNKNOWN_LEADER_EPOCH (v4+).
 *
 * Version notes:
 * * v0: oldStyleOffsets (maxNumOffsets)   * v1: timestamp/offset   * v2: isolationLevel
 * * v4: leader epochs   * v6: flexible   * v7: max timestamp   * v8: earliest local   * v9: latest tiered
 */
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { readListOffsetsRequest, type ListOffsetsPartition, type ListOffsetsRequest } from '../../protocol/generated/list-offsets-request';
import {
  defaultListOffsetsPartitionResponse,
  defaultListOffsetsResponse,
  sizeListOffsetsResponse,
  writeListOffsetsResponse,
  type ListOffsetsPartitionResponse,
  type ListOffsetsResponse,
} from '../../protocol/generated/list-offsets-response';
import { defineHandler, type HandlerContext } from './define-handler';

const EARLIEST = -2n;
const LATEST = -1n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

/** isolation -1: a follower or debug client (replicaId >= 0 or -2), which sees the log end, as in Kafka. */
async function lookup(ctx: HandlerContext, topic: string, p: ListOffsetsPartition, isolation: number): Promise<ListOffsetsPartitionResponse> {
  const out = { ...defaultListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex };
  try {
    const partition = ctx.services.replicaManager.leaderPartition(topic, p.partitionIndex, ctx.apiVersion >= 4 ? p.currentLeaderEpoch : -1);
    const log = partition.log;
    let offset: bigint;
    let timestamp = -1n;
    let leaderEpoch = -1;
    if (p.timestamp === EARLIEST || p.timestamp === EARLIEST_LOCAL) {
      const r = await log.offsetForTimestamp(EARLIEST);
      offset = partition.logStartOffset;
      leaderEpoch = r?.leaderEpoch ?? -1;
    } else if (p.timestamp === LATEST || p.timestamp === LATEST_TIERED) {
      offset = isolation === -1 ? partition.logEndOffset : isolation === 1 ? partition.lastStableOffset : partition.highWatermark;
      leaderEpoch = log.latestEpoch() ?? -1;
    } else if (p.timestamp === MAX_TIMESTAMP) {
      const r = await log.maxTimestampAndOffset();
      offset = r?.offset ?? -1n;
      timestamp = r?.timestamp ?? -1n;
      leaderEpoch = r?.leaderEpoch ?? -1;
    } else if (p.timestamp < 0n) {
      return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
    } else {
      const r = await log.offsetForTimestamp(p.timestamp);
      const visible = r !== null && r.offset < partition.highWatermark;
      offset = visible ? r.offset : -1n;
      timestamp = visible ? r.timestamp : -1n;
      leaderEpoch = visible ? r.leaderEpoch : -1;
    }
    if (ctx.apiVersion === 0) {
      return { ...out, oldStyleOffsets: offset >= 0n && p.maxNumOffsets > 0 ? [offset] : [] };
    }
    return { ...out, offset, timestamp, leaderEpoch: ctx.apiVersion >= 4 ? leaderEpoch : -1 };
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e, topic }, 'ListOffsets failed');
    return { ...out, errorCode: code };
  }
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 9,
  read: readListOffsetsRequest,
  write: writeListOffsetsResponse,
  size: sizeListOffsetsResponse,
  async handle(ctx, req) {
    const isolation = req.replicaId !== -1 ? -1 : ctx.apiVersion >= 2 ? req.isolationLevel : 0;
    const topics = await Promise.all(
      req.topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => lookup(ctx, t.name, p, isolation))) })),
    );
    return { ...defaultListOffsetsResponse(), topics };
  },
  errorResponse(req, code) {
    return {
      ...defaultListOffsetsResponse(),
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...defaultListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex, errorCode: code })) })),
    };
  },
});
