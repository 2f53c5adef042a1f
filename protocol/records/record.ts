/**
 * Records inside a magic-2 batch (Kafka's DefaultRecord), decoded only when a feature needs them:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
 *   headerCount varint | headers: { keyLength varint, key UTF-8, valueLength varint (-1 = null), value }
 * Decoding is total: malformed bytes throw ProtocolDecodeError(CORRUPT_MESSAGE), and no array or
 * buffer is sized from an unchecked count (keys/values/header values are subarrays of the input).
 */
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../errors';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompress } from './compression';
import { CompressionType, MAGIC_V2, RECORD_BATCH_OVERHEAD, RecordBatchView, TimestampType } from './record-batch';
import type { RecordHeader } from './record-encoder';
import { RecordCursor } from './varint-io';

export { buildRecordBatch } from './record-builder';
export type { BuildRecordBatchOptions, RecordInput } from './record-builder';
export { encodeRecords, sizeOfRecord, writeRecord } from './record-encoder';
export type { EncodableRecord, RecordHeader } from './record-encoder';

/** One decoded record. `key`/`value`/header values are subarrays of the (inflated) batch data. */
export interface KafkaRecord {
  /** Always 0 today (unused by Kafka). */
  attributes: number;
  offsetDelta: number;
  timestampDelta: bigint;
  /** baseOffset + offsetDelta. */
  offset: bigint;
  /** baseTimestamp + timestampDelta, or the batch maxTimestamp for LogAppendTime batches (ms). */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The smallest encoded record: 7 one-byte fields. Bounds counts before any work. */
export const MIN_RECORD_SIZE = 7;

function corrupt(message: string, pos = -1): ProtocolDecodeError {
  return new ProtocolDecodeError(message, pos, ErrorCode.CORRUPT_MESSAGE);
}

function readNullableSlice(c: RecordCursor, what: string): Buffer | null {
  const len = c.readVarint();
  if (len < -1) c.fail(`invalid ${what} length ${len}`);
  return len === -1 ? null : c.readSlice(len);
}

/** Decodes one record at c.pos; c.end is the end of the records data. */
function readRecord(c: RecordCursor, baseOffset: bigint, baseTimestamp: bigint, logAppendTime: bigint | null): KafkaRecord {
  const bodySize = c.readVarint();
  if (bodySize < 0 || bodySize > c.remaining) c.fail(`invalid record size ${bodySize}`);
  const outerEnd = c.end;
  const bodyEnd = c.pos + bodySize;
  c.end = bodyEnd;
  const attributes = c.readInt8();
  const timestampDelta = c.readVarlong();
  const offsetDelta = c.readVarint();
  const key = readNullableSlice(c, 'key');
  const value = readNullableSlice(c, 'value');
  const headerCount = c.readVarint();
  if (headerCount < 0) c.fail(`invalid header count ${headerCount}`);
  if (headerCount * 2 > c.remaining) c.fail(`header count ${headerCount} exceeds record size`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyLen = c.readVarint();
    if (keyLen < 0) c.fail(`invalid header key length ${keyLen}`);
    const hkey = c.readSlice(keyLen).toString('utf8');
    headers.push({ key: hkey, value: readNullableSlice(c, 'header value') });
  }
  if (c.pos !== bodyEnd) c.fail(`record size ${bodySize} does not match its fields`);
  c.end = outerEnd;
  return {
    attributes,
    offsetDelta,
    timestampDelta,
    offset: baseOffset + BigInt(offsetDelta),
    timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

/**
 * Decodes exactly `count` records from `data` (uncompressed records section).
 * Throws CORRUPT_MESSAGE if they do not fill `data` exactly.
 */
export function decodeRecords(
  data: Buffer,
  count: number,
  baseOffset: bigint,
  baseTimestamp: bigint,
  logAppendTime: bigint | null = null,
): KafkaRecord[] {
  if (count < 0) throw corrupt(`invalid record count ${count}`);
  if (count > data.length / MIN_RECORD_SIZE) throw corrupt(`record count ${count} exceeds ${data.length} bytes of records`);
  const c = new RecordCursor(data, 0, data.length);
  const out: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) out.push(readRecord(c, baseOffset, baseTimestamp, logAppendTime));
  if (c.pos !== data.length) throw corrupt(`${data.length - c.pos} bytes left after ${count} records`, c.pos);
  return out;
}

/**
 * Decodes the `declaredCount` records of a batch being appended, with the rules (and
 * INVALID_RECORD messages) of Kafka's DefaultRecordBatch iterator: fewer records than declared
 * is a premature EOF, bytes left after them are records still remaining, and a malformed record
 * is an invalid record structure. Unlike decodeRecords, nothing here is CORRUPT_MESSAGE: the
 * batch's CRC already matched, so the producer built it this way.
 */
export function decodeDeclaredRecords(
  data: Buffer,
  declaredCount: number,
  baseOffset: bigint,
  baseTimestamp: bigint,
  logAppendTime: bigint | null = null,
): KafkaRecord[] {
  if (declaredCount < 0) throw invalidRecord(`Found invalid record count ${declaredCount} in magic v2 batch`);
  const c = new RecordCursor(data, 0, data.length);
  const out: KafkaRecord[] = [];
  for (let i = 0; i < declaredCount; i++) {
    if (c.pos >= data.length) throw invalidRecord('Incorrect declared batch size, premature EOF reached');
    try {
      out.push(readRecord(c, baseOffset, baseTimestamp, logAppendTime));
    } catch (e) {
      if (e instanceof ProtocolDecodeError) throw invalidRecord(`Found invalid record structure: ${e.message}`);
      throw e;
    }
  }
  if (c.pos !== data.length) throw invalidRecord('Incorrect declared batch size, records still remaining in file');
  return out;
}

function invalidRecord(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_RECORD, message);
}

export interface ReadRecordsOptions {
  /** Bound on the inflated size of a compressed batch (bytes). */
  maxDecompressedBytes?: number;
}

/**
 * The uncompressed records section of a batch: a subarray for uncompressed batches, else a new
 * buffer from the codec.
 */
export function inflateRecordsData(view: RecordBatchView, opts: ReadRecordsOptions = {}): Buffer {
  const data = view.recordsData;
  const compression = view.compression;
  if (compression === CompressionType.None) return data;
  return decompress(compression, data, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
}

/**
 * All records of one magic-2 batch (whole batch as declared by batchLength), inflating compressed
 * batches. Checks magic and length but not the CRC (call view.isValidCrc() for that).
 */
export function readRecords(batch: Buffer | RecordBatchView, opts: ReadRecordsOptions = {}): KafkaRecord[] {
  if (Buffer.isBuffer(batch) && batch.length < RECORD_BATCH_OVERHEAD) throw corrupt(`batch of ${batch.length} bytes is shorter than its header`);
  const view = batch instanceof RecordBatchView ? batch : new RecordBatchView(batch);
  if (view.magic !== MAGIC_V2) throw corrupt(`expected magic 2, got ${view.magic}`);
  const size = view.sizeInBytes;
  if (size < RECORD_BATCH_OVERHEAD || size > view.buf.length) throw corrupt(`batch length ${size} does not fit ${view.buf.length} bytes`);
  const data = inflateRecordsData(view, opts);
  const logAppendTime = view.timestampType === TimestampType.LogAppendTime ? view.maxTimestamp : null;
  return decodeRecords(data, view.recordCount, view.baseOffset, view.baseTimestamp, logAppendTime);
}

