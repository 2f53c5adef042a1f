/**
 * Validation of incoming batch headers and in-place offset/epoch assignment (Kafka's
 * LogValidator, magic 2 only). Everything here is synchronous: the Log calls it and assigns
 * offsets in the same tick, so no other append can interleave.
 *
 * Never re-encodes or decompresses: only header fields are patched. baseOffset and
 * partitionLeaderEpoch lie outside the CRC; LogAppendTime rewrites maxTimestamp and the
 * timestamp-type bit and recomputes the CRC. Record-level work (keys, timestamp windows,
 * recompression) is leader-append.ts's, only when the topic asks for it.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';

import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  NO_PRODUCER_ID,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  TimestampType,
} from '../protocol/records/record-batch';

import type { TopicPartition } from './types';

export interface BatchesSummary {
  batches: number;
  recordCount: number;
  /** Base offset of the first batch and last offset of the last one (as found or assigned). */
  firstOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  /** Largest max timestamp of any batch, used for segment.ms roll checks. */
  firstBatchEpoch: number;
}

export type AppendOrigin = 'client' | 'coordinator' | 'replication';

export interface BatchCheckOptions {
  /** max.message.bytes: the largest accepted batch (whole batch, bytes). */
  maxMessageBytes: number;
  origin: AppendOrigin;
  /** See validateBatches. */
  deferSingleCrc?: boolean;
  /** For messages. */
  topicPartition: TopicPartition;
}

/**
 * Splits `buf` into batches and validates each header (Kafka's UnifiedLog
 * analyzeAndValidateRecords and LogValidator.validateBatch), in this order: whole, size >= 61,
 * magic 2; a client batch's base offset is 0; size <= maxMessageBytes; CRC-32C; offsets and
 * count consistent; no control batch from a client; a client batch with a producer id has a
 * sequence. Throws KafkaError: CORRUPT_MESSAGE (torn, bad size, bad CRC, unknown magic),
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (magic 0/1), MESSAGE_TOO_LARGE, INVALID_RECORD (the rest).
 * Returns the batch views in order. Records are not looked at (see record-checks.ts).
 *
 * With `deferSingleCrc`, a buffer that holds exactly one batch is returned with its CRC
 * NOT checked: the caller must call checkCrc on it before the append may be acknowledged
 * (the Log checks it while that batch's write is in flight). Several batches are always
 * CRC-checked here, so a rejected multi-batch append never reaches the file.
 */
export function validateBatches(buf: Buffer, opts: BatchCheckOptions): RecordBatchView[] {
  const { maxMessageBytes, origin } = opts;
  const views: RecordBatchView[] = [];
  let at = 0;
  while (at < buf.length) {
    const remaining = buf.length - at;
    if (remaining < LOG_OVERHEAD + 5) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `trailing ${remaining} bytes are not a record batch`);
    const size = buf.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    const magic = buf.readInt8(at + MAGIC_OFFSET);
    if (magic === 0 || magic === 1) throw new KafkaError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `magic ${magic} message sets are not stored`);
    if (magic !== MAGIC_V2) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown magic ${magic}`);
    if (size < RECORD_BATCH_OVERHEAD) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch size ${size} is below the minimum ${RECORD_BATCH_OVERHEAD}`);
    if (size > remaining) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch of ${size} bytes is cut short at ${remaining}`);
    const view = new RecordBatchView(size === buf.length ? buf : buf.subarray(at, at + size));
    const topicPartition = opts.topicPartition;
    if (origin === 'client' && view.baseOffset !== 0n) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `The baseOffset of the record batch in the append to ${topicPartitionName(topicPartition)} should be 0, but it is ${view.baseOffset}`);
    }
    if (size > maxMessageBytes) {
      throw new KafkaError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The record batch size in the append to ${topicPartitionName(topicPartition)} is ${size} bytes which exceeds the maximum configured value of ${maxMessageBytes}.`,
      );
    }
    if (!opts.deferSingleCrc || size !== buf.length) checkCrc(view);
    checkBatchFields(view, origin, topicPartition);
    views.push(view);
    at += size;
  }
  return views;
}

