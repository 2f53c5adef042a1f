/**
 * Zero-copy view over one magic-2 record batch (Kafka's DefaultRecordBatch layout).
 *
 * Layout (big-endian, byte offsets from the start of the batch):
 *   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8
 *   17 crc uint32 | 21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64
 *   35 maxTimestamp int64 | 43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32
 *   57 recordsCount int32 | 61 records...
 * The CRC-32C covers bytes [21, end). baseOffset, batchLength, partitionLeaderEpoch and magic are
 * outside it, so setBaseOffset/setPartitionLeaderEpoch patch in place without a CRC recompute.
 */
import { crc32c } from './crc32c';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Size of the fixed header; also the size of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: bytes before what batchLength counts. */
export const LOG_OVERHEAD = 12;
/** Where the CRC-covered region starts. */
export const CRC_START_OFFSET = ATTRIBUTES_OFFSET;

export const MAGIC_V0 = 0;
export const MAGIC_V1 = 1;
export const MAGIC_V2 = 2;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1n;

export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Attribute bits (int16). */
export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Compression codec id in bits 0-2 (may be an unknown id 5-7 on corrupt input). */
export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}
export function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}
export function isTransactionalAttr(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}
export function isControlAttr(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}
export function hasDeleteHorizonAttr(attributes: number): boolean {
  return (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
}

export interface BatchAttributes {
  compression?: CompressionType;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  hasDeleteHorizon?: boolean;
}

/** Builds the int16 attributes value from its parts. */
export function makeAttributes(a: BatchAttributes): number {
  let v = (a.compression ?? CompressionType.None) & COMPRESSION_CODEC_MASK;
  if (a.timestampType === TimestampType.LogAppendTime) v |= TIMESTAMP_TYPE_MASK;
  if (a.isTransactional) v |= TRANSACTIONAL_FLAG_MASK;
  if (a.isControl) v |= CONTROL_FLAG_MASK;
  if (a.hasDeleteHorizon) v |= DELETE_HORIZON_FLAG_MASK;
  return v;
}

/**
 * A view over exactly one batch. The constructor only requires `buf.length >= 61`
 * (throws RangeError otherwise, a programming error: use batch-iterator.ts to split untrusted
 * bytes first). Getters read at fixed offsets; nothing is copied.
 */
export class RecordBatchView {
  constructor(readonly buf: Buffer) {
    if (buf.length < RECORD_BATCH_OVERHEAD) {
      throw new RangeError(`record batch needs at least ${RECORD_BATCH_OVERHEAD} bytes, got ${buf.length}`);
    }
  }

  get baseOffset(): bigint {
    return this.buf.readBigInt64BE(BASE_OFFSET_OFFSET);
  }
  /** Bytes after the batchLength field; the whole batch is batchLength + 12. */
  get batchLength(): number {
    return this.buf.readInt32BE(BATCH_LENGTH_OFFSET);
  }
  /** Total size declared by the header (batchLength + 12). */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET);
  }
  get magic(): number {
    return this.buf.readInt8(MAGIC_OFFSET);
  }
  /** Stored CRC-32C, unsigned. */
  get crc(): number {
    return this.buf.readUInt32BE(CRC_OFFSET);
  }
  get attributes(): number {
    return this.buf.readInt16BE(ATTRIBUTES_OFFSET);
  }
  get compression(): CompressionType {
    return compressionOf(this.attributes) as CompressionType;
  }
  get timestampType(): TimestampType {
    return timestampTypeOf(this.attributes);
  }
  get isTransactional(): boolean {
    return isTransactionalAttr(this.attributes);
  }
  get isControl(): boolean {
    return isControlAttr(this.attributes);
  }
  get hasDeleteHorizon(): boolean {
    return hasDeleteHorizonAttr(this.attributes);
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
  }
  /** ms since epoch; holds the delete horizon instead when hasDeleteHorizon. */
  get baseTimestamp(): bigint {
    return this.buf.readBigInt64BE(BASE_TIMESTAMP_OFFSET);
  }
  /** ms since epoch. */
  get maxTimestamp(): bigint {
    return this.buf.readBigInt64BE(MAX_TIMESTAMP_OFFSET);
  }
  get producerId(): bigint {
    return this.buf.readBigInt64BE(PRODUCER_ID_OFFSET);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(PRODUCER_EPOCH_OFFSET);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(BASE_SEQUENCE_OFFSET);
  }
  /** Sequence of the last record, wrapping at int32 max like Kafka's DefaultRecordBatch. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    const delta = this.lastOffsetDelta;
    return base > 0x7fffffff - delta ? delta - (0x7fffffff - base) - 1 : base + delta;
  }
  get recordCount(): number {
    return this.buf.readInt32BE(RECORDS_COUNT_OFFSET);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  get nextOffset(): bigint {
    return this.lastOffset + 1n;
  }
  /** The (possibly compressed) records section, a subarray (no copy). */
  get recordsData(): Buffer {
    return this.buf.subarray(RECORDS_OFFSET, Math.min(this.buf.length, this.sizeInBytes));
  }

  /** CRC-32C computed over attributes .. end of the batch as declared by batchLength. */
  computeCrc(): number {
    const end = Math.min(this.buf.length, this.sizeInBytes);
    return crc32c(this.buf.subarray(CRC_START_OFFSET, end));
  }

  /** True when the buffer holds the whole declared batch and its CRC-32C matches. */
  isValidCrc(): boolean {
    const size = this.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD || size > this.buf.length) return false;
    return this.computeCrc() === this.crc;
  }

  /** Outside the CRC: no recompute. */
  setBaseOffset(offset: bigint): void {
    this.buf.writeBigInt64BE(offset, BASE_OFFSET_OFFSET);
  }
  /** Sets baseOffset so that lastOffset becomes `offset` (outside the CRC). */
  setLastOffset(offset: bigint): void {
    this.setBaseOffset(offset - BigInt(this.lastOffsetDelta));
  }
  /** Outside the CRC: no recompute. */
  setPartitionLeaderEpoch(epoch: number): void {
    this.buf.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET);
  }

  /**
   * Sets maxTimestamp and the timestamp-type bit (both inside the CRC) and rewrites the CRC.
   * Skips all writes when nothing changes (Kafka's DefaultRecordBatch.setMaxTimestamp).
   * Used for LogAppendTime topics: setMaxTimestampAndType(now, TimestampType.LogAppendTime).
   */
  setMaxTimestampAndType(maxTimestamp: bigint, timestampType: TimestampType): void {
    if (this.maxTimestamp === maxTimestamp && this.timestampType === timestampType) return;
    this.buf.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP_OFFSET);
    const attrs = this.attributes & ~TIMESTAMP_TYPE_MASK;
    const typeBit = timestampType === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_MASK : 0;
    this.buf.writeInt16BE(attrs | typeBit, ATTRIBUTES_OFFSET);
    this.updateCrc();
  }

  /** Recomputes and stores the CRC after an in-place edit of CRC-covered bytes. */
  updateCrc(): void {
    this.buf.writeUInt32BE(this.computeCrc(), CRC_OFFSET);
  }
}
