/**
 * Validation of incoming record batches and in-place offset/epoch assignment
 * (Kafka's LogValidator, magic 2 only). Everything here is synchronous: the Log calls it and
 * assigns offsets in the same tick, so no other append can interleave.
 *
 * Never re-encodes or decompresses: only header fields are patched. baseOffset and
 * partitionLeaderEpoch lie outside the CRC; LogAppendTime rewrites maxTimestamp and the
 * timestamp-type bit and recomputes the CRC.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';

import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  TimestampType,
} from '../protocol/records/record-batch';

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

/**
 * Splits `buf` into batches and validates each: whole, size >= 61, magic 2, size <=
 * maxMessageBytes, CRC-32C, offsets/count consistent. Throws KafkaError:
 * CORRUPT_MESSAGE (torn, bad size, bad CRC, unknown magic), UNSUPPORTED_FOR_MESSAGE_FORMAT
 * (magic 0/1), MESSAGE_TOO_LARGE, INVALID_RECORD (bad offsets/count, control batch from a
 * client). Returns the batch views in order.
 *
 * With `deferSingleCrc`, a buffer that holds exactly one batch is returned with its CRC
 * NOT checked: the caller must call checkCrc on it before the append may be acknowledged
 * (the Log checks it while that batch's write is in flight). Several batches are always
 * CRC-checked here, so a rejected multi-batch append never reaches the file.
 */
export function validateBatches(buf: Buffer, maxMessageBytes: number, origin: AppendOrigin, deferSingleCrc = false): RecordBatchView[] {
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
    if (size > maxMessageBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${size} bytes exceeds max.message.bytes ${maxMessageBytes}`);
    }
    const view = new RecordBatchView(size === buf.length ? buf : buf.subarray(at, at + size));
    if (!deferSingleCrc || size !== buf.length) checkCrc(view);
    const delta = view.lastOffsetDelta;
    const count = view.recordCount;
    if (delta < 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid lastOffsetDelta ${delta}`);
    if (origin !== 'replication') {
      if (count <= 0 || count !== delta + 1) {
        throw new KafkaError(ErrorCode.INVALID_RECORD, `inconsistent batch: lastOffsetDelta ${delta}, record count ${count}`);
      }
      if (origin === 'client' && view.isControl) throw new KafkaError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    }
    views.push(view);
    at += size;
  }
  return views;
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
