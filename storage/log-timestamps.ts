/** Timestamp lookups of a Log (ListOffsets by time, and -3 max timestamp). */
import { readRecords } from '../protocol/records/record';
import { RecordBatchView } from '../protocol/records/record-batch';
import { walkHeaders, StoredBatch } from './batch-scan';
import type { Log } from './log';
import { LogSegment } from './log-segment';

export interface TimestampAndOffset {
  offset: bigint;
  timestamp: bigint;
  /** Leader epoch of the batch holding the record, -1 if unknown. */
  leaderEpoch: number;
}

function segEndOf(log: Log, seg: LogSegment): number {
  const end = log.visibleEnd;
  return seg === end.segment ? end.position : seg.size;
}

/**
 * Walks batch headers of `seg` from `startPos` to the first batch matching `batchMatch`, then
 * returns its first record matching `recordMatch`. With `lastOffsetFallback`, a batch whose
 * records do not match (e.g. emptied by compaction) answers with its last offset.
 */
async function findRecord(
  log: Log,
  seg: LogSegment,
  startPos: number,
  batchMatch: (b: StoredBatch) => boolean,
  recordMatch: (timestamp: bigint, offset: bigint) => boolean,
  lastOffsetFallback = false,
): Promise<TimestampAndOffset | null> {
  let hit: StoredBatch | null = null;
  await walkHeaders(seg.log, startPos, segEndOf(log, seg), (b) => {
    if (!batchMatch(b)) return false;
    hit = b;
    return true;
  });
  if (!hit) return null;
  const b = hit as StoredBatch;
  const leaderEpoch = b.leaderEpoch >= 0 ? b.leaderEpoch : -1;
  const batch = await seg.log.read(b.position, b.size);
  for (const r of readRecords(new RecordBatchView(batch))) {
    if (recordMatch(r.timestamp, r.offset)) return { offset: r.offset, timestamp: r.timestamp, leaderEpoch };
  }
  return lastOffsetFallback ? { offset: b.lastOffset, timestamp: b.maxTimestamp, leaderEpoch } : null;
}

/** First record with timestamp >= ts and offset >= the log start, in the first segment whose largest timestamp >= ts. */
export async function offsetForTimestampIn(log: Log, ts: bigint): Promise<TimestampAndOffset | null> {
  for (const seg of [...log.segments.all()]) {
    await seg.ensureLoaded();
    if (seg.maxTimestampSoFar < ts) continue;
    const fromOffset = seg.timeIndex.lookup(ts).offset;
    const startPos = seg.offsetIndex.lookup(fromOffset).position;
    const startOffset = log.logStartOffset;
    return findRecord(log, seg, startPos, (b) => b.maxTimestamp >= ts && b.lastOffset >= startOffset, (t, o) => t >= ts && o >= startOffset);
  }
  return null;
}

/** The record with the largest timestamp (first such record), or null for an empty log. */
export async function maxTimestampIn(log: Log): Promise<TimestampAndOffset | null> {
  let best: LogSegment | null = null;
  for (const seg of [...log.segments.all()]) {
    await seg.ensureLoaded();
    if (seg.size > 0 && (!best || seg.maxTimestampSoFar > best.maxTimestampSoFar)) best = seg;
  }
  if (!best || best.maxTimestampSoFar < 0n) return null;
  const seg = best;
  const target = seg.maxTimestampSoFar;
  const startPos = seg.offsetIndex.lookup(seg.offsetOfMaxTimestampSoFar).position;
  return findRecord(log, seg, startPos, (b) => b.maxTimestamp === target, (t) => t === target, true);
}
