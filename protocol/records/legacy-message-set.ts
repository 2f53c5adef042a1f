/**
 * Legacy message sets, magic 0 and 1 (Kafka < 0.11; Produce v0-v2, Fetch v0-v3).
 *
 * Entry: offset int64 @0 | messageSize int32 @8 | crc uint32 @12 | magic int8 @16 | attributes int8 @17
 *        | timestamp int64 @18 (v1 only) | key int32 len + bytes | value int32 len + bytes
 * The CRC is CRC-32 IEEE over magic .. end of the message. A compressed "wrapper" message has a
 * codec in attribute bits 0-2, a null key, and a compressed inner message set as its value.
 * Inner offsets: v0 absolute; v1 relative (0..n-1), the wrapper carrying the last inner absolute
 * offset. v1 attribute bit 3 is the timestamp type (the wrapper's LogAppendTime applies to all
 * inner messages).
 */
import { unsigned as crc32 } from 'buffer-crc32';
import { ErrorCode, KafkaError, ProtocolDecodeError } from '../errors';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, compress, decompress } from './compression';
import { lz4Compress } from './lz4-frame';
import { CompressionType, NO_TIMESTAMP, TimestampType } from './record-batch';

export const LEGACY_LOG_OVERHEAD = 12;
export const MESSAGE_V0_OVERHEAD = 14;
export const MESSAGE_V1_OVERHEAD = 22;
const CRC_OFFSET = 12;
const MAGIC_OFFSET = 16;
const ATTRIBUTES_OFFSET = 17;
const TIMESTAMP_OFFSET = 18;
const CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;

export type LegacyMagic = 0 | 1;

