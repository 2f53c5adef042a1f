/**
 * Log compaction (Kafka's LogCleaner, simplified to one segment in, one segment out).
 *
 * For a log with cleanup.policy containing compact:
 * 1. The cleanable range is the whole segments below the first uncleanable offset (the high
 *    watermark, the active segment, and min.compaction.lag.ms bound it; cleanable-range.ts).
 *    It is cleaned when its dirty part (offsets >= the cleaner checkpoint) is more than
 *    min.cleanable.dirty.ratio of it, or when a dirty record is older than
 *    max.compaction.lag.ms.
 * 2. Pass 1 maps each key to its latest offset in the cleanable range.
 * 3. Pass 2 rewrites each segment keeping: records whose offset is the latest for their key,
 *    records without a key, control batches, and tombstones (null value) whose batch is newer
 *    than delete.retention.ms. Offsets are preserved: a batch keeps its base offset and
 *    lastOffsetDelta; a partly kept batch is re-encoded with the same header fields.
 * 4. Swap, crash-safe: write `<base>.log.cleaned` + fsync; rename to `<base>.log.swap`
 *    (the commit point); rename the old files to `.deleted`; rename the swap to `<base>.log`;
 *    rebuild and write its indexes. The new file keeps the old one's mtime (ListOffsets v0
 *    and time retention of timestamp-less segments read it). At startup `.cleaned` files
 *    are discarded and `.swap` files completed (log-loader.ts).
 * Runs under Log.exclusive(): appends and reads continue; truncation and retention wait.
 */
import * as fs from 'fs';
import { buildRecordBatch, readRecords } from '../protocol/records/record';
import { RecordBatchView } from '../protocol/records/record-batch';
import { validateFile } from './batch-scan';
import { cleanableRange, shouldClean } from './cleanable-range';
import { fsyncDir } from './checkpoint-file';
import { FileRecords } from './file-records';
import { fsRemoveLater } from './log-delete';
import { CLEANED_SUFFIX, SWAP_SUFFIX, logFileName } from './log-file-names';
import type { Log } from './log';
import { LogSegment } from './log-segment';

