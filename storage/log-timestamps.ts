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

/** First record with timestamp >= ts and offset >= the log start, in the first segment whose largest timestamp >= ts. */
export async function offsetForTimestampIn(log: Log, ts: bigint): Promise<TimestampAndOffset | null> {
  for (const seg of [...log.segments.all()]) {
    await seg.ensureLoaded();
    if (seg.maxTimestampSoFar < ts) continue;
    const segEnd = segEndOf(log, seg);
    const fromOffset = seg.timeIndex.lookup(ts).offset;
    const startPos = seg.offsetIndex.lookup(fromOffset).position;
    let hit: StoredBatch | null = null;
    const startOffset = log.logStartOffset;
    await walkHeaders(seg.log, startPos, segEnd, (b) => {
      if (b.maxTimestamp >= ts && b.lastOffset >= startOffset) {
        hit = b;
        return true;
      }
      return false;
    });
    if (!hit) return null;
    const b = hit as StoredBatch;
    const batch = await seg.log.read(b.position, b.size);
    for (const r of readRecords(new RecordBatchView(batch))) {
      if (r.timestamp >= ts && r.offset >= startOffset) return { offset: r.offset, timestamp: r.timestamp, leaderEpoch: b.leaderEpoch >= 0 ? b.leaderEpoch : -1 };
    }
    return null;
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
  let hit: StoredBatch | null = null;
  await walkHeaders(seg.log, startPos, segEndOf(log, seg), (b) => {
    if (b.maxTimestamp === target) {
      hit = b;
      return true;
    }
    return false;
  });
  if (!hit) return null;
  const b = hit as StoredBatch;
  const batch = await seg.log.read(b.position, b.size);
  for (const r of readRecords(new RecordBatchView(batch))) {
    if (r.timestamp === target) return { offset: r.offset, timestamp: target, leaderEpoch: b.leaderEpoch >= 0 ? b.leaderEpoch : -1 };
  }
  return { offset: b.lastOffset, timestamp: target, leaderEpoch: b.leaderEpoch >= 0 ? b.leaderEpoch : -1 };
}
