/**
 * Everything a leader append does before its bytes are queued (Kafka's UnifiedLog.append up to
 * offset assignment, with LogValidator.validateMessagesAndAssignOffsets): header checks, the
 * record-level checks the topic asks for, recompression, then offsets, leader epoch and
 * (LogAppendTime) the broker time. Synchronous, so appends keep their call order.
 *
 * Two paths per batch:
 * - fast (no record-level work, see record-policy.ts): the caller's bytes, patched in place;
 *   the CRC of a lone batch may be left for the Log to check while the write is in flight;
 * - records: the CRC is checked first, the records are inflated (bounded by
 *   DEFAULT_MAX_DECOMPRESSED_BYTES) and checked; then the batch is either patched in place
 *   (CreateTime: max timestamp set to the largest record timestamp, as Kafka does) or rebuilt
 *   (compression.type names another codec, or a compressed batch's offset deltas are not
 *   0, 1, 2, ...). A rebuilt batch must still fit max.message.bytes.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import { GZIP_DEFAULT_LEVEL, LZ4_DEFAULT_LEVEL, ZSTD_DEFAULT_LEVEL } from '../protocol/records/compression';
import { CompressionType, RecordBatchView, TimestampType } from '../protocol/records/record-batch';

import { rebuildBatch } from './batch-rebuild';
import { LogConfig } from './log-config';
import { AppendOrigin, BatchesSummary, assignOffsets, checkCrc, topicPartitionName, validateBatches } from './log-validator';
import { checkBatchRecords } from './record-checks';
import type { TopicPartition } from './types';
import { RecordPolicy, StoredCodec, needsRecompression, needsRecordPass, recordPolicyOf } from './record-policy';

export interface LeaderAppendContext {
  /** For messages. */
  topicPartition: TopicPartition;
  /** Broker clock (ms). */
  nowMs: number;
  /** Offset the first record gets. */
  nextOffset: bigint;
  leaderEpoch: number;
  origin: AppendOrigin;
}

export interface PreparedLeaderAppend {
  /** What to write: the caller's buffer (patched in place), or new bytes when a batch was rebuilt. */
  records: Buffer;
  summary: BatchesSummary;
  /** The broker time stamped on LogAppendTime topics (ms), else -1. */
  logAppendTimeMs: bigint;
  /** The lone batch whose CRC has not been checked yet (the Log checks it during the write). */
  pendingCrc: RecordBatchView | null;
  /** The batches of `records`, offsets assigned. */
  views: RecordBatchView[];
}

const policies = new WeakMap<LogConfig, RecordPolicy>();

function policyFor(config: LogConfig): RecordPolicy {
  let p = policies.get(config);
  if (p === undefined) {
    p = recordPolicyOf(config);
    policies.set(config, p);
  }
  return p;
}

export function prepareLeaderAppend(records: Buffer, config: LogConfig, ctx: LeaderAppendContext): PreparedLeaderAppend {
  const appendTime = config.messageTimestampType === 'LogAppendTime' ? BigInt(ctx.nowMs) : null;
  // LogAppendTime recomputes the CRC, so the received one is checked before that
  const defer = appendTime === null;
  let views = validateBatches(records, { maxMessageBytes: config.maxMessageBytes, origin: ctx.origin, deferSingleCrc: defer, topicPartition: ctx.topicPartition });
  let pendingCrc = defer && views.length === 1 ? views[0]! : null;
  const policy = policyFor(config);
  let out = records;
  if (views.some((v) => needsRecordPass(v, policy))) {
    if (pendingCrc) checkCrc(pendingCrc); // before trusting the records section
    pendingCrc = null;
    const processed = views.map((v) => processRecords(v, policy, config, ctx));
    if (processed.some((b, i) => b !== views[i]!.buf)) {
      out = processed.length === 1 ? processed[0]! : Buffer.concat(processed);
      if (out.length > config.segmentBytes) {
        throw new KafkaError(
          ErrorCode.RECORD_LIST_TOO_LARGE,
          `Message batch size is ${out.length} bytes in append to partition ${topicPartitionName(ctx.topicPartition)}, which exceeds the maximum configured segment size of ${config.segmentBytes}.`,
        );
      }
      views = viewsOver(out, processed);
    }
  }
  const summary = assignOffsets(views, ctx.nextOffset, ctx.leaderEpoch, appendTime);
  return { records: out, summary, logAppendTimeMs: appendTime ?? -1n, pendingCrc, views };
}

/** The record pass of one CRC-checked batch; returns its bytes (the same buffer when patched in place). */
function processRecords(view: RecordBatchView, policy: RecordPolicy, config: LogConfig, ctx: LeaderAppendContext): Buffer {
  if (!needsRecordPass(view, policy)) return view.buf;
  const checked = checkBatchRecords(view, policy, { topicPartition: ctx.topicPartition, nowMs: ctx.nowMs });
  const compressed = view.compression !== CompressionType.None;
  const recompress = needsRecompression(view, policy);
  if (!recompress && !(compressed && !checked.offsetsConsecutive)) {
    // CreateTime: the header's max timestamp becomes the records' (LogAppendTime: assignOffsets)
    if (policy.timestampType === 'CreateTime') view.setMaxTimestampAndType(checked.maxTimestamp, TimestampType.CreateTime);
    return view.buf;
  }
  const codec = recompress ? policy.storedCodec! : sameCodec(view.compression, policy);
  const rebuilt = rebuildBatch(view, checked.records, codec, checked.maxTimestamp);
  if (rebuilt.length > config.maxMessageBytes) {
    // Kafka's text, whose missing space ("topartition") is kept
    throw new KafkaError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `Message batch size is ${rebuilt.length} bytes in append topartition ${topicPartitionName(ctx.topicPartition)} which exceeds the maximum configured size of ${config.maxMessageBytes}.`,
    );
  }
  return rebuilt;
}

/**
 * The codec of a batch rebuilt without changing codec: the topic's level when compression.type
 * names this codec, else (compression.type=producer) Kafka's default level for it.
 */
function sameCodec(type: CompressionType, policy: RecordPolicy): StoredCodec {
  if (policy.storedCodec !== null && policy.storedCodec.type === type) return policy.storedCodec;
  const level = type === CompressionType.Gzip ? GZIP_DEFAULT_LEVEL : type === CompressionType.Lz4 ? LZ4_DEFAULT_LEVEL : ZSTD_DEFAULT_LEVEL;
  return { type, level };
}

/** Views over `buf`, the concatenation of `parts` (whole batches). */
function viewsOver(buf: Buffer, parts: readonly Buffer[]): RecordBatchView[] {
  let at = 0;
  return parts.map((p) => {
    const view = new RecordBatchView(buf.subarray(at, at + p.length));
    at += p.length;
    return view;
  });
}
