/**
 * Validates one producer's batches of one append against what the partition remembers of it
 * (Kafka's ProducerAppendInfo), and builds the producer's updated entry. Nothing is changed in
 * the partition's state until the whole append is accepted (ProducerStateManager.update).
 *
 * Rules (Kafka 3.9):
 * - an epoch below the current one: INVALID_PRODUCER_EPOCH (client and coordinator appends);
 *   replicated batches are accepted as the leader wrote them;
 * - client appends also check sequences: a new epoch must start at sequence 0 (unless the
 *   producer is unknown); within an epoch each batch continues the last sequence (2147483647
 *   wraps to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER. A producer whose state is gone (retention,
 *   DeleteRecords) may continue at any sequence;
 * - a non-transactional batch while the producer's transaction is open: INVALID_TXN_STATE;
 * - a transaction marker from an older coordinator epoch: TRANSACTION_COORDINATOR_FENCED.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../../protocol/records/record-batch';
import type { AppendOrigin } from '../log-validator';
import { ProducerStateEntry } from './producer-state-entry';

/** A transaction whose end marker this append writes. */
export interface CompletedTxn {
  producerId: bigint;
  firstOffset: bigint;
  /** Offset of the marker. */
  lastOffset: bigint;
  isAborted: boolean;
}

const INT32_MAX = 2147483647;

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerAppendInfo {
  readonly updated: ProducerStateEntry;
  /** First offsets of the transactions this append opens. */
  readonly startedTxnFirstOffsets: bigint[] = [];

  constructor(
    private readonly partitionName: string,
    readonly producerId: bigint,
    private readonly current: ProducerStateEntry,
    private readonly origin: AppendOrigin,
  ) {
    this.updated = current.clone();
  }

  appendDataBatch(epoch: number, firstSeq: number, lastSeq: number, maxTimestamp: bigint, firstOffset: bigint, lastOffset: bigint, isTransactional: boolean): void {
    this.checkEpoch(epoch, firstOffset);
    if (this.origin === 'client') this.checkSequence(epoch, firstSeq, firstOffset);
    this.updated.addBatch(epoch, lastSeq, lastOffset, Number(lastOffset - firstOffset), maxTimestamp);
    const open = this.updated.currentTxnFirstOffset;
    if (open !== null && !isTransactional) {
      throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.partitionName}`);
    }
    if (open === null && isTransactional) {
      this.updated.currentTxnFirstOffset = firstOffset;
      this.startedTxnFirstOffsets.push(firstOffset);
    }
  }

  /** A COMMIT or ABORT marker at `offset`; returns the transaction it ends, or null if none was open. */
  appendEndTxnMarker(isAbort: boolean, coordinatorEpoch: number, epoch: number, offset: bigint, timestamp: bigint): CompletedTxn | null {
    this.checkEpoch(epoch, offset);
    if (this.updated.coordinatorEpoch > coordinatorEpoch && this.origin !== 'replication') {
      throw new KafkaError(
        ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        `Invalid coordinator epoch for producerId ${this.producerId} at offset ${offset} in partition ${this.partitionName}: ${coordinatorEpoch} (zombie), ${this.updated.coordinatorEpoch} (current)`,
      );
    }
    const open = this.updated.currentTxnFirstOffset;
    const completed = open === null ? null : { producerId: this.producerId, firstOffset: open, lastOffset: offset, isAborted: isAbort };
    this.updated.completeTxn(epoch, coordinatorEpoch, timestamp);
    return completed;
  }

  private checkEpoch(epoch: number, offset: bigint): void {
    if (epoch >= this.updated.producerEpoch || this.origin === 'replication') return;
    throw new KafkaError(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `Epoch of producer ${this.producerId} at offset ${offset} in ${this.partitionName} is ${epoch}, which is smaller than the last seen epoch ${this.updated.producerEpoch}`,
    );
  }

  private checkSequence(epoch: number, firstSeq: number, offset: bigint): void {
    if (epoch !== this.updated.producerEpoch) {
      if (firstSeq !== 0 && this.updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Invalid sequence number for new epoch of producer ${this.producerId} at offset ${offset} in partition ${this.partitionName}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${this.updated.producerEpoch} (current producer epoch)`,
        );
      }
      return;
    }
    let lastSeq: number;
    if (!this.updated.isEmpty) lastSeq = this.updated.lastSeq;
    else if (epoch === this.current.producerEpoch) lastSeq = this.current.lastSeq;
    else lastSeq = NO_SEQUENCE;
    if (this.current.producerEpoch === NO_PRODUCER_EPOCH || inSequence(lastSeq, firstSeq)) return;
    throw new KafkaError(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.partitionName}: ${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
    );
  }
}
