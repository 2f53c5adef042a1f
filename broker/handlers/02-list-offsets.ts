/**
 * ListOffsets: v0-9 (Kafka's KafkaApis.handleListOffsetRequestV0 / V1AndAbove)
 *
 * Behavior (v1+, broker/replica/list-offsets.ts):
 * * timestamp -2 (earliest) and -4 (earliest local; no tiered storage): the log start offset;
 *   -1 (latest): the HW (read_uncommitted) or LSO (read_committed, = HW without open transactions)
 *   with the current leader epoch; -3 (max timestamp): the first record with the largest
 *   timestamp; -5 (latest tiered): offset -1, epoch -1 (no tiered storage); a time >= 0: the
 *   first record whose timestamp is >= it. Lookups answer only offsets below the HW (LSO for read_committed), else
 *   offset -1 / timestamp -1.
 * * A non-consumer replica id (a follower, the debug id -2, anything but -1) sees the log end;
 *   only the debug id may ask a follower.
 * * Per-partition errors: INVALID_REQUEST for a partition listed more than once;
 *   UNSUPPORTED_VERSION for a negative timestamp that is not one of the above or needs a newer
 *   version (-3 v7, -4 v8, -5 v9); UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (also for
 *   a known partition not hosted here), FENCED/UNKNOWN_LEADER_EPOCH (v4+); OFFSET_NOT_AVAILABLE
 *   (v5+; LEADER_NOT_AVAILABLE before) while a new leader's HW lags its epoch start.
 *
 * v0 (storage/legacy-offsets.ts): oldStyleOffsets = base offsets of segments last modified at
 * or before the time, and the log end, newest first, at most maxNumOffsets (-1 latest: the
 * newest, -2 earliest: the oldest only); a consumer's offsets above the HW become the HW. A
 * timestamp below -2 is UNSUPPORTED_VERSION. No duplicate check.
 *
 * Version notes:
 * * v0: oldStyleOffsets (maxNumOffsets)   * v1: timestamp/offset   * v2: isolationLevel
 * * v4: leader epochs   * v5: OFFSET_NOT_AVAILABLE   * v6: flexible   * v7: max timestamp
 * * v8: earliest local   * v9: latest tiered
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
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  legacyOffsetsForTimestamp,
  offsetForTimestamp,
} from '../replica/list-offsets';
import type { IsolationLevel } from '../replica/partition';
import { defineHandler, type HandlerContext } from './define-handler';

const CONSUMER_REPLICA_ID = -1;
const DEBUGGING_REPLICA_ID = -2;

/** The first version that accepts each special timestamp. */
const MIN_VERSION_OF_TIMESTAMP = new Map<bigint, number>([
  [EARLIEST_TIMESTAMP, 1],
  [LATEST_TIMESTAMP, 1],
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL_TIMESTAMP, 8],
  [LATEST_TIERED_TIMESTAMP, 9],
]);

function failed(partitionIndex: number, errorCode: ErrorCode): ListOffsetsPartitionResponse {
  return { ...defaultListOffsetsPartitionResponse(), partitionIndex, errorCode };
}

/** Partitions (topic + index) listed more than once in the request. */
function duplicatePartitions(req: ListOffsetsRequest): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const k = `${t.name}\u0000${p.partitionIndex}`;
      if (seen.has(k)) dup.add(k);
      seen.add(k);
    }
  }
  return dup;
}

function hosted(ctx: HandlerContext, topic: string, partition: number) {
  return ctx.services.replicaManager.hostedPartition(topic, partition, ctx.services.metadataCache.partitionInfo(topic, partition) !== undefined);
}

function codeOf(ctx: HandlerContext, e: unknown, topic: string): ErrorCode {
  const code = errorCodeOf(e);
  if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e, topic }, 'ListOffsets failed');
  return code;
}

async function lookupV0(ctx: HandlerContext, req: ListOffsetsRequest, topic: string, p: ListOffsetsPartition): Promise<ListOffsetsPartitionResponse> {
  // v0 knows only -1 and -2 among the negative timestamps
  if (p.timestamp < EARLIEST_TIMESTAMP) return failed(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION);
  try {
    const partition = hosted(ctx, topic, p.partitionIndex);
    const offsets = await legacyOffsetsForTimestamp(partition, p.timestamp, p.maxNumOffsets, req.replicaId === CONSUMER_REPLICA_ID, req.replicaId !== DEBUGGING_REPLICA_ID);
    return { ...failed(p.partitionIndex, ErrorCode.NONE), oldStyleOffsets: offsets };
  } catch (e) {
    return failed(p.partitionIndex, codeOf(ctx, e, topic));
  }
}

async function lookup(ctx: HandlerContext, req: ListOffsetsRequest, topic: string, p: ListOffsetsPartition, duplicated: boolean): Promise<ListOffsetsPartitionResponse> {
  if (duplicated) return failed(p.partitionIndex, ErrorCode.INVALID_REQUEST);
  if (p.timestamp < 0n && ctx.apiVersion < (MIN_VERSION_OF_TIMESTAMP.get(p.timestamp) ?? Infinity)) return failed(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION);
  try {
    const partition = hosted(ctx, topic, p.partitionIndex);
    const isolation: IsolationLevel | null = req.replicaId !== CONSUMER_REPLICA_ID ? null : ctx.apiVersion >= 2 && req.isolationLevel === 1 ? 1 : 0;
    const found = await offsetForTimestamp(partition, {
      timestamp: p.timestamp,
      isolation,
      currentLeaderEpoch: ctx.apiVersion >= 4 ? p.currentLeaderEpoch : -1,
      fetchOnlyFromLeader: req.replicaId !== DEBUGGING_REPLICA_ID,
    });
    const out = failed(p.partitionIndex, ErrorCode.NONE);
    if (!found) return out;
    return { ...out, offset: found.offset, timestamp: found.timestamp, leaderEpoch: ctx.apiVersion >= 4 && found.leaderEpoch >= 0 ? found.leaderEpoch : -1 };
  } catch (e) {
    const code = codeOf(ctx, e, topic);
    return failed(p.partitionIndex, code === ErrorCode.OFFSET_NOT_AVAILABLE && ctx.apiVersion < 5 ? ErrorCode.LEADER_NOT_AVAILABLE : code);
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
    const dup = ctx.apiVersion >= 1 ? duplicatePartitions(req) : new Set<string>();
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) => (ctx.apiVersion === 0 ? lookupV0(ctx, req, t.name, p) : lookup(ctx, req, t.name, p, dup.has(`${t.name}\u0000${p.partitionIndex}`)))),
        ),
      })),
    );
    return { ...defaultListOffsetsResponse(), topics };
  },
  errorResponse(req, code) {
    return {
      ...defaultListOffsetsResponse(),
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, code)) })),
    };
  },
});
