/**
 * ListOffsets v0's answer (Kafka's UnifiedLog.legacyFetchOffsetsBefore): the offsets at which
 * the log could be read "as of" a time, by segment granularity.
 *
 * The candidates are, oldest first, each segment's base offset (raised to the log start
 * offset) paired with the segment file's last-modified time, plus — when the active segment
 * holds data — the log end offset paired with now. The answer is the candidates whose time
 * is <= `timestamp` (all of them for -1 latest, only the oldest for -2 earliest), newest
 * first, at most `maxNumOffsets` of them. Times are epoch milliseconds.
 */
import * as fs from 'fs';
import { ErrorCode, KafkaError } from '../protocol/errors';
import type { Log } from './log';
import type { LogSegment } from './log-segment';

const LATEST = -1n;
const EARLIEST = -2n;

/** The segment file's mtime in ms (Kafka's LogSegment.lastModified); a file not yet created counts from the segment's creation. */
async function lastModifiedMs(seg: LogSegment): Promise<number> {
  try {
    return Math.floor((await fs.promises.stat(seg.log.file)).mtimeMs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return seg.created;
    throw e;
  }
}

export async function legacyOffsetsBefore(log: Log, timestamp: bigint, maxNumOffsets: number): Promise<bigint[]> {
  const segments = [...log.segments.all()];
  const active = segments[segments.length - 1]!;
  const logStart = log.logStartOffset;
  const logEnd = log.logEndOffset;
  const candidates: { offset: bigint; timeMs: number }[] = [];
  for (const seg of segments) {
    candidates.push({ offset: seg.baseOffset > logStart ? seg.baseOffset : logStart, timeMs: await lastModifiedMs(seg) });
  }
  if (logEnd > active.baseOffset) candidates.push({ offset: logEnd, timeMs: log.clock.now() });

  let newest: number; // index of the newest candidate answered, -1 for none
  if (timestamp === LATEST) newest = candidates.length - 1;
  else if (timestamp === EARLIEST) newest = 0;
  else {
    newest = candidates.length - 1;
    while (newest >= 0 && BigInt(candidates[newest]!.timeMs) > timestamp) newest--;
  }
  // Kafka sizes its answer array with min(maxNumOffsets, n): a negative maxNumOffsets fails
  // the lookup (an unexpected server error there) instead of answering nothing
  if (maxNumOffsets < 0) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `maxNumOffsets ${maxNumOffsets} is negative`);
  const count = Math.min(maxNumOffsets, newest + 1);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(candidates[newest - i]!.offset);
  return out.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}
