/**
 * Walking batch headers stored in a .log file (Kafka's FileLogInputStream), without
 * materializing batches: header-only walks for offset lookups and full walks (with CRC) for
 * recovery.
 */
import {
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
} from '../protocol/records/record-batch';

import { FileRecords } from './file-records';

/** Header fields of one stored batch. */
export interface StoredBatch {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  leaderEpoch: number;
}

export function headerAt(buf: Buffer, at: number, position: number): StoredBatch {
  const baseOffset = buf.readBigInt64BE(at);
  return {
    position,
    size: buf.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD,
    baseOffset,
    lastOffset: baseOffset + BigInt(buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET)),
    maxTimestamp: buf.readBigInt64BE(at + MAX_TIMESTAMP_OFFSET),
    leaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET),
  };
}

const HEADER_CHUNK = 8192;

/**
 * Visits batch headers from `start` until `end` (exclusive) or until `visit` returns true;
 * `visit` also gets the chunk holding the header at `at` (reused: copy what must outlive the call).
 * Reads 8 KiB chunks and hops over batch bodies. Stops silently at a header that is cut
 * short or declares an impossible size (recovery has already validated the file).
 * Returns the position where it stopped.
 */
export async function walkHeaders(
  fr: FileRecords,
  start: number,
  end: number,
  visit: (b: StoredBatch, chunk: Buffer, at: number) => boolean | void,
): Promise<number> {
  let pos = start;
  const chunk = Buffer.allocUnsafe(HEADER_CHUNK);
  while (pos + RECORD_BATCH_OVERHEAD <= end) {
    const want = Math.min(HEADER_CHUNK, end - pos);
    const n = await fr.readInto(chunk, pos, want);
    let at = 0;
    let advanced = false;
    while (at + RECORD_BATCH_OVERHEAD <= n) {
      const b = headerAt(chunk, at, pos + at);
      if (b.size < RECORD_BATCH_OVERHEAD || b.position + b.size > end) return b.position;
      advanced = true;
      if (visit(b, chunk, at)) return b.position;
      at += b.size;
    }
    if (!advanced) return pos;
    pos += at;
  }
  return pos;
}

/** First batch at or after `start` whose last offset >= target, or null. */
export async function searchForOffset(fr: FileRecords, target: bigint, start: number, end: number): Promise<StoredBatch | null> {
  let found: StoredBatch | null = null;
  await walkHeaders(fr, start, end, (b) => {
    if (b.lastOffset >= target) {
      found = b;
      return true;
    }
    return false;
  });
  return found;
}

export type InvalidReason = 'none' | 'short' | 'bad-size' | 'bad-magic' | 'bad-crc' | 'bad-offset';

/** Read size of the recovery walk (bytes); bounded so parallel recoveries stay small in memory. */
const FULL_CHUNK = 1024 * 1024;

/**
 * Recovery walk: validates each whole batch from `start` (size, magic 2, CRC-32C,
 * offsets increasing from `expectedBase`) and calls `visit` for each valid one. Returns the
 * byte length of the valid prefix and why it stopped.
 */
export async function validateFile(
  fr: FileRecords,
  fileSize: number,
  expectedBase: bigint,
  maxBatchSize: number,
  visit: (b: StoredBatch, view: RecordBatchView) => void,
  start = 0,
): Promise<{ validBytes: number; reason: InvalidReason }> {
  let pos = start;
  let next = expectedBase;
  let chunk = Buffer.allocUnsafe(Math.min(FULL_CHUNK, Math.max(fileSize, RECORD_BATCH_OVERHEAD)));
  let chunkPos = 0;
  let chunkLen = 0;
  while (pos < fileSize) {
    if (fileSize - pos < RECORD_BATCH_OVERHEAD) return { validBytes: pos, reason: 'short' };
    if (pos + RECORD_BATCH_OVERHEAD > chunkPos + chunkLen) {
      chunkPos = pos;
      chunkLen = await fr.readInto(chunk, pos, Math.min(chunk.length, fileSize - pos));
      if (chunkLen < RECORD_BATCH_OVERHEAD) return { validBytes: pos, reason: 'short' };
    }
    const size = chunk.readInt32BE(pos - chunkPos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || size > maxBatchSize) return { validBytes: pos, reason: 'bad-size' };
    if (pos + size > fileSize) return { validBytes: pos, reason: 'short' };
    if (pos + size > chunkPos + chunkLen) {
      if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
      chunkPos = pos;
      chunkLen = await fr.readInto(chunk, pos, Math.min(chunk.length, fileSize - pos));
      if (chunkLen < size) return { validBytes: pos, reason: 'short' };
    }
    const at = pos - chunkPos;
    const view = new RecordBatchView(chunk.subarray(at, at + size));
    if (chunk[at + MAGIC_OFFSET] !== MAGIC_V2) return { validBytes: pos, reason: 'bad-magic' };
    if (!view.isValidCrc()) return { validBytes: pos, reason: 'bad-crc' };
    const b = headerAt(chunk, at, pos);
    if (b.baseOffset < next || b.lastOffset < b.baseOffset) return { validBytes: pos, reason: 'bad-offset' };
    visit(b, view);
    next = b.lastOffset + 1n;
    pos += size;
  }
  return { validBytes: pos, reason: 'none' };
}
