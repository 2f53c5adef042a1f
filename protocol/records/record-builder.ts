/**
 * buildRecordBatch: one magic-2 batch from plain records, with a correct CRC-32C.
 * Used by tests, by the group coordinator (__consumer_offsets) and for transaction markers.
 */
import { compress } from './compression';
import { crc32c } from './crc32c';
import {
  CompressionType,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  TimestampType,
  makeAttributes,
} from './record-batch';
import { encodeRecords, type EncodableRecord, type RecordHeader } from './record-encoder';

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  /** Array form keeps order and repeated keys; object form is a convenience. */
  headers?: Array<{ key: string; value: Buffer | string | null }> | Record<string, Buffer | string | null>;
  /** ms since epoch; default: the build time. */
  timestamp?: bigint | number;
  /** Default: the record's index. Must be non-decreasing and >= 0. */
  offsetDelta?: number;
}

export interface BuildRecordBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  compression?: CompressionType;
  /** The codec's level (KIP-390); default: the codec's default. */
  compressionLevel?: number;
  timestampType?: TimestampType;
  /** Set by the log cleaner: baseTimestamp then holds the delete horizon (ms). */
  hasDeleteHorizon?: boolean;
  /** Default: the largest record timestamp (set it to the append time for LogAppendTime). */
  maxTimestamp?: bigint;
  /** Default: the first record's timestamp (or -1 for an empty batch). */
  baseTimestamp?: bigint;
  /** Default: the last record's offsetDelta (needed only for empty batches that keep offsets). */
  lastOffsetDelta?: number;
  records: RecordInput[];
}

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function toHeaders(h: RecordInput['headers']): RecordHeader[] {
  if (h === undefined) return [];
  if (Array.isArray(h)) return h.map((x) => ({ key: x.key, value: toBuffer(x.value) }));
  return Object.entries(h).map(([key, value]) => ({ key, value: toBuffer(value) }));
}

export function buildRecordBatch(o: BuildRecordBatchOptions): Buffer {
  const now = BigInt(Date.now());
  const timestamps = o.records.map((r) => (r.timestamp === undefined ? now : BigInt(r.timestamp)));
  const baseTimestamp = o.baseTimestamp ?? timestamps[0] ?? -1n;
  let maxTs = -1n;
  for (const t of timestamps) if (t > maxTs) maxTs = t;
  const records: EncodableRecord[] = o.records.map((r, i) => ({
    offsetDelta: r.offsetDelta ?? i,
    timestampDelta: timestamps[i]! - baseTimestamp,
    key: toBuffer(r.key),
    value: toBuffer(r.value),
    headers: toHeaders(r.headers),
  }));
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!.offsetDelta;
    if (!Number.isInteger(d) || d < 0 || (i > 0 && d <= records[i - 1]!.offsetDelta)) {
      throw new RangeError(`offsetDelta must be increasing non-negative integers (record ${i}: ${d})`);
    }
  }
  const compression = o.compression ?? CompressionType.None;
  const raw = encodeRecords(records);
  const data = compression === CompressionType.None ? raw : compress(compression, raw, o.compressionLevel);
  const buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + data.length);
  buf.writeBigInt64BE(o.baseOffset ?? 0n, 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(
    makeAttributes({
      compression,
      timestampType: o.timestampType,
      isTransactional: o.isTransactional,
      isControl: o.isControl,
      hasDeleteHorizon: o.hasDeleteHorizon,
    }),
    21,
  );
  buf.writeInt32BE(o.lastOffsetDelta ?? records[records.length - 1]?.offsetDelta ?? -1, 23);
  buf.writeBigInt64BE(baseTimestamp, 27);
  buf.writeBigInt64BE(o.maxTimestamp ?? maxTs, 35);
  buf.writeBigInt64BE(o.producerId ?? NO_PRODUCER_ID, 43);
  buf.writeInt16BE(o.producerEpoch ?? NO_PRODUCER_EPOCH, 51);
  buf.writeInt32BE(o.baseSequence ?? NO_SEQUENCE, 53);
  buf.writeInt32BE(records.length, 57);
  data.copy(buf, RECORD_BATCH_OVERHEAD);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}
