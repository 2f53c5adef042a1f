/**
 * ListOffsets lookups on one local replica (Kafka's Partition.fetchOffsetForTimestamp and
 * legacyFetchOffsetsForTimestamp over UnifiedLog.fetchOffsetByTimestamp).
 *
 * - `isolation` null is a follower or any non-consumer replica id: it may see up to the log
 *   end; consumers see up to the HW (read_uncommitted) or the LSO (read_committed: the first
 *   offset of an undecided or not yet replicated transaction, else the HW).
 * - Only the debug replica id may ask a follower (`fetchOnlyFromLeader` false).
 * - A consumer asking a leader whose HW has not yet reached the start of its leader epoch
 *   gets OFFSET_NOT_AVAILABLE for latest, and for a lookup that found nothing it may see.
 * - Answers below the visible bound only; "nothing" is null (offset -1, timestamp -1).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { TimestampAndOffset } from '../../storage/log-timestamps';
import type { IsolationLevel, Partition } from './partition';

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;
export const EARLIEST_LOCAL_TIMESTAMP = -4n;
export const LATEST_TIERED_TIMESTAMP = -5n;

export interface OffsetLookup {
  timestamp: bigint;
  /** null: not a consumer (followers, the debug replica id). */
  isolation: IsolationLevel | null;
  /** -1 when the client sent none (below v4, or unknown). */
  currentLeaderEpoch: number;
  /** False only for the debug replica id (-2). */
  fetchOnlyFromLeader: boolean;
}

function lastFetchableOffset(p: Partition, isolation: IsolationLevel | null): bigint {
  if (isolation === null) return p.logEndOffset;
  return isolation === 1 ? p.lastStableOffset : p.highWatermark;
}

/** OFFSET_NOT_AVAILABLE while a new leader's HW lags the start of its epoch (consumers only). */
function laggingHighWatermark(p: Partition, isolation: IsolationLevel | null): KafkaError | null {
  const epochStart = p.leaderEpochStartOffsetIfLeader;
  if (isolation === null || epochStart === null || epochStart <= p.highWatermark) return null;
  return new KafkaError(
    ErrorCode.OFFSET_NOT_AVAILABLE,
    `Failed to fetch offsets for partition ${p.key} with leader epoch ${p.leaderEpoch} as its high watermark (${p.highWatermark}) is lagging behind the start offset from the beginning of this epoch (${epochStart}).`,
  );
}

/** The log's own answer, before the visibility bound (Kafka's UnifiedLog.fetchOffsetByTimestamp without tiered storage). */
function lookupInLog(p: Partition, timestamp: bigint): Promise<TimestampAndOffset | null> {
  // without tiered storage the highest tiered offset is unknown: offset -1 with epoch -1
  if (timestamp === LATEST_TIERED_TIMESTAMP) return Promise.resolve({ offset: -1n, timestamp: -1n, leaderEpoch: -1 });
  if (timestamp === MAX_TIMESTAMP) return p.log.maxTimestampAndOffset();
  return p.log.offsetForTimestamp(timestamp);
}

/** ListOffsets v1+ for one partition; null when no offset qualifies. */
export async function offsetForTimestamp(p: Partition, q: OffsetLookup): Promise<TimestampAndOffset | null> {
  p.checkReplica(q.currentLeaderEpoch, q.fetchOnlyFromLeader);
  const bound = lastFetchableOffset(p, q.isolation);
  const lagging = laggingHighWatermark(p, q.isolation);
  if (q.timestamp === LATEST_TIMESTAMP) {
    if (lagging) throw lagging;
    return { offset: bound, timestamp: -1n, leaderEpoch: p.leaderEpoch };
  }
  if (q.timestamp === EARLIEST_TIMESTAMP || q.timestamp === EARLIEST_LOCAL_TIMESTAMP) {
    // without tiered storage the local log starts at the log start offset
    return p.log.offsetForTimestamp(EARLIEST_TIMESTAMP);
  }
  const found = await lookupInLog(p, q.timestamp);
  if (found && found.offset < bound) return found;
  if (lagging) throw lagging;
  return null;
}

/**
 * ListOffsets v0 for one partition: the log's legacy offsets (storage/legacy-offsets.ts); a
 * consumer's answer has the offsets above the HW replaced by the HW.
 */
export async function legacyOffsetsForTimestamp(p: Partition, timestamp: bigint, maxNumOffsets: number, isFromConsumer: boolean, fetchOnlyFromLeader: boolean): Promise<bigint[]> {
  p.checkReplica(-1, fetchOnlyFromLeader);
  const all = await p.log.legacyOffsetsBefore(timestamp, maxNumOffsets);
  if (!isFromConsumer) return all;
  const hw = p.highWatermark;
  const firstVisible = all.findIndex((o) => o <= hw);
  if (firstVisible === 0) return all;
  if (firstVisible < 0) return all.length === 0 ? all : [hw];
  return [hw, ...all.slice(firstVisible)];
}
