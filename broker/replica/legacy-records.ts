/**
 * The broker's edge for legacy (magic 0/1) clients. Storage only ever holds magic-2 batches.
 *
 * - Produce v0-v2 carry magic 0/1 message sets: each is up-converted once into one magic-2
 *   batch with the same records, timestamps and compression (protocol/records'
 *   messageSetToRecordBatch), as Kafka does when the log format is v2.
 * - Fetch v0-v3 answer magic 0 (v0-v1) / magic 1 (v2-v3) message sets: the batches read from
 *   the log are down-converted here, with Kafka 3.9's lazy down-conversion sizing (KIP-283):
 *   the partition's records size is max(bytes read, first converted batch), the converted data
 *   is cut to that size (a cut trailing message is skipped by clients) or padded with an
 *   "overflow" header whose length runs past the end (also skipped).
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import { walkBatches } from '../../protocol/records/batch-iterator';
import { messageSetToRecordBatch, recordBatchesToMessageSet } from '../../protocol/records/legacy-conversion';
import { LEGACY_LOG_OVERHEAD, type LegacyMagic } from '../../protocol/records/legacy-message-set';
import { CompressionType, MAGIC_OFFSET, MAGIC_V2, RECORD_BATCH_OVERHEAD, RecordBatchView } from '../../protocol/records/record-batch';

export const LEGACY_PRODUCE_SUPPORTED = true;

export function convertLegacyRecords(records: Buffer | null): { records: Buffer } | { error: ErrorCode; message: string } {
  if (records === null || records.length === 0) return { error: ErrorCode.INVALID_RECORD, message: 'Produce request contains no messages' };
  try {
    return { records: messageSetToRecordBatch(records) };
  } catch (e) {
    const code = errorCodeOf(e);
    return { error: code === ErrorCode.UNKNOWN_SERVER_ERROR ? ErrorCode.CORRUPT_MESSAGE : code, message: (e as Error).message };
  }
}

/** Raw bytes of log batches converted per send chunk after the first (Kafka's MAX_READ_SIZE). */
export const DOWN_CONVERSION_CHUNK_BYTES = 128 * 1024;
/** Records size sent when nothing could be converted: one overflow header (Kafka's LOG_OVERHEAD). */
export const MIN_OVERFLOW_BYTES = LEGACY_LOG_OVERHEAD;

/**
 * Converts the batches of one chunk (each whole) to a `toMagic` message set. Records of an
 * uncompressed magic-2 batch below `fetchOffset` are dropped (legacy uncompressed messages are
 * not batched, so the client would otherwise see offsets it did not ask for); compressed
 * batches stay whole, as in Kafka. Throws KafkaError(UNSUPPORTED_COMPRESSION_TYPE) for zstd.
 */
function convertChunk(batches: readonly Buffer[], toMagic: LegacyMagic, fetchOffset: bigint): Buffer {
  const parts: Buffer[] = [];
  for (const b of batches) {
    let converted = recordBatchesToMessageSet(b, toMagic);
    if (converted.length === 0) continue;
    if (b.readInt8(MAGIC_OFFSET) === MAGIC_V2 && new RecordBatchView(b).compression === CompressionType.None) {
      converted = dropMessagesBefore(converted, fetchOffset);
    }
    if (converted.length > 0) parts.push(converted);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Skips leading plain legacy entries (offset int64 @0, size int32 @8) whose offset is below `offset`. */
function dropMessagesBefore(set: Buffer, offset: bigint): Buffer {
  let pos = 0;
  while (pos + LEGACY_LOG_OVERHEAD <= set.length && set.readBigInt64BE(pos) < offset) {
    pos += LEGACY_LOG_OVERHEAD + set.readInt32BE(pos + 8);
  }
  return pos === 0 ? set : set.subarray(Math.min(pos, set.length));
}

/**
 * `size` bytes that clients read as a cut message: offset -1, then a length that runs past the
 * end (at least a record batch overhead), then zeros.
 */
function overflow(size: number): Buffer {
  const buf = Buffer.alloc(Math.max(size, LEGACY_LOG_OVERHEAD));
  buf.writeBigInt64BE(-1n, 0);
  buf.writeInt32BE(Math.max(size + 1, RECORD_BATCH_OVERHEAD), 8);
  return buf.subarray(0, size);
}

export type DownConversion = { records: Buffer } | { error: ErrorCode; message: string };

/**
 * Fetch v0-v3: rewrites the batches read for one partition (whole batches, within the fetch
 * limits) as a `toMagic` message set, sized like Kafka 3.9's LazyDownConversionRecords:
 * - the first batch that converts to anything is converted first; if it cannot be (zstd), the
 *   partition answers UNSUPPORTED_COMPRESSION_TYPE; control batches convert to nothing;
 * - the records size is max(raw bytes, that first converted batch), or MIN_OVERFLOW_BYTES when
 *   nothing converts (also for an empty read), so a client that finds no whole message grows
 *   its fetch size instead of stalling;
 * - later batches are converted in chunks of up to DOWN_CONVERSION_CHUNK_BYTES raw bytes; a
 *   chunk that cannot be converted ends the data (the client fetches again from there and then
 *   gets the error); what does not fit is cut, what is missing is padded with an overflow entry.
 */
export function downConvertFetched(raw: Buffer, toMagic: LegacyMagic, fetchOffset: bigint): DownConversion {
  const batches = walkBatches(raw, { allowLegacy: true }).batches.map((e) => e.buf);
  let next = 0;
  let first: Buffer | null = null;
  try {
    while (next < batches.length && first === null) {
      const converted = convertChunk([batches[next++]!], toMagic, fetchOffset);
      if (converted.length > 0) first = converted;
    }
  } catch (e) {
    return { error: errorCodeOf(e), message: (e as Error).message };
  }
  if (first === null) return { records: overflow(MIN_OVERFLOW_BYTES) };
  const size = Math.max(raw.length, first.length);
  const parts: Buffer[] = [first];
  let written = first.length;
  while (written < size && next < batches.length) {
    const chunk: Buffer[] = [batches[next++]!];
    let chunkBytes = chunk[0]!.length;
    while (next < batches.length && chunkBytes + batches[next]!.length <= DOWN_CONVERSION_CHUNK_BYTES) {
      chunkBytes += batches[next]!.length;
      chunk.push(batches[next++]!);
    }
    let converted: Buffer;
    try {
      converted = convertChunk(chunk, toMagic, fetchOffset);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      break; // the response size is fixed; the client meets this batch again at its next fetch
    }
    parts.push(converted);
    written += converted.length;
  }
  if (written < size) parts.push(overflow(size - written));
  const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return { records: out.length > size ? out.subarray(0, size) : out };
}
