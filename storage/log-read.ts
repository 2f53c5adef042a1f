/**
 * Log.read: offset -> segment (floor) -> position (read hint, or offset index + header scan)
 * -> one positional read of whole batches.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../protocol/records/record-batch';
import type { Log } from './log';
import { LogSegment } from './log-segment';
import type { AbortedTxn } from './producer-state/transaction-index';
import { FetchDataInfo } from './types';

export interface ReadOptions {
  /** Exclusive upper bound: only batches whose last offset is below it are returned (e.g. the high watermark). */
  maxOffset?: bigint;
  /** Return the first batch whole even when it is larger than maxBytes (KIP-74). */
  minOneBatch: boolean;
}

const EMPTY: FetchDataInfo = Object.freeze({ records: Buffer.alloc(0) }) as FetchDataInfo;

function outOfRange(log: Log, offset: bigint): KafkaError {
  return new KafkaError(
    ErrorCode.OFFSET_OUT_OF_RANGE,
    `offset ${offset} is out of range [${log.logStartOffset}, ${log.logEndOffset}] for ${log.topicPartition.topic}-${log.topicPartition.partition}`,
  );
}

export async function readFromLog(log: Log, offset: bigint, maxBytes: number, opts: ReadOptions): Promise<FetchDataInfo> {
  const end = log.visibleEnd;
  if (offset < log.logStartOffset || offset > end.offset) throw outOfRange(log, offset);
  const limit = opts.maxOffset !== undefined && opts.maxOffset < end.offset ? opts.maxOffset : end.offset;
  if (offset >= limit) return EMPTY;
  let seg: LogSegment | undefined = log.segments.floor(offset);
  let target = offset;
  try {
    while (seg) {
      const segEnd = seg === end.segment ? end.position : seg.size;
      let start: number | null = null;
      const hint = log.readHint;
      if (hint && hint.segment === seg && hint.offset === target && hint.position <= segEnd) start = hint.position;
      else {
        const b = await seg.translateOffset(target, segEnd);
        if (b) start = b.position;
      }
      if (start !== null && start < segEnd) {
        const r = await readWholeBatches(seg, start, segEnd, maxBytes, limit, opts.minOneBatch);
        if (r.bytes.length > 0) {
          log.readHint = { segment: seg, offset: r.nextOffset, position: start + r.bytes.length };
          return { records: r.bytes, nextOffset: r.nextOffset };
        }
        return EMPTY;
      }
      seg = log.segments.next(seg);
      if (!seg || seg.baseOffset >= limit) break;
      target = seg.baseOffset;
    }
  } catch (e) {
    // a concurrent retention/truncation removed the segment file under us
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw outOfRange(log, offset);
    throw e;
  }
  return EMPTY;
}

/**
 * Reads batches from `start`: as many whole batches as fit in maxBytes (at least the first
 * when minOneBatch), stopping before any batch whose last offset reaches `limit`.
 */
async function readWholeBatches(
  seg: LogSegment,
  start: number,
  segEnd: number,
  maxBytes: number,
  limit: bigint,
  minOneBatch: boolean,
): Promise<{ bytes: Buffer; nextOffset: bigint }> {
  const avail = segEnd - start;
  let len = Math.min(avail, Math.max(0, maxBytes));
  if (len < RECORD_BATCH_OVERHEAD) {
    if (!minOneBatch) return { bytes: EMPTY.records, nextOffset: -1n };
    len = Math.min(avail, RECORD_BATCH_OVERHEAD);
  }
  let buf = await seg.log.read(start, len);
  let at = 0;
  let nextOffset = -1n;
  while (at + RECORD_BATCH_OVERHEAD <= buf.length) {
    const size = buf.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    const last = buf.readBigInt64BE(at) + BigInt(buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET));
    if (size < RECORD_BATCH_OVERHEAD || last >= limit) break;
    if (at + size > buf.length) {
      if (at === 0 && minOneBatch && size <= avail) {
        buf = await seg.log.read(start, size);
        if (buf.length === size) {
          at = size;
          nextOffset = last + 1n;
        }
      }
      break;
    }
    at += size;
    nextOffset = last + 1n;
  }
  return { bytes: at === buf.length ? buf : buf.subarray(0, at), nextOffset };
}

/**
 * The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's
 * LocalLog.collectAbortedTransactions): the txn indexes of the segment holding fetchOffset and
 * the later ones, until an entry's LSO reaches the upper bound (a transaction aborted after that
 * started at or above it).
 */
export function collectAbortedTransactions(log: Log, fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  let seg: LogSegment | undefined = log.segments.floor(fetchOffset);
  while (seg) {
    const r = seg.collectAbortedTxns(fetchOffset, upperBoundOffset);
    for (const t of r.aborted) out.push(t);
    if (r.isComplete) break;
    seg = log.segments.next(seg);
  }
  return out;
}
