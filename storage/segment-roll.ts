/**
 * When the active segment rolls by time (Kafka's LogConfig.maxSegmentMs): after segment.ms,
 * or for a compacted log after max.compaction.lag.ms when that is shorter, so records older
 * than the max lag leave the active segment, which the cleaner never touches. Milliseconds.
 * The active segment rolls `randomSegmentJitterMs` before that.
 */
import type { LogConfig } from './log-config';

export function maxSegmentMs(c: LogConfig): number {
  if (c.cleanupPolicy.compact && c.maxCompactionLagMs > 0) return Math.min(c.maxCompactionLagMs, c.segmentMs);
  return c.segmentMs;
}

/**
 * The random head start of one segment's time-based roll (Kafka's LogConfig.randomSegmentJitter):
 * uniform in [0, min(segment.jitter.ms, segment.ms)), 0 when no jitter is set. Drawn once per
 * segment, when it becomes the active one. Milliseconds.
 */
export function randomSegmentJitterMs(c: LogConfig, random: () => number = Math.random): number {
  const bound = Math.min(c.segmentJitterMs, c.segmentMs);
  return bound > 0 ? Math.floor(random() * bound) : 0;
}
