/**
 * Opening a partition directory (Kafka's LogLoader).
 *
 * Algorithm:
 * 1. Leftovers: `*.cleaned` (unfinished compaction output) and `*.deleted` files are removed;
 *    a `<base>.log.swap` (finished compaction output, the commit point of a swap) replaces
 *    `<base>.log`, and that segment's index files are removed so they are rebuilt.
 * 2. Segments are the `<base>.log` files, sorted; index files without a log are removed.
 * 3. Clean shutdown (marker present): nothing is scanned. The active segment loads its
 *    indexes and walks the few batch headers after the last offset index entry to find the
 *    log end. Older segments stay unopened until first read.
 * 4. Otherwise every segment from the one containing the recovery point is recovered:
 *    each batch is checked (size, magic 2, CRC-32C, increasing offsets); the file is cut at
 *    the first bad one, every later segment is deleted, and indexes are rebuilt. In the
 *    segment containing the recovery point, checking starts at the last persisted offset
 *    index entry below the recovery point (the bytes before it were fsynced).
 * 5. The leader epoch cache is loaded, extended from the recovered batches, and cut to the
 *    log end and log start; high watermark and recovery point are clamped into the log.
 * 6. Producer state (log-producer-state.ts): the newest `.snapshot` at or below the log end is
 *    loaded and the batches after it replayed; after an unclean shutdown the aborted
 *    transactions of the replayed range are re-indexed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Clock } from './clock';
import { LeaderEpochCache } from './leader-epoch-cache';
import { LogConfig } from './log-config';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  indexFileName,
  logFileName,
  offsetFromFileName,
  timeIndexFileName,
} from './log-file-names';
import { Log } from './log';
import { rebuildProducerState } from './log-producer-state';
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerStateManager } from './producer-state/producer-state-manager';
import { TXN_INDEX_SUFFIX, txnIndexFileName } from './producer-state/transaction-index';
import { LogSegment } from './log-segment';
import { LogSegments } from './log-segments';
import { StorageLogger, TopicPartition } from './types';

export interface LoadLogOptions {
  dir: string;
  topicPartition: TopicPartition;
  config: LogConfig;
  clock: Clock;
  logger: StorageLogger;
  /** True when the log dir's clean-shutdown marker was present. */
  cleanShutdown: boolean;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  highWatermark?: bigint;
  /** producer.id.expiration.ms (Kafka's default: 1 day). */
  producerIdExpirationMs?: number;
}

export interface LoadStats {
  recoveredSegments: number;
  truncatedBytes: number;
  /** Bytes validated batch by batch (after the recovery point). */
  scannedBytes: number;
}

async function removeLeftovers(dir: string, names: string[]): Promise<void> {
  for (const n of names) {
    if (n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX) || n.endsWith('.tmp')) {
      await fs.promises.rm(path.join(dir, n), { force: true });
    }
  }
  for (const n of names) {
    if (!n.endsWith(SWAP_SUFFIX)) continue;
    const base = offsetFromFileName(n);
    if (base === null) continue;
    if (n.endsWith(LOG_SUFFIX + SWAP_SUFFIX)) {
      await fs.promises.rm(indexFileName(dir, base), { force: true });
      await fs.promises.rm(timeIndexFileName(dir, base), { force: true });
      await fs.promises.rename(path.join(dir, n), logFileName(dir, base));
    } else {
      await fs.promises.rm(path.join(dir, n), { force: true });
    }
  }
}