/** Kafka's LogValidator.validateBatch (magic 2): offsets, count, control bit, sequence. */
function checkBatchFields(view: RecordBatchView, origin: AppendOrigin, topicPartition: TopicPartition): void {
  const tp = topicPartitionName(topicPartition);
  const delta = view.lastOffsetDelta;
  const range = () => `[${view.baseOffset}, ${view.baseOffset + BigInt(delta)}]`;
  // followers keep the leader's batches, but a negative delta would move offsets backwards
  if (delta < 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `Batch has an invalid offset range: ${range()} in topic partition ${tp}`);
  if (origin === 'replication') return;
  const count = view.recordCount;
  if (count <= 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `Invalid reported count for record batch: ${count} in topic partition ${tp}`);
  if (count !== delta + 1) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `Inconsistent batch offset range ${range()} and count of records ${count} in topic partition ${tp}`);
  }
  if (origin !== 'client') return;
  if (view.isControl) throw new KafkaError(ErrorCode.INVALID_RECORD, `Clients are not allowed to write control records in topic partition ${tp}`);
  if (view.producerId > NO_PRODUCER_ID && view.baseSequence < 0) {
    throw new KafkaError(
      ErrorCode.INVALID_RECORD,
      `Invalid sequence number ${view.baseSequence} in record batch with producerId ${view.producerId} in topic partition ${tp}`,
    );
  }
}

/** "topic-partition", as Kafka's messages name a partition. */
export function topicPartitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Throws CORRUPT_MESSAGE unless the batch's CRC-32C matches its bytes. */
export function checkCrc(view: RecordBatchView): void {
  if (!view.isValidCrc()) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C mismatch');
}

/**
 * Assigns offsets from `nextOffset`, sets the leader epoch and (LogAppendTime) the broker
 * time, in place. Call only after validateBatches succeeded for the whole buffer.
 */
export function assignOffsets(
  views: readonly RecordBatchView[],
  nextOffset: bigint,
  leaderEpoch: number,
  logAppendTimeMs: bigint | null,
): BatchesSummary {
  let next = nextOffset;
  let maxTimestamp = -1n;
  let recordCount = 0;
  for (const v of views) {
    v.setBaseOffset(next);
    v.setPartitionLeaderEpoch(leaderEpoch);
    if (logAppendTimeMs !== null) v.setMaxTimestampAndType(logAppendTimeMs, TimestampType.LogAppendTime);
    const ts = v.maxTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    recordCount += v.recordCount;
    next += BigInt(v.lastOffsetDelta) + 1n;
  }
  return { batches: views.length, recordCount, firstOffset: nextOffset, lastOffset: next - 1n, maxTimestamp, firstBatchEpoch: leaderEpoch };
}

/**
 * Follower path: keeps the leader's offsets; they must start at or after `logEndOffset` and
 * strictly increase. (Forward gaps are allowed: a compacted leader log has them.)
 */
export function summarizeFollowerBatches(views: readonly RecordBatchView[], logEndOffset: bigint): BatchesSummary {
  let prevLast = logEndOffset - 1n;
  let maxTimestamp = -1n;
  let recordCount = 0;
  for (const v of views) {
    const base = v.baseOffset;
    if (base <= prevLast) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, `follower batch at offset ${base} overlaps offsets up to ${prevLast}`);
    }
    prevLast = base + BigInt(v.lastOffsetDelta);
    const ts = v.maxTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    recordCount += v.recordCount;
  }
  const first = views[0]!;
  return {
    batches: views.length,
    recordCount,
    firstOffset: first.baseOffset,
    lastOffset: prevLast,
    maxTimestamp,
    firstBatchEpoch: first.partitionLeaderEpoch,
  };
}
