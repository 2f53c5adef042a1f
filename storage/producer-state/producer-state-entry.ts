/**
 * What one partition remembers of one producer id (Kafka's ProducerStateEntry): its epoch, the
 * metadata of its last few batches (for duplicate detection), the coordinator epoch of the last
 * transaction marker and the first offset of its open transaction.
 *
 * Invariants: `batches` holds at most BATCHES_TO_RETAIN entries, oldest first, all written with
 * `producerEpoch`; a change of epoch clears them. Sequences are int32 and wrap from
 * 2147483647 to 0.
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../../protocol/records/record-batch';

/** How many of a producer's recent batches are kept for duplicate detection (Kafka: 5). */
export const BATCHES_TO_RETAIN = 5;

export interface BatchMetadata {
  lastSeq: number;
  lastOffset: bigint;
  /** lastSeq - firstSeq, which equals lastOffset - firstOffset for a data batch. */
  offsetDelta: number;
  /** The batch's max timestamp, ms. */
  timestamp: bigint;
}

export function firstSeqOf(b: BatchMetadata): number {
  return b.offsetDelta > b.lastSeq ? b.lastSeq - b.offsetDelta + 2147483647 + 1 : b.lastSeq - b.offsetDelta;
}

export function firstOffsetOf(b: BatchMetadata): bigint {
  return b.lastOffset - BigInt(b.offsetDelta);
}

export class ProducerStateEntry {
  batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: bigint,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public coordinatorEpoch: number = -1,
    /** ms; max timestamp of the last batch or marker written by this producer. */
    public lastTimestamp: bigint = -1n,
    /** First offset of the producer's open transaction, null when none is open. */
    public currentTxnFirstOffset: bigint | null = null,
  ) {}

  static empty(producerId: bigint): ProducerStateEntry {
    return new ProducerStateEntry(producerId);
  }

  clone(): ProducerStateEntry {
    const e = new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset);
    e.batches = this.batches.slice();
    return e;
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    const last = this.batches[this.batches.length - 1];
    return last ? last.lastSeq : NO_SEQUENCE;
  }

  get firstSeq(): number {
    const first = this.batches[0];
    return first ? firstSeqOf(first) : NO_SEQUENCE;
  }

  /** Offset of the last data batch's last record, -1 when none is kept. */
  get lastDataOffset(): bigint {
    const last = this.batches[this.batches.length - 1];
    return last ? last.lastOffset : -1n;
  }

  get lastOffsetDelta(): number {
    const last = this.batches[this.batches.length - 1];
    return last ? last.offsetDelta : 0;
  }

  /** A new epoch forgets the batches of the old one. */
  maybeUpdateProducerEpoch(epoch: number): void {
    if (this.producerEpoch === epoch) return;
    this.batches = [];
    this.producerEpoch = epoch;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: bigint, offsetDelta: number, timestamp: bigint): void {
    this.maybeUpdateProducerEpoch(epoch);
    if (this.batches.length === BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp });
    this.lastTimestamp = timestamp;
  }

  /** A transaction marker: the transaction is over; the marker's epochs become current. */
  completeTxn(epoch: number, coordinatorEpoch: number, timestamp: bigint): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.currentTxnFirstOffset = null;
    this.coordinatorEpoch = coordinatorEpoch;
    this.lastTimestamp = timestamp;
  }

  /** The kept batch with exactly this epoch and sequence range, if any (a retried send). */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.lastSeq === lastSeq && firstSeqOf(b) === firstSeq);
  }

  /** Drops kept batches that lie entirely below `offset` (log start moved past them). */
  removeBatchesBefore(offset: bigint): void {
    this.batches = this.batches.filter((b) => b.lastOffset >= offset);
  }
}
