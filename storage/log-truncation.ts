/**
 * Structural removals of a Log: follower truncation, full truncation, and deletion of the
 * oldest segments (log start, retention). Every function here must run under
 * Log.exclusive() (write queue drained, no other structural change in progress).
 */
import { fsRemoveLater } from './log-delete';
import { rebuildProducerState } from './log-producer-state';
import type { Log } from './log';
import { LogSegment } from './log-segment';

/** Renames segments to `.deleted` and unlinks them (closing their fds) after file.delete.delay.ms. */
export async function deleteSegmentFiles(log: Log, segs: readonly LogSegment[]): Promise<void> {
  for (const s of segs) {
    const files = await s.renameToDeleted();
    fsRemoveLater(log.clock, files, log.config.fileDeleteDelayMs, () => s.log.close());
  }
}

/** Removes every batch whose last offset >= offset; the log end becomes that batch's base (or offset). */
export async function truncateLogTo(log: Log, offset: bigint): Promise<void> {
  if (offset >= log.logEndOffset) return;
  log.syncMapEnd(); // the table covers the whole log before it is cut
  if (offset < log.logStartOffset || offset <= log.segments.first()!.baseOffset) {
    await truncateLogFully(log, offset);
    return;
  }
  const doomed = log.segments.all().filter((s) => s.baseOffset > offset);
  for (const s of doomed) log.segments.remove(s);
  await deleteSegmentFiles(log, doomed);
  const seg = log.segments.active();
  const r = await seg.truncateTo(offset);
  const leo = r.removedBaseOffset !== null && r.removedBaseOffset < offset ? r.removedBaseOffset : offset;
  log.resetEnd(leo, seg);
  // The on-disk index must not keep entries past the cut: recovery trusts persisted entries
  // below the recovery point (LogSegment.recover).
  await seg.offsetIndex.persist({ trim: false, sync: true });
  await seg.timeIndex.persist({ trim: false, sync: true });
  if (log.epochCache.truncateFromEnd(leo)) await log.epochCache.persist();
  if (log.highWatermark > leo) log.highWatermark = leo;
  // the segment's txn index was cut with it; the producer table is reloaded from a snapshot at
  // or below the new end and the rest replayed (Kafka's truncateTo -> rebuildProducerState)
  await rebuildProducerState(log.segments, log.producerState, { logStartOffset: log.logStartOffset, lastOffset: leo, cleanShutdown: false, nowMs: log.clock.now(), reindex: false });
  if (log.recoveryPoint > leo) {
    log.recoveryPoint = leo;
    await log.onRecoveryPointLowered?.();
  }
}

/** Deletes every segment and restarts the log empty at `offset` (log start = end = offset). */
export async function truncateLogFully(log: Log, offset: bigint): Promise<void> {
  const doomed = [...log.segments.all()];
  log.segments.clear();
  await deleteSegmentFiles(log, doomed);
  const seg = new LogSegment(log.dir, offset, log.segmentSettings(), 0, log.clock.now(), true);
  await seg.log.open();
  log.segments.add(seg);
  log.resetEnd(offset, seg, offset);
  log.epochCache.clear();
  await log.epochCache.persist();
  log.producerState.truncateFully(offset);
  const lowered = log.recoveryPoint !== offset;
  log.recoveryPoint = offset;
  log.highWatermark = offset;
  if (lowered) await log.onRecoveryPointLowered?.();
}

/**
 * Deletes the oldest segments while `pred` holds; never the active segment. Reason
 * 'log-start': only segments wholly below the log start offset. Reason 'retention': only
 * segments wholly below the high watermark. Returns the number deleted.
 */
export async function deleteOldestSegments(
  log: Log,
  pred: (seg: LogSegment) => boolean | Promise<boolean>,
  reason: 'log-start' | 'retention',
): Promise<number> {
  const doomed: LogSegment[] = [];
  const all = log.segments.all();
  for (let i = 0; i < all.length - 1; i++) {
    const seg = all[i]!;
    const next = all[i + 1]!;
    if (reason === 'log-start' ? next.baseOffset > log.logStartOffset : next.baseOffset > log.highWatermark) break;
    if (!(await pred(seg))) break;
    doomed.push(seg);
  }
  if (doomed.length === 0) return 0;
  for (const s of doomed) log.segments.remove(s);
  const first = log.segments.first()!;
  if (first.baseOffset > log.logStartOffset) {
    log.setLogStartOffset(first.baseOffset);
    if (log.epochCache.truncateFromStart(first.baseOffset)) await log.epochCache.persist();
    log.producerState.truncateHead(first.baseOffset);
  }
  if (log.readHint && doomed.includes(log.readHint.segment)) log.readHint = null;
  await deleteSegmentFiles(log, doomed);
  log.logger.info({ tp: `${log.topicPartition.topic}-${log.topicPartition.partition}`, segments: doomed.length, reason }, 'deleted segments');
  return doomed.length;
}
