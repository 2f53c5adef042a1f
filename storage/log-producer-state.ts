/**
 * Building a log's producer state from its files (Kafka's UnifiedLog.rebuildProducerState and
 * loadProducersFromRecords): load the newest snapshot at or below the log end, then replay the
 * batches with a producer id from there. Used at load and after a follower truncation.
 *
 * Rules:
 * - Replay reads batch headers only; a control batch (a transaction marker) is read whole for
 *   its marker record. Batches without a producer id only move the map end.
 * - After a clean shutdown with no snapshot at all (a log written before producer state was
 *   kept), nothing is scanned: empty snapshots are written at the bases of the last two
 *   segments and at the log end, as Kafka does on upgrade, so a later truncation reloads from
 *   one of them instead of replaying the whole log.
 * - With `reindex`, every transaction aborted during the replay is put back into the
 *   `.txnindex` of the segment holding its marker unless that index has it already: after an
 *   unclean shutdown the index's tail may not have reached the disk (the loader first cuts the
 *   indexes back to the replay start).
 */
import { CONTROL_FLAG_MASK, ATTRIBUTES_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, RecordBatchView } from '../protocol/records/record-batch';
import { walkHeaders } from './batch-scan';
import type { LogSegment } from './log-segment';
import type { LogSegments } from './log-segments';
import type { FinishedTxn, ProducerStateManager } from './producer-state/producer-state-manager';

export interface RebuildOptions {
  logStartOffset: bigint;
  /** Replay up to here (exclusive): the log end. */
  lastOffset: bigint;
  /** The log dir's clean-shutdown marker was present (load only). */
  cleanShutdown: boolean;
  nowMs: number;
  /** Re-add aborted transactions to the segments' txn indexes (see the file comment). */
  reindex: boolean;
}

/** Batches applied per replay call (bounds the views held at once). */
const REPLAY_CHUNK = 256;

export async function rebuildProducerState(segments: LogSegments, psm: ProducerStateManager, o: RebuildOptions): Promise<void> {
  const all = segments.all();
  const last = all[all.length - 1];
  const toSnapshot: bigint[] = [];
  if (last) {
    const prev = all[all.length - 2];
    if (prev) toSnapshot.push(prev.baseOffset);
    toSnapshot.push(last.baseOffset);
  }
  toSnapshot.push(o.lastOffset);
  if (o.cleanShutdown && psm.latestSnapshotOffset() === null) {
    for (const at of toSnapshot) {
      psm.updateMapEndOffset(at);
      await psm.takeSnapshot();
    }
    return;
  }
  const emptyBefore = psm.isEmpty && psm.mapEndOffset >= o.lastOffset;
  const from = psm.truncateAndReload(o.logStartOffset, o.lastOffset, o.nowMs);
  if (o.reindex && from !== null) for (const seg of segments.from(from)) if (seg.baseOffset < o.lastOffset) await seg.txnIndex.truncateTo(from);
  if (o.lastOffset > psm.mapEndOffset && !emptyBefore) {
    for (const seg of segments.from(psm.mapEndOffset)) {
      if (seg.baseOffset >= o.lastOffset) break;
      let start = psm.mapEndOffset;
      if (seg.baseOffset > start) start = seg.baseOffset;
      if (o.logStartOffset > start) start = o.logStartOffset;
      psm.updateMapEndOffset(start);
      if (toSnapshot.includes(seg.baseOffset)) await psm.takeSnapshot();
      await replaySegment(segments, seg, psm, start, o.lastOffset, o.reindex);
    }
  }
  psm.updateMapEndOffset(o.lastOffset);
  await psm.takeSnapshot();
}

async function replaySegment(segments: LogSegments, seg: LogSegment, psm: ProducerStateManager, from: bigint, to: bigint, reindex: boolean): Promise<void> {
  const first = await seg.translateOffset(from, seg.size);
  if (!first) return;
  const views: { view: RecordBatchView; position: number; size: number; control: boolean }[] = [];
  let position = first.position;
  let done = false;
  while (!done && position < seg.size) {
    let resumeAt = -1;
    await walkHeaders(seg.log, position, seg.size, (b, chunk, at) => {
      if (b.baseOffset >= to) return (done = true);
      if (chunk.readInt32BE(at + PRODUCER_ID_OFFSET) >= 0) {
        const control = (chunk.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_FLAG_MASK) !== 0;
        views.push({ view: new RecordBatchView(Buffer.from(chunk.subarray(at, at + RECORD_BATCH_OVERHEAD))), position: b.position, size: b.size, control });
      }
      if (views.length < REPLAY_CHUNK) return false;
      resumeAt = b.position + b.size;
      return true;
    });
    // a marker's record is needed: read control batches whole
    for (const v of views) if (v.control) v.view = new RecordBatchView(await seg.log.read(v.position, v.size));
    const finished = psm.replay(views.map((v) => v.view));
    views.length = 0;
    if (reindex) reindexAborted(segments, finished);
    if (resumeAt < 0) break; // the walk reached the segment's end, `to`, or a torn tail
    position = resumeAt;
  }
}

/** Puts the aborted transactions of a replay back into their marker segment's txn index. */
function reindexAborted(segments: LogSegments, finished: readonly FinishedTxn[]): void {
  for (const t of finished) {
    if (!t.isAborted) continue;
    const seg = segments.floor(t.lastOffset);
    if (!seg) continue;
    const last = seg.txnIndex.lastOffset;
    if (last !== null && last >= t.lastOffset) continue;
    seg.appendAbortedTxn({ producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: t.lastStableOffset });
  }
}
