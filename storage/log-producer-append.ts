/**
 * The producer-state step of a leader append (Kafka's UnifiedLog.analyzeAndValidateProducerState),
 * between offset assignment and the write, and what an accepted append leaves behind.
 *
 * Rules (Kafka 3.9):
 * - Only batches with a producer id (>= 0) take part; a request without one costs one int32
 *   read per batch here.
 * - Client appends: a batch whose producer, epoch and sequence range match one of the
 *   producer's last five batches is a retry: nothing is written and the append answers that
 *   batch's first and last offset (and its timestamp as the log append time).
 * - Otherwise every batch is checked against the table (producer-append-info.ts: epochs for
 *   client and coordinator appends, sequences for client appends, markers' coordinator epochs);
 *   the first broken rule refuses the whole append. A batch whose CRC has not been checked yet
 *   is checked first, so a corrupt batch answers CORRUPT_MESSAGE, not a producer error.
 * - A transaction aborted by an accepted marker is added to the `.txnindex` of the segment
 *   holding the marker, with the LSO right after it.
 */
import { PRODUCER_ID_OFFSET, type RecordBatchView } from '../protocol/records/record-batch';
import type { LogSegments } from './log-segments';
import type { AppendOrigin } from './log-validator';
import { checkCrc } from './log-validator';
import type { DuplicateBatch, FinishedTxn, ProducerAppendPlan, ProducerStateManager } from './producer-state/producer-state-manager';

/** One producer as DescribeProducers shows it. */
export interface DescribedProducer {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  /** ms; -1 when unknown. */
  lastTimestamp: bigint;
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 when none. */
  currentTxnStartOffset: bigint;
}

/** True when some batch carries a producer id (the high int32 of a producer id >= 0 is >= 0). */
export function hasProducerIds(views: readonly RecordBatchView[]): boolean {
  for (const v of views) if (v.buf.readInt32BE(PRODUCER_ID_OFFSET) >= 0) return true;
  return false;
}

export function checkProducers(
  psm: ProducerStateManager,
  views: readonly RecordBatchView[],
  origin: AppendOrigin,
  pendingCrc: RecordBatchView | null,
): { duplicate: DuplicateBatch } | { plan: ProducerAppendPlan } {
  if (origin === 'client') {
    for (const v of views) {
      const duplicate = psm.findDuplicate(v);
      if (duplicate) {
        if (pendingCrc) checkCrc(pendingCrc);
        return { duplicate };
      }
    }
  }
  try {
    return { plan: psm.plan(views, origin) };
  } catch (e) {
    if (pendingCrc) checkCrc(pendingCrc);
    throw e;
  }
}

/** Indexes the aborted ones of `finished` in the segment holding each marker. */
export function indexAborted(segments: LogSegments, finished: readonly FinishedTxn[]): void {
  for (const t of finished) {
    if (!t.isAborted) continue;
    segments.floor(t.lastOffset)?.appendAbortedTxn({ producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: t.lastStableOffset });
  }
}
