/**
 * What a leader append must do with the records inside its batches (Kafka's LogValidator
 * arguments, from the topic's LogConfig), and when that needs the records at all.
 *
 * The fast path (no record-level work) keeps a batch's bytes as sent: only header fields are
 * patched. A batch needs its records decoded when one of these holds:
 * - the topic is compacted (every record needs a key);
 * - CreateTime with a timestamp window (message.timestamp.before/after.max.ms set);
 * - the batch claims LogAppendTime (producers may not; Kafka rejects or restamps it);
 * - compression.type names a codec other than the batch's (the batch is recompressed).
 */
import { CompressionType, RecordBatchView, TimestampType } from '../protocol/records/record-batch';

import { CompressionTypeName, LogConfig } from './log-config';

/** Kafka's Long.MAX_VALUE ("no limit") arrives as Number.MAX_SAFE_INTEGER in LogConfig. */
export const UNLIMITED_MS = Number.MAX_SAFE_INTEGER;

export interface StoredCodec {
  type: CompressionType;
  /** The KIP-390 level for `type` (ignored by snappy and none). */
  level: number;
}

export interface RecordPolicy {
  compacted: boolean;
  timestampType: 'CreateTime' | 'LogAppendTime';
  /** ms a CreateTime timestamp may lie before / after the broker clock; UNLIMITED_MS = any. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** The codec batches are stored with; null for compression.type=producer (as sent). */
  storedCodec: StoredCodec | null;
}

export function recordPolicyOf(config: LogConfig): RecordPolicy {
  return {
    compacted: config.cleanupPolicy.compact,
    timestampType: config.messageTimestampType,
    timestampBeforeMaxMs: config.messageTimestampBeforeMaxMs,
    timestampAfterMaxMs: config.messageTimestampAfterMaxMs,
    storedCodec: storedCodecOf(config),
  };
}

const CODEC_BY_NAME: Readonly<Record<Exclude<CompressionTypeName, 'producer'>, CompressionType>> = {
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

function storedCodecOf(config: LogConfig): StoredCodec | null {
  const name = config.compressionType;
  if (name === 'producer') return null;
  const type = CODEC_BY_NAME[name];
  const level =
    type === CompressionType.Gzip ? config.compressionGzipLevel
    : type === CompressionType.Lz4 ? config.compressionLz4Level
    : type === CompressionType.Zstd ? config.compressionZstdLevel
    : 0;
  return { type, level };
}

/** True when CreateTime timestamps are bounded on either side. */
export function hasTimestampWindow(p: RecordPolicy): boolean {
  return p.timestampType === 'CreateTime' && (p.timestampBeforeMaxMs < UNLIMITED_MS || p.timestampAfterMaxMs < UNLIMITED_MS);
}

/**
 * True when the batch must be recompressed: compression.type names another codec. Control
 * batches (transaction markers) are never recompressed.
 */
export function needsRecompression(view: RecordBatchView, p: RecordPolicy): boolean {
  return p.storedCodec !== null && p.storedCodec.type !== view.compression && !view.isControl;
}

/** True when the batch's records must be decoded (see the file comment). */
export function needsRecordPass(view: RecordBatchView, p: RecordPolicy): boolean {
  return p.compacted || hasTimestampWindow(p) || view.timestampType === TimestampType.LogAppendTime || needsRecompression(view, p);
}
