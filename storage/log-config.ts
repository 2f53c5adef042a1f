/** Per-topic log settings (Kafka's LogConfig); units are in each name's suffix. */
export interface LogConfig {
  /** segment.bytes: roll when the active segment would exceed this size. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** segment.jitter.ms: each segment rolls up to this much (random, below segment.ms) earlier. */
  segmentJitterMs: number;
  /** segment.index.bytes: preallocated size of each index file; a full index rolls. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of batches between two offset index entries. */
  indexIntervalBytes: number;
  /** max.message.bytes: largest accepted batch (whole batch size in bytes). */
  maxMessageBytes: number;
  /** retention.ms: -1 = keep forever. */
  retentionMs: number;
  /** retention.bytes: -1 = no size limit. */
  retentionBytes: number;
  cleanupPolicy: { delete: boolean; compact: boolean };
  /** delete.retention.ms: how long tombstones survive compaction. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: dirty bytes / total bytes that triggers compaction. */
  minCleanableDirtyRatio: number;
  /** flush.messages: fsync after this many appended records (1 = fsync before every ack). */
  flushMessages: number;
  /** flush.ms: fsync when the last flush is older than this. */
  flushMs: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /**
   * CreateTime only: how far (ms) a record's timestamp may lie before / after the broker's
   * clock (message.timestamp.before/after.max.ms, each falling back to the legacy
   * message.timestamp.difference.max.ms while left at Long.MAX_VALUE, as Kafka 3.9 does).
   */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  /** compression.type: 'producer' keeps the producer's codec; any other value is the stored codec. */
  compressionType: CompressionTypeName;
  /** compression.gzip.level (-1 = zlib's default), compression.lz4.level, compression.zstd.level (KIP-390). */
  compressionGzipLevel: number;
  compressionLz4Level: number;
  compressionZstdLevel: number;
  /** min.compaction.lag.ms: a record stays uncompacted at least this long after its append. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a record becomes eligible for compaction at most this long after its append. */
  maxCompactionLagMs: number;
  /** file.delete.delay.ms: how long `.deleted` files linger before removal. */
  fileDeleteDelayMs: number;
}

export type CompressionTypeName = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Kafka 3.9's defaults. Kafka's Long.MAX_VALUE "never" is Number.MAX_SAFE_INTEGER here. */
export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1024 * 1024 + 12,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  messageTimestampType: 'CreateTime',
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  compressionType: 'producer',
  compressionGzipLevel: -1,
  compressionLz4Level: 9,
  compressionZstdLevel: 3,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  fileDeleteDelayMs: 60_000,
}) as LogConfig;