export interface CleanResult {
  /** New cleaner checkpoint: offsets below it are clean. */
  firstDirtyOffset: bigint;
  segmentsCleaned: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** Test hook: throw at a named step to simulate a crash mid-swap. */
export type CleanerCrashPoint = 'after-cleaned' | 'after-swap-rename' | 'after-old-deleted';

/** Visits every batch of the segment; throws (cleaning is abandoned) if any batch is invalid. */
async function forEachBatch(seg: LogSegment, end: number, visit: (view: RecordBatchView) => void): Promise<void> {
  const r = await validateFile(seg.log, end, seg.baseOffset, Number.MAX_SAFE_INTEGER, (_b, view) => visit(view));
  if (r.reason !== 'none') throw new Error(`segment ${seg.log.file} has an invalid batch at byte ${r.validBytes} (${r.reason}); not cleaning it`);
}

/**
 * Cleans `log` if its cleanable range calls for it (or, with `force`, whenever the range is
 * not empty). `lastCleanOffset` is the cleaner checkpoint (undefined: never cleaned). Returns
 * null when nothing was cleaned.
 */
export async function cleanLog(
  log: Log,
  lastCleanOffset: bigint | undefined,
  opts: { now: number; force?: boolean; crashAt?: CleanerCrashPoint },
): Promise<CleanResult | null> {
  return log.exclusive(async () => {
    const range = await cleanableRange(log, lastCleanOffset, opts.now);
    const cleanable = range.segments;
    if (cleanable.length === 0) return null;
    if (!(opts.force ? range.cleanableBytes > 0 : shouldClean(range, log.config.minCleanableDirtyRatio))) return null;
    const endOffset = range.firstUncleanableOffset;
    const total = cleanable.reduce((a, s) => a + s.size, 0);

    // Pass 1: key -> latest offset.
    const latest = new Map<string, bigint>();
    for (const seg of cleanable) {
      await forEachBatch(seg, seg.size, (view) => {
        if (view.isControl) return;
        for (const r of readRecords(view)) if (r.key) latest.set(r.key.toString('latin1'), r.offset);
      });
    }

    // Pass 2: rewrite each segment.
    const horizon = BigInt(opts.now - log.config.deleteRetentionMs);
    let bytesAfter = 0;
    for (const seg of cleanable) {
      const out: Buffer[] = [];
      await forEachBatch(seg, seg.size, (view) => {
        const kept = retainedBatch(view, latest, horizon);
        if (kept) out.push(kept);
      });
      const size = out.reduce((a, b) => a + b.length, 0);
      bytesAfter += size;
      if (size === seg.size) continue; // nothing removed
      await swapIn(log, seg, out, opts);
    }
    log.readHint = null;
    return { firstDirtyOffset: endOffset, segmentsCleaned: cleanable.length, bytesBefore: total, bytesAfter };
  });
}

/** The batch to keep (original bytes, a re-encoded subset, or null to drop it). */
function retainedBatch(view: RecordBatchView, latest: Map<string, bigint>, horizon: bigint): Buffer | null {
  if (view.isControl) return Buffer.from(view.buf);
  const records = readRecords(view);
  const dropTombstones = view.maxTimestamp < horizon;
  const keep = records.filter((r) => {
    if (!r.key) return true;
    if (latest.get(r.key.toString('latin1')) !== r.offset) return false;
    return !(r.value === null && dropTombstones);
  });
  if (keep.length === records.length) return Buffer.from(view.buf);
  if (keep.length === 0) return null;
  const base = view.baseTimestamp;
  return buildRecordBatch({
    baseOffset: view.baseOffset,
    partitionLeaderEpoch: view.partitionLeaderEpoch,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    isTransactional: view.isTransactional,
    compression: view.compression,
    timestampType: view.timestampType,
    baseTimestamp: base,
    maxTimestamp: view.maxTimestamp,
    lastOffsetDelta: view.lastOffsetDelta,
    records: keep.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: base + r.timestampDelta, offsetDelta: r.offsetDelta })),
  });
}

async function swapIn(log: Log, old: LogSegment, out: Buffer[], opts: { now: number; crashAt?: CleanerCrashPoint }): Promise<void> {
  const dir = log.dir;
  const base = old.baseOffset;
  const modified = await fs.promises.stat(old.log.file);
  const cleaned = new FileRecords(logFileName(dir, base, CLEANED_SUFFIX), true);
  try {
    if (out.length > 0) await cleaned.writeAt(out, 0);
    else await cleaned.open();
    await cleaned.flush();
  } finally {
    await cleaned.close();
  }
  // the renames below keep this mtime: the cleaned segment was last modified when the old one was
  await fs.promises.utimes(cleaned.file, modified.atime, modified.mtime);
  if (opts.crashAt === 'after-cleaned') throw new Error('simulated crash after-cleaned');
  await fs.promises.rename(logFileName(dir, base, CLEANED_SUFFIX), logFileName(dir, base, SWAP_SUFFIX));
  await fsyncDir(dir);
  if (opts.crashAt === 'after-swap-rename') throw new Error('simulated crash after-swap-rename');
  await old.log.open(); // readers still holding `old` keep working on the renamed inode
  if (old.txnIndex.all().length > 0) await old.txnIndex.flush(); // the cleaned segment reads the same file
  const deleted = await old.renameToDeleted({ keepTxnIndex: true });
  if (opts.crashAt === 'after-old-deleted') throw new Error('simulated crash after-old-deleted');
  await fs.promises.rename(logFileName(dir, base, SWAP_SUFFIX), logFileName(dir, base));
  await fsyncDir(dir);
  const size = out.reduce((a, b) => a + b.length, 0);
  const seg = new LogSegment(dir, base, log.segmentSettings(), size, opts.now, false);
  await seg.ensureLoaded(); // indexes are missing: rebuilt from the batch headers
  await seg.onBecomeInactive();
  log.segments.add(seg);
  fsRemoveLater(log.clock, deleted, log.config.fileDeleteDelayMs, () => old.log.close());
}