/** One (inner, i.e. uncompressed) message with its absolute offset. */
export interface LegacyMessage {
  offset: bigint;
  magic: LegacyMagic;
  /** ms since epoch; -1 for magic 0. For LogAppendTime wrappers: the wrapper's timestamp. */
  timestamp: bigint;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

export interface ReadMessageSetOptions {
  /** Check each entry's CRC-32 (default true). */
  verifyCrc?: boolean;
  /** Bound on each wrapper's inflated size (bytes). */
  maxDecompressedBytes?: number;
}

export interface MessageSetReadResult {
  messages: LegacyMessage[];
  /** Bytes of whole entries. */
  validBytes: number;
  /** True when the input ends in a cut entry (normal at the end of a fetch response). */
  partial: boolean;
}

function corrupt(message: string, pos = -1): ProtocolDecodeError {
  return new ProtocolDecodeError(message, pos, ErrorCode.CORRUPT_MESSAGE);
}

/** A shallow entry: the message fields, with `value` still compressed for wrappers. */
interface RawEntry {
  offset: bigint;
  size: number;
  magic: LegacyMagic;
  attributes: number;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

function readBytesField(buf: Buffer, pos: number, end: number, what: string): [Buffer | null, number] {
  if (end - pos < 4) throw corrupt(`message ${what} length truncated`, pos);
  const len = buf.readInt32BE(pos);
  pos += 4;
  if (len === -1) return [null, pos];
  if (len < 0 || len > end - pos) throw corrupt(`invalid message ${what} length ${len}`, pos - 4);
  return [buf.subarray(pos, pos + len), pos + len];
}

/** Parses the entry at `pos`; null if the input ends inside it. Throws CORRUPT_MESSAGE on bad bytes. */
function readEntry(buf: Buffer, pos: number, verifyCrc: boolean): RawEntry | null {
  const remaining = buf.length - pos;
  if (remaining < LEGACY_LOG_OVERHEAD) return null;
  const messageSize = buf.readInt32BE(pos + 8);
  if (messageSize < MESSAGE_V0_OVERHEAD) throw corrupt(`invalid message size ${messageSize}`, pos + 8);
  const size = LEGACY_LOG_OVERHEAD + messageSize;
  if (size > remaining) return null;
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== 0 && magic !== 1) throw corrupt(`invalid magic ${magic} in a legacy message set`, pos + MAGIC_OFFSET);
  if (magic === 1 && messageSize < MESSAGE_V1_OVERHEAD) throw corrupt(`invalid message size ${messageSize}`, pos + 8);
  const end = pos + size;
  if (verifyCrc && crc32(buf.subarray(pos + MAGIC_OFFSET, end)) !== buf.readUInt32BE(pos + CRC_OFFSET)) {
    throw corrupt('message CRC mismatch', pos + CRC_OFFSET);
  }
  const attributes = buf.readInt8(pos + ATTRIBUTES_OFFSET);
  const timestamp = magic === 1 ? buf.readBigInt64BE(pos + TIMESTAMP_OFFSET) : NO_TIMESTAMP;
  let p = pos + (magic === 1 ? TIMESTAMP_OFFSET + 8 : TIMESTAMP_OFFSET);
  const [key, afterKey] = readBytesField(buf, p, end, 'key');
  const [value, afterValue] = readBytesField(buf, afterKey, end, 'value');
  p = afterValue;
  if (p !== end) throw corrupt(`message size ${messageSize} does not match its fields`, pos + 8);
  return { offset: buf.readBigInt64BE(pos), size, magic, attributes, timestamp, key, value };
}

function timestampTypeOf(e: RawEntry): TimestampType {
  return e.magic === 1 && (e.attributes & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}

function legacyCodec(attributes: number): CompressionType {
  const codec = attributes & CODEC_MASK;
  if (codec > CompressionType.Lz4) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression codec ${codec} is not allowed in magic 0/1 messages`);
  }
  return codec as CompressionType;
}

function toMessage(e: RawEntry, offset: bigint, timestamp: bigint, timestampType: TimestampType): LegacyMessage {
  return { offset, magic: e.magic, timestamp, timestampType, key: e.key, value: e.value };
}

/** Expands a wrapper into its inner messages with absolute offsets (Kafka's DeepRecordsIterator). */
function expandWrapper(w: RawEntry, codec: CompressionType, opts: ReadMessageSetOptions, out: LegacyMessage[]): void {
  if (w.value === null) throw corrupt('compressed message has a null value');
  const inner = decompress(codec, w.value, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  const entries: RawEntry[] = [];
  for (let pos = 0; pos < inner.length; ) {
    const e = readEntry(inner, pos, opts.verifyCrc !== false);
    if (e === null) throw corrupt('truncated message inside a compressed message');
    if ((e.attributes & CODEC_MASK) !== 0) throw corrupt('nested compressed message');
    if (e.magic !== w.magic) throw corrupt(`inner magic ${e.magic} differs from wrapper magic ${w.magic}`);
    entries.push(e);
    pos += e.size;
  }
  if (entries.length === 0) throw corrupt('compressed message with no inner messages');
  const wrapperType = timestampTypeOf(w);
  const lastRelative = entries[entries.length - 1]!.offset;
  const base = w.magic === 1 ? w.offset - lastRelative : 0n;
  for (const e of entries) {
    const logAppend = wrapperType === TimestampType.LogAppendTime;
    out.push(toMessage(e, base + e.offset, logAppend ? w.timestamp : e.timestamp, logAppend ? wrapperType : timestampTypeOf(e)));
  }
}

/** Reads a message set deeply (wrappers expanded). Stops without error at a cut trailing entry. */
export function readMessageSet(buf: Buffer, opts: ReadMessageSetOptions = {}): MessageSetReadResult {
  const messages: LegacyMessage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const e = readEntry(buf, pos, opts.verifyCrc !== false);
    if (e === null) return { messages, validBytes: pos, partial: true };
    const codec = legacyCodec(e.attributes);
    if (codec === CompressionType.None) messages.push(toMessage(e, e.offset, e.timestamp, timestampTypeOf(e)));
    else expandWrapper(e, codec, opts, messages);
    pos += e.size;
  }
  return { messages, validBytes: pos, partial: false };
}

/** The codec of the first entry (what a legacy producer used), or None. */
export function messageSetCompression(buf: Buffer): CompressionType {
  if (buf.length <= ATTRIBUTES_OFFSET) return CompressionType.None;
  return legacyCodec(buf.readInt8(ATTRIBUTES_OFFSET));
}

export interface LegacyMessageInput {
  offset: bigint;
  /** ms since epoch (magic 1); ignored for magic 0. Default -1. */
  timestamp?: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

function messageSize(magic: LegacyMagic, key: Buffer | null, value: Buffer | null): number {
  return (magic === 1 ? MESSAGE_V1_OVERHEAD : MESSAGE_V0_OVERHEAD) + (key?.length ?? 0) + (value?.length ?? 0);
}

function writeEntry(
  buf: Buffer,
  pos: number,
  offset: bigint,
  magic: LegacyMagic,
  attributes: number,
  timestamp: bigint,
  key: Buffer | null,
  value: Buffer | null,
): number {
  const start = pos;
  buf.writeBigInt64BE(offset, pos);
  buf.writeInt32BE(messageSize(magic, key, value), pos + 8);
  buf.writeInt8(magic, pos + MAGIC_OFFSET);
  buf.writeInt8(attributes, pos + ATTRIBUTES_OFFSET);
  pos += TIMESTAMP_OFFSET;
  if (magic === 1) pos = buf.writeBigInt64BE(timestamp, pos);
  for (const field of [key, value]) {
    if (field === null) pos = buf.writeInt32BE(-1, pos);
    else {
      pos = buf.writeInt32BE(field.length, pos);
      pos += field.copy(buf, pos);
    }
  }
  buf.writeUInt32BE(crc32(buf.subarray(start + MAGIC_OFFSET, pos)), start + CRC_OFFSET);
  return pos;
}

function encodePlain(messages: readonly LegacyMessageInput[], magic: LegacyMagic, relative: boolean): Buffer {
  let size = 0;
  for (const m of messages) size += LEGACY_LOG_OVERHEAD + messageSize(magic, m.key, m.value);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  messages.forEach((m, i) => {
    pos = writeEntry(buf, pos, relative ? BigInt(i) : m.offset, magic, 0, m.timestamp ?? NO_TIMESTAMP, m.key, m.value);
  });
  return buf;
}

export interface BuildMessageSetOptions {
  magic: LegacyMagic;
  compression?: CompressionType;
  /** Magic 1 only. With LogAppendTime the wrapper (or each plain message) carries `logAppendTime`. */
  timestampType?: TimestampType;
  logAppendTime?: bigint;
}

/**
 * Encodes messages (absolute offsets, increasing) as a message set: plain entries when
 * uncompressed, else one wrapper (v0: absolute inner offsets, v1: relative; wrapper offset = last).
 */
export function buildMessageSet(messages: readonly LegacyMessageInput[], o: BuildMessageSetOptions): Buffer {
  const compression = o.compression ?? CompressionType.None;
  if (compression > CompressionType.Lz4) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression ${compression} needs magic 2`);
  }
  const logAppend = o.magic === 1 && o.timestampType === TimestampType.LogAppendTime;
  const typeBit = logAppend ? TIMESTAMP_TYPE_MASK : 0;
  if (compression === CompressionType.None) {
    if (!logAppend) return encodePlain(messages, o.magic, false);
    const ts = o.logAppendTime ?? NO_TIMESTAMP;
    let size = 0;
    for (const m of messages) size += LEGACY_LOG_OVERHEAD + messageSize(1, m.key, m.value);
    const buf = Buffer.allocUnsafe(size);
    let pos = 0;
    for (const m of messages) pos = writeEntry(buf, pos, m.offset, 1, typeBit, ts, m.key, m.value);
    return buf;
  }
  if (messages.length === 0) return Buffer.alloc(0);
  const inner = encodePlain(messages, o.magic, o.magic === 1);
  const value = compression === CompressionType.Lz4 ? lz4Compress(inner, o.magic === 0) : compress(compression, inner);
  let maxTs = NO_TIMESTAMP;
  for (const m of messages) if ((m.timestamp ?? NO_TIMESTAMP) > maxTs) maxTs = m.timestamp ?? NO_TIMESTAMP;
  const wrapperTs = logAppend ? (o.logAppendTime ?? NO_TIMESTAMP) : maxTs;
  const buf = Buffer.allocUnsafe(LEGACY_LOG_OVERHEAD + messageSize(o.magic, null, value));
  writeEntry(buf, 0, messages[messages.length - 1]!.offset, o.magic, compression | typeBit, wrapperTs, null, value);
  return buf;
}
