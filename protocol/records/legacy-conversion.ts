/**
 * Conversions between legacy message sets (magic 0/1) and magic-2 record batches, for serving
 * old Produce (v0-v2: up-convert before appending) and old Fetch (v0-v3: down-convert what is read).
 * Kafka's LogValidator (up) and RecordsUtil.downConvert (down) are the reference behaviour.
 */
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../errors';
import { walkBatches } from './batch-iterator';
import { CompressionType, MAGIC_V2, NO_TIMESTAMP, TimestampType } from './record-batch';
import { readRecords } from './record';
import { buildRecordBatch } from './record-builder';
import {
  type LegacyMagic,
  type LegacyMessageInput,
  type ReadMessageSetOptions,
  buildMessageSet,
  messageSetCompression,
  readMessageSet,
} from './legacy-message-set';

/**
 * Record format a Fetch version can carry (Kafka's FetchRequest -> magic mapping):
 * v0-v1 magic 0, v2-v3 magic 1, v4+ magic 2 (no down-conversion).
 */
export function magicForFetchVersion(version: number): 0 | 1 | 2 {
  if (version <= 1) return 0;
  if (version <= 3) return 1;
  return 2;
}

export interface UpConvertOptions extends ReadMessageSetOptions {
  /** Codec of the new batch; default: the producer's codec (topic compression.type=producer). */
  compression?: CompressionType;
}

/**
 * One magic-2 batch holding every message of a produced legacy message set, offsetDeltas 0..n-1
 * (the log assigns real offsets). Magic-0 messages get timestamp -1. Headers are empty.
 * A cut trailing entry or an empty set is CORRUPT_MESSAGE (a produce request must be whole).
 */
export function messageSetToRecordBatch(messageSet: Buffer, opts: UpConvertOptions = {}): Buffer {
  const read = readMessageSet(messageSet, opts);
  if (read.partial) throw new ProtocolDecodeError('produced message set ends in a partial message', read.validBytes, ErrorCode.CORRUPT_MESSAGE);
  if (read.messages.length === 0) throw new ProtocolDecodeError('produced message set is empty', 0, ErrorCode.CORRUPT_MESSAGE);
  return buildRecordBatch({
    compression: opts.compression ?? messageSetCompression(messageSet),
    records: read.messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.magic === 0 ? NO_TIMESTAMP : m.timestamp })),
  });
}

export interface DownConvertOptions {
  /** Bound on each batch's inflated size (bytes). */
  maxDecompressedBytes?: number;
}

/**
 * Rewrites fetched data (magic-2 batches, possibly legacy entries) as a `toMagic` message set.
 * - Control batches are dropped; headers are dropped (Kafka does the same).
 * - Each batch keeps its codec (one wrapper per compressed batch); zstd batches cannot be
 *   represented: KafkaError(UNSUPPORTED_COMPRESSION_TYPE), as Kafka answers old fetches.
 * - Entries already at or below `toMagic` are copied unchanged; a cut trailing batch is dropped.
 */
export function recordBatchesToMessageSet(data: Buffer, toMagic: LegacyMagic, opts: DownConvertOptions = {}): Buffer {
  const walk = walkBatches(data, { allowLegacy: true });
  if (walk.stop.reason === 'corrupt-length' || walk.stop.reason === 'unknown-magic') {
    throw new ProtocolDecodeError(`cannot down-convert: ${walk.stop.reason}`, walk.stop.position, ErrorCode.CORRUPT_MESSAGE);
  }
  const parts: Buffer[] = [];
  for (const entry of walk.batches) {
    if (entry.magic <= toMagic) {
      parts.push(entry.buf);
      continue;
    }
    const view = entry.view;
    if (view === null) {
      // magic 1 -> 0: re-encode the (deep) messages, keeping each wrapper's codec.
      const read = readMessageSet(entry.buf, { maxDecompressedBytes: opts.maxDecompressedBytes });
      const inputs: LegacyMessageInput[] = read.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value }));
      parts.push(buildMessageSet(inputs, { magic: toMagic, compression: messageSetCompression(entry.buf) }));
      continue;
    }
    if (view.magic !== MAGIC_V2 || view.isControl) continue;
    if (view.compression === CompressionType.Zstd) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd batches cannot be down-converted to magic 0/1');
    }
    const records = readRecords(view, { maxDecompressedBytes: opts.maxDecompressedBytes });
    if (records.length === 0) continue;
    const logAppend = view.timestampType === TimestampType.LogAppendTime;
    parts.push(
      buildMessageSet(
        records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })),
        {
          magic: toMagic,
          compression: view.compression,
          timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
          logAppendTime: logAppend ? view.maxTimestamp : undefined,
        },
      ),
    );
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