export async function loadLog(o: LoadLogOptions, stats?: LoadStats): Promise<Log> {
  await fs.promises.mkdir(o.dir, { recursive: true });
  let names = await fs.promises.readdir(o.dir);
  if (names.some((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX) || n.endsWith(SWAP_SUFFIX) || n.endsWith('.tmp'))) {
    await removeLeftovers(o.dir, names);
    names = await fs.promises.readdir(o.dir);
  }
  const logBases = new Set<bigint>();
  for (const n of names) {
    const b = offsetFromFileName(n);
    if (b !== null && n.endsWith(LOG_SUFFIX)) logBases.add(b);
  }
  for (const n of names) {
    const b = offsetFromFileName(n);
    if (b !== null && (n.endsWith(INDEX_SUFFIX) || n.endsWith(TIME_INDEX_SUFFIX) || n.endsWith(TXN_INDEX_SUFFIX)) && !logBases.has(b)) {
      await fs.promises.rm(path.join(o.dir, n), { force: true });
    }
  }
  const settings = { segmentIndexBytes: o.config.segmentIndexBytes, indexIntervalBytes: o.config.indexIntervalBytes };
  const now = o.clock.now();
  const bases = [...logBases].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sizes = await Promise.all(bases.map((b) => fs.promises.stat(logFileName(o.dir, b)).then((s) => s.size)));
  const txnIndexBases = new Set<bigint>();
  for (const n of names) {
    const b = offsetFromFileName(n);
    if (b !== null && n.endsWith(TXN_INDEX_SUFFIX)) txnIndexBases.add(b);
  }
  const segments = new LogSegments();
  bases.forEach((b, i) => segments.add(new LogSegment(o.dir, b, settings, sizes[i]!, now, false, txnIndexBases.has(b))));

  const epochCache = new LeaderEpochCache(o.dir);
  await epochCache.load();
  let epochsChanged = false;

  let logStartOffset = o.logStartOffset ?? 0n;
  if (segments.size === 0) {
    const seg = new LogSegment(o.dir, logStartOffset, settings, 0, now, true);
    await seg.log.open();
    segments.add(seg);
  }
  const first = segments.first()!;
  if (first.baseOffset > logStartOffset) logStartOffset = first.baseOffset;

  let nextOffset: bigint;
  let recoveryPoint = o.recoveryPoint ?? 0n;
  if (o.cleanShutdown) {
    const active = segments.active();
    const fileSize = active.size;
    await active.ensureLoaded();
    if (active.tailEnd !== fileSize) {
      o.logger.warn({ dir: o.dir, size: fileSize, valid: active.tailEnd }, 'active segment has a torn tail after a clean shutdown; truncating');
      await active.log.truncate(active.tailEnd);
      active.size = active.tailEnd;
    }
    nextOffset = active.lastBatchNextOffset ?? active.baseOffset;
    recoveryPoint = nextOffset;
  } else {
    const all = [...segments.all()];
    const startIdx = Math.max(0, all.indexOf(segments.floor(recoveryPoint) ?? all[0]!));
    nextOffset = all[startIdx]!.baseOffset;
    for (let i = startIdx; i < all.length; i++) {
      const seg = all[i]!;
      const r = await seg.recover(
        seg.size,
        (b) => {
          if (epochCache.assign(b.leaderEpoch, b.baseOffset)) epochsChanged = true;
        },
        i === startIdx ? recoveryPoint : undefined,
      );
      if (stats) {
        stats.recoveredSegments++;
        stats.truncatedBytes += r.truncatedBytes;
        stats.scannedBytes += seg.size + r.truncatedBytes - r.scannedFrom;
      }
      nextOffset = r.nextOffset ?? seg.baseOffset;
      if (r.reason !== 'none') {
        o.logger.warn({ dir: o.dir, segment: seg.baseOffset.toString(), reason: r.reason, truncatedBytes: r.truncatedBytes }, 'truncated log at invalid batch');
        const doomed = all.slice(i + 1);
        for (const d of doomed) {
          segments.remove(d);
          for (const f of [d.log.file, d.offsetIndex.file, d.timeIndex.file, txnIndexFileName(o.dir, d.baseOffset)]) await fs.promises.rm(f, { force: true });
          if (stats) stats.truncatedBytes += d.size;
        }
        break;
      }
    }
    // Like Kafka, recovery itself fsyncs nothing: the recovery point stays where it was, so a
    // second crash recovers the same range again. Rebuilt indexes are written at close/roll.
    const act = segments.active();
    for (const seg of segments.all()) if (seg !== act && seg.baseOffset >= all[startIdx]!.baseOffset) seg.addFinalTimeEntry();
    if (recoveryPoint > nextOffset) recoveryPoint = nextOffset;
  }

  if (epochCache.truncateFromEnd(nextOffset)) epochsChanged = true;
  const producerState = new ProducerStateManager(o.dir, `${o.topicPartition.topic}-${o.topicPartition.partition}`, o.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS);
  if (logStartOffset > nextOffset) {
    // everything up to the log start was deleted but the tail was lost: restart empty there
    for (const s of [...segments.all()]) {
      segments.remove(s);
      await s.log.close();
      for (const f of [s.log.file, s.offsetIndex.file, s.timeIndex.file, txnIndexFileName(o.dir, s.baseOffset)]) await fs.promises.rm(f, { force: true });
    }
    producerState.truncateFully(logStartOffset);
    const seg = new LogSegment(o.dir, logStartOffset, settings, 0, now, true);
    await seg.log.open();
    segments.add(seg);
    nextOffset = logStartOffset;
    recoveryPoint = logStartOffset;
    epochCache.clear();
    epochsChanged = true;
  }
  if (epochCache.truncateFromStart(logStartOffset)) epochsChanged = true;
  if (epochsChanged) await epochCache.persist();
  await rebuildProducerState(segments, producerState, { logStartOffset, lastOffset: nextOffset, cleanShutdown: o.cleanShutdown, nowMs: now, reindex: !o.cleanShutdown });

  // No checkpointed HW (a log never checkpointed): the log start, as Kafka. Nothing unreplicated
  // becomes visible; a leader whose ISR is itself raises it to the log end when it takes over.
  let hw = o.highWatermark ?? logStartOffset;
  if (hw > nextOffset) hw = nextOffset;
  if (hw < logStartOffset) hw = logStartOffset;
  return new Log({
    dir: o.dir,
    topicPartition: o.topicPartition,
    config: o.config,
    clock: o.clock,
    logger: o.logger,
    segments,
    nextOffset,
    logStartOffset,
    recoveryPoint,
    highWatermark: hw,
    epochCache,
    producerState,
  });
}
