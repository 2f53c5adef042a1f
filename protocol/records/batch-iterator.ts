/**
 * Shallow walk over concatenated record batches (or legacy message-set entries) in one Buffer.
 *
 * Only the first 17 bytes of each entry are read: baseOffset int64 @0, batchLength int32 @8
 * (bytes after that field), magic int8 @16. Entries are returned as subarrays (no copy), and
 * nothing is allocated from a length read off the wire. Never throws on bad bytes: the walk
 * stops and reports why and where (Kafka's ByteBufferLogInputStream rules).
 */
import { LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V0, MAGIC_V1, MAGIC_V2, RECORD_BATCH_OVERHEAD, RecordBatchView } from './record-batch';

/** Bytes needed to read baseOffset, batchLength, partitionLeaderEpoch/crc and magic. */
export const HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;
/** Smallest legal entry for each magic: v0 = 12 + 14, v1 = 12 + 22, v2 = 61. */
export const MIN_ENTRY_SIZE: readonly [number, number, number] = [LOG_OVERHEAD + 14, LOG_OVERHEAD + 22, RECORD_BATCH_OVERHEAD];

export type BatchStopReason =
  /** Every byte was consumed by whole entries. */
  | 'end'
  /** A trailing entry is cut short (normal at the end of a fetch response). */
  | 'partial'
  /** batchLength is negative or smaller than the minimum size for the entry's magic. */
  | 'corrupt-length'
  /** magic is not 0, 1 or 2. */
  | 'unknown-magic';

export interface BatchStop {
  reason: BatchStopReason;
  /** Byte position in the input where the walk stopped (= validBytes). */
  position: number;
  /** For 'partial': the declared total size of the cut entry, when its length field was readable (else -1). */
  declaredSize: number;
  /** For 'unknown-magic'/'corrupt-length': the magic byte read (else -1). */
  magic: number;
}

export interface BatchEntry {
  /** Byte position of the entry in the walked buffer. */
  position: number;
  /** Total size in bytes (batchLength + 12). */
  size: number;
  magic: number;
  /** The entry's bytes (a subarray of the input). */
  buf: Buffer;
  /** A view for magic-2 batches; null for legacy (magic 0/1) entries. */
  view: RecordBatchView | null;
}

export interface BatchWalkOptions {
  /** Accept legacy magic 0/1 entries (default false: they stop the walk as 'unknown-magic'). */
  allowLegacy?: boolean;
}

/**
 * Iterates entries; after iteration `stop` says why it ended. Single pass.
 */
export class BatchIterator implements IterableIterator<BatchEntry> {
  private pos: number;
  private done = false;
  stop: BatchStop | null = null;

  constructor(
    private readonly input: Buffer,
    private readonly opts: BatchWalkOptions = {},
    start = 0,
  ) {
    this.pos = start;
  }

  [Symbol.iterator](): IterableIterator<BatchEntry> {
    return this;
  }

  next(): IteratorResult<BatchEntry, undefined> {
    if (this.done) return { done: true, value: undefined };
    const entry = this.step();
    if (entry === null) {
      this.done = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: entry };
  }

  private finish(reason: BatchStopReason, declaredSize = -1, magic = -1): null {
    this.stop = { reason, position: this.pos, declaredSize, magic };
    return null;
  }

  private step(): BatchEntry | null {
    const buf = this.input;
    const remaining = buf.length - this.pos;
    if (remaining === 0) return this.finish('end');
    if (remaining < LOG_OVERHEAD) return this.finish('partial');
    const batchLength = buf.readInt32BE(this.pos + 8);
    const size = batchLength + LOG_OVERHEAD; // at most 2^31 + 11: exact in a double
    if (batchLength < 0) return this.finish('corrupt-length', size);
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
      return size < HEADER_SIZE_UP_TO_MAGIC ? this.finish('corrupt-length', size) : this.finish('partial', size);
    }
    const magic = buf.readInt8(this.pos + MAGIC_OFFSET);
    const legacy = magic === MAGIC_V0 || magic === MAGIC_V1;
    if (magic !== MAGIC_V2 && !(legacy && this.opts.allowLegacy === true)) return this.finish('unknown-magic', size, magic);
    const minSize = MIN_ENTRY_SIZE[magic as 0 | 1 | 2];
    if (size < minSize) return this.finish('corrupt-length', size, magic);
    if (size > remaining) return this.finish('partial', size);
    const position = this.pos;
    const entryBuf = buf.subarray(position, position + size);
    this.pos += size;
    return { position, size, magic, buf: entryBuf, view: magic === MAGIC_V2 ? new RecordBatchView(entryBuf) : null };
  }
}

export interface BatchWalkResult {
  batches: BatchEntry[];
  /** Bytes covered by whole entries, from the walk's start. */
  validBytes: number;
  stop: BatchStop;
}

/** Walks all of `buf` and collects the whole entries plus the stop reason. */
export function walkBatches(buf: Buffer, opts: BatchWalkOptions = {}): BatchWalkResult {
  const it = new BatchIterator(buf, opts);
  const batches: BatchEntry[] = [];
  for (const b of it) batches.push(b);
  const stop = it.stop ?? { reason: 'end', position: buf.length, declaredSize: -1, magic: -1 };
  return { batches, validBytes: stop.position, stop };
}

/** Shorthand for iterating magic-2 batches: `for (const b of iterateBatches(buf))`. */
export function iterateBatches(buf: Buffer, opts: BatchWalkOptions = {}): BatchIterator {
  return new BatchIterator(buf, opts);
}
