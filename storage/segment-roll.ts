/**
 * When the active segment rolls by time (Kafka's LogConfig.maxSegmentMs): after segment.ms,
 * or for a compacted log after max.compaction.lag.ms when that is shorter, so records older
 * than the max lag leave the active segment, which the cleaner never touches. Milliseconds.
 */
import type { LogConfig } from './log-config';

export function maxSegmentMs(c: LogConfig): number {
  if (c.cleanupPolicy.compact && c.maxCompactionLagMs > 0) return Math.min(c.maxCompactionLagMs, c.segmentMs);
  return c.segmentMs;
}
