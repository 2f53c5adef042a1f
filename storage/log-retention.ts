/**
 * Retention of one log (Kafka's UnifiedLog.deleteOldSegments): deletes whole segments from
 * the oldest, never the active one, and (for time/size) only segments wholly below the high
 * watermark:
 * - Case A, log start: segments whose every offset is below the log start offset (always).
 * - Case B, time (cleanup.policy has delete, retention.ms >= 0): largest timestamp older than retention.ms.
 * - Case C, size (cleanup.policy has delete, retention.bytes >= 0): while the log minus the
 *   segment still holds at least retention.bytes.
 */
import type { Log } from './log';
import { deleteOldestSegments } from './log-truncation';

export function applyRetention(log: Log, now: number): Promise<number> {
  return log.exclusive(async () => {
    let n = await deleteOldestSegments(log, () => true, 'log-start');
    const c = log.config;
    if (!c.cleanupPolicy.delete) return n;
    if (c.retentionMs >= 0) {
      n += await deleteOldestSegments(log, async (s) => now - (await s.largestTimestamp()) > c.retentionMs, 'retention');
    }
    if (c.retentionBytes >= 0) {
      let diff = log.size() - c.retentionBytes;
      n += await deleteOldestSegments(log, (s) => {
        if (diff - s.size >= 0) {
          diff -= s.size;
          return true;
        }
        return false;
      }, 'retention');
    }
    return n;
  });
}
