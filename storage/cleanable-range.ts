/**
 * Which part of a compacted log the cleaner may rewrite now, and whether it should (Kafka's
 * LogCleanerManager.cleanableOffsets, calculateCleanableBytes, maxCompactionDelay and the
 * filter of grabFilthiestCompactedLog).
 *
 * - The first dirty offset is the cleaner checkpoint, or the log start offset when there is
 *   none or it lies outside [log start, log end] (truncated or corrupted log).
 * - Nothing at or above the first uncleanable offset is cleaned: the minimum of the last
 *   stable offset (an open transaction is never compacted), the active segment's base,
 *   and (min.compaction.lag.ms > 0) the base of the first dirty segment whose largest
 *   timestamp is newer than now - min.compaction.lag.ms. The range ends at the start of the
 *   segment that holds that offset, so only whole segments below it are cleaned.
 * - The log is cleaned when the dirty bytes are more than min.cleanable.dirty.ratio of the
 *   clean + dirty bytes, or, regardless of the ratio, when some dirty segment's first batch
 *   is older than now - max.compaction.lag.ms (and there are dirty bytes to clean).
 * Offsets are log offsets; times are epoch milliseconds.
 */
import type { Log } from './log';
import type { LogSegment } from './log-segment';

export interface CleanableRange {
  /** Offsets below it were cleaned before. */
  firstDirtyOffset: bigint;
  /** The checkpoint was missing-but-needed or invalid and was replaced by the log start. */
  checkpointReset: boolean;
  /** Base offset of the first segment not cleaned; the next checkpoint after a clean. */
  firstUncleanableOffset: bigint;
  /** Segments below firstUncleanableOffset, oldest first. */
  segments: LogSegment[];
  /** Bytes of the segments below the first dirty offset. */
  cleanBytes: number;
  /** Bytes of the dirty segments below firstUncleanableOffset. */
  cleanableBytes: number;
  /** A dirty record is older than max.compaction.lag.ms. */
  needCompactionNow: boolean;
}

/** The checkpointed first dirty offset if it is inside [log start, log end], else the log start. */
export function validFirstDirtyOffset(log: Log, lastCleanOffset: bigint | undefined): { offset: bigint; reset: boolean } {
  const start = log.logStartOffset;
  const checkpoint = lastCleanOffset ?? start;
  if (checkpoint < start || checkpoint > log.logEndOffset) return { offset: start, reset: true };
  return { offset: checkpoint, reset: false };
}

/** Segments from the one containing `from` up to (not including) the active one (Kafka's nonActiveLogSegmentsFrom). */
function nonActiveSegmentsFrom(log: Log, from: bigint): LogSegment[] {
  const active = log.segments.active();
  if (from > active.baseOffset) return [];
  return log.segments.from(from).filter((s) => s !== active);
}

export async function cleanableRange(log: Log, lastCleanOffset: bigint | undefined, now: number): Promise<CleanableRange> {
  const { offset: firstDirtyOffset, reset } = validFirstDirtyOffset(log, lastCleanOffset);
  const all = log.segments.all();
  const active = log.segments.active();
  const dirtySegments = nonActiveSegmentsFrom(log, firstDirtyOffset);

  // Kafka's firstUncleanableDirtyOffset: the LSO (an open transaction is never compacted), the active segment, the lag
  const lso = log.lastStableOffset;
  let uncleanable = lso < active.baseOffset ? lso : active.baseOffset;
  const minLagMs = Math.max(log.config.minCompactionLagMs, 0);
  if (minLagMs > 0) {
    for (const s of dirtySegments) {
      if ((await s.largestTimestamp()) > now - minLagMs) {
        if (s.baseOffset < uncleanable) uncleanable = s.baseOffset;
        break;
      }
    }
  }
  if (uncleanable < firstDirtyOffset) uncleanable = firstDirtyOffset;
  const firstUncleanable = nonActiveSegmentsFrom(log, uncleanable)[0] ?? active;
  const firstUncleanableOffset = firstUncleanable.baseOffset;

  const segments = all.filter((s) => s.baseOffset < firstUncleanableOffset);
  const cleanBytes = all.filter((s) => s.baseOffset < firstDirtyOffset).reduce((n, s) => n + s.size, 0);
  const dirtyFrom = firstDirtyOffset < firstUncleanableOffset ? firstDirtyOffset : firstUncleanableOffset;
  const floorBase = log.segments.floor(dirtyFrom)?.baseOffset ?? dirtyFrom;
  const cleanableBytes = segments.filter((s) => s.baseOffset >= floorBase).reduce((n, s) => n + s.size, 0);

  return {
    firstDirtyOffset,
    checkpointReset: reset,
    firstUncleanableOffset,
    segments,
    cleanBytes,
    cleanableBytes,
    needCompactionNow: (await maxCompactionDelayMs(log, dirtySegments, now)) > 0,
  };
}

/** How long past max.compaction.lag.ms the oldest dirty first batch is (0 when none is). */
async function maxCompactionDelayMs(log: Log, dirtySegments: readonly LogSegment[], now: number): Promise<number> {
  let earliest = Number.MAX_SAFE_INTEGER;
  for (const s of dirtySegments) {
    await s.ensureLoaded();
    const first = s.rollingBasedTimestamp;
    if (first !== null && first > 0n && Number(first) < earliest) earliest = Number(first);
  }
  const cleanUntil = now - Math.max(log.config.maxCompactionLagMs, 0);
  return earliest < cleanUntil ? cleanUntil - earliest : 0;
}

/** Whether the range should be cleaned now (Kafka skips empty logs and compares the ratio strictly). */
export function shouldClean(r: CleanableRange, minCleanableDirtyRatio: number): boolean {
  const total = r.cleanBytes + r.cleanableBytes;
  if (total <= 0) return false;
  return (r.needCompactionNow && r.cleanableBytes > 0) || r.cleanableBytes / total > minCleanableDirtyRatio;
}
