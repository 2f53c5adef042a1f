/**
 * The record-level checks of a leader append (Kafka's LogValidator.validateRecord), for one
 * batch whose header and CRC were already validated:
 * - compacted topics: a record without a key is INVALID_RECORD;
 * - CreateTime: a record timestamp (other than -1) outside [now - before.max.ms,
 *   now + after.max.ms] is INVALID_TIMESTAMP;
 * - a batch claiming LogAppendTime is INVALID_TIMESTAMP for each record not checked above
 *   (producers may not set it; on a CreateTime topic its records carry the batch max timestamp,
 *   which is window-checked instead unless it is -1).
 * Every record is checked, each bad one is reported by its index, and any bad record refuses
 * the whole batch (RecordValidationError). Malformed records or a record count that does not
 * match the records present are INVALID_RECORD (record.ts decodeDeclaredRecords).
 *
 * Time arithmetic is Java's int64 arithmetic (wrapping), so bounds print as Kafka prints them
 * when a limit is Long.MAX_VALUE.
 */
import { ErrorCode } from '../protocol/errors';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../protocol/records/compression';
import { decodeDeclaredRecords, inflateRecordsData, type KafkaRecord } from '../protocol/records/record';
import { RecordBatchView, TimestampType } from '../protocol/records/record-batch';

import { topicPartitionName } from './log-validator';
import { RecordPolicy, UNLIMITED_MS } from './record-policy';
import { RecordProblem, recordValidationError } from './record-validation-error';
import type { TopicPartition } from './types';

const LONG_MAX = 0x7fffffffffffffffn;
const NO_TIMESTAMP = -1n;

export interface CheckedRecords {
  records: KafkaRecord[];
  /** Largest record timestamp (ms), -1 when there is none. */
  maxTimestamp: bigint;
  /** Every record's offsetDelta equals its index (Kafka rebuilds compressed batches otherwise). */
  offsetsConsecutive: boolean;
}

export interface RecordCheckContext {
  /** For messages. */
  topicPartition: TopicPartition;
  /** Broker clock (ms). */
  nowMs: number;
  /** Bound on the inflated records section of a compressed batch (bytes). */
  maxDecompressedBytes?: number;
}

/** Decodes and checks every record of `view`; throws RecordValidationError naming the bad ones. */
export function checkBatchRecords(view: RecordBatchView, policy: RecordPolicy, ctx: RecordCheckContext): CheckedRecords {
  const data = inflateRecordsData(view, { maxDecompressedBytes: ctx.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES });
  const claimsLogAppendTime = view.timestampType === TimestampType.LogAppendTime;
  const records = decodeDeclaredRecords(data, view.recordCount, view.baseOffset, view.baseTimestamp, claimsLogAppendTime ? view.maxTimestamp : null);
  const window = policy.timestampType === 'CreateTime' ? timestampWindow(policy, ctx.nowMs) : null;
  const problems: RecordProblem[] = [];
  let maxTimestamp = NO_TIMESTAMP;
  let offsetsConsecutive = true;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    if (r.offsetDelta !== i) offsetsConsecutive = false;
    const problem = keyProblem(r, i, policy, ctx) ?? timestampProblem(r, i, window, claimsLogAppendTime);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw recordValidationError(problems);
  return { records, maxTimestamp, offsetsConsecutive };
}

function keyProblem(r: KafkaRecord, index: number, policy: RecordPolicy, ctx: RecordCheckContext): RecordProblem | null {
  if (!policy.compacted || r.key !== null) return null;
  return {
    code: ErrorCode.INVALID_RECORD,
    batchIndex: index,
    batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topicPartitionName(ctx.topicPartition)}`,
  };
}

interface TimestampWindow {
  now: bigint;
  beforeMaxMs: bigint;
  afterMaxMs: bigint;
}

function timestampWindow(policy: RecordPolicy, nowMs: number): TimestampWindow {
  return { now: BigInt(nowMs), beforeMaxMs: asJavaLong(policy.timestampBeforeMaxMs), afterMaxMs: asJavaLong(policy.timestampAfterMaxMs) };
}

function asJavaLong(ms: number): bigint {
  return ms >= UNLIMITED_MS ? LONG_MAX : BigInt(ms);
}

/** `window` is null for LogAppendTime topics (no window, only the claimed-type check). */
function timestampProblem(r: KafkaRecord, index: number, window: TimestampWindow | null, claimsLogAppendTime: boolean): RecordProblem | null {
  if (window !== null && r.timestamp !== NO_TIMESTAMP) {
    const diff = BigInt.asIntN(64, window.now - r.timestamp);
    if (diff <= window.beforeMaxMs && BigInt.asIntN(64, -diff) <= window.afterMaxMs) return null;
    const lowest = BigInt.asIntN(64, window.now - window.beforeMaxMs);
    const highest = BigInt.asIntN(64, window.now + window.afterMaxMs);
    return {
      code: ErrorCode.INVALID_TIMESTAMP,
      batchIndex: index,
      batchIndexErrorMessage: `Timestamp ${r.timestamp} of message with offset ${r.offset} is out of range. The timestamp should be within [${lowest}, ${highest}]`,
    };
  }
  if (!claimsLogAppendTime) return null;
  return {
    code: ErrorCode.INVALID_TIMESTAMP,
    batchIndex: index,
    batchIndexErrorMessage: `Invalid timestamp type in message ${describeRecord(r)}. Producer should not set timestamp type to LogAppendTime.`,
  };
}

/** Kafka's DefaultRecord.toString. */
function describeRecord(r: KafkaRecord): string {
  return `DefaultRecord(offset=${r.offset}, timestamp=${r.timestamp}, key=${r.key?.length ?? 0} bytes, value=${r.value?.length ?? 0} bytes)`;
}
