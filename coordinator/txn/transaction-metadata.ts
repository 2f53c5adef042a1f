/**
 * The in-memory state of one transactional id (Kafka 3.9's TransactionMetadata) and the
 * transitions the coordinator may make on it.
 *
 * Two-phase transitions: a prepare* method checks the move against the state table, records the
 * target as `pendingState` and returns the target as a TxnTransitMetadata, which is written to
 * __transaction_state; only once that append is durable does completeTransitionTo apply it
 * (the state manager does both). While a state is pending every other transition is refused
 * (the handlers answer CONCURRENT_TRANSACTIONS), so at most one write per transactional id is in
 * flight. A failed append clears `pendingState` and leaves the metadata as it was.
 *
 * Epochs are int16 (KIP-360): `lastProducerEpoch` is the epoch before the last bump when the
 * producer asked for the bump itself (so a retry of that InitProducerId gets the same answer), and
 * -1 when another producer instance fenced it. Epochs at or above 32766 are exhausted: the next
 * InitProducerId rotates to a new producer id, keeping 32767 for a fence.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from '../../protocol/records/record-batch';
import { TopicPartition, TopicPartitionSet } from './topic-partition-set';
import { isValidTransition, TransactionState, transactionStateName } from './transaction-state';

export { NO_PRODUCER_EPOCH, NO_PRODUCER_ID };

/** int16 max: the epoch reserved for fencing an exhausted producer. */
export const MAX_PRODUCER_EPOCH = 32767;

/** Epochs >= 32766 are not handed out again for the same producer id (Kafka isEpochExhausted). */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= MAX_PRODUCER_EPOCH - 1;
}

/** A programming error in the coordinator: a transition the state machine forbids. */
export class IllegalTxnStateError extends Error {
  override name = 'IllegalTxnStateError';
}

/** The target of a transition, as written to the log (immutable). Timestamps in ms since the epoch. */
export interface TxnTransitMetadata {
  readonly producerId: bigint;
  readonly lastProducerId: bigint;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly txnState: TransactionState;
  readonly topicPartitions: readonly TopicPartition[];
  /** -1 when no transaction is open. */
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

export interface TransactionMetadataInit {
  producerId: bigint;
  lastProducerId?: bigint;
  producerEpoch: number;
  lastProducerEpoch?: number;
  txnTimeoutMs: number;
  state: TransactionState;
  partitions?: Iterable<TopicPartition>;
  txnStartTimestamp?: number;
  txnLastUpdateTimestamp: number;
}

export class TransactionMetadata {
  producerId: bigint;
  lastProducerId: bigint;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionState;
  /** The transition being written, or null (see the file comment). */
  pendingState: TransactionState | null = null;
  /** Partitions of the open transaction; in Prepare* the ones still waiting for their marker. */
  readonly partitions: TopicPartitionSet;
  /** When the first partition of the open transaction was added (ms), -1 without one. */
  txnStartTimestamp: number;
  /** When the last transition was made (ms); expiry counts from it. */
  txnLastUpdateTimestamp: number;
  /**
   * A fence's PrepareAbort failed to reach the log after the epoch was raised in memory; the next
   * fence reuses that epoch instead of raising it again (it was never given to a client).
   */
  hasFailedEpochFence = false;

  constructor(
    readonly transactionalId: string,
    init: TransactionMetadataInit,
  ) {
    this.producerId = init.producerId;
    this.lastProducerId = init.lastProducerId ?? NO_PRODUCER_ID;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.partitions = new TopicPartitionSet(init.partitions ?? []);
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Ongoing, PrepareCommit or PrepareAbort: a transaction is open or being completed. */
  get hasPendingTransaction(): boolean {
    return this.state === TransactionState.Ongoing || this.state === TransactionState.PrepareCommit || this.state === TransactionState.PrepareAbort;
  }

  /** A partition got its marker (only while the markers of a Prepare* state are being sent). */
  removePartition(tp: TopicPartition): void {
    if (this.state !== TransactionState.PrepareCommit && this.state !== TransactionState.PrepareAbort) {
      throw new IllegalTxnStateError(`${this.transactionalId}: removing a partition whose marker was sent in state ${transactionStateName(this.state)}`);
    }
    this.partitions.delete(tp);
  }

  // ---- prepare: check the move, mark it pending, return what to write ------------------------

  /** Raises the epoch to fence the current producer (PrepareEpochFence); never answered to a client. */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch === MAX_PRODUCER_EPOCH) throw new IllegalTxnStateError(`${this.transactionalId}: cannot fence producer epoch ${MAX_PRODUCER_EPOCH}, it would overflow`);
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo(TransactionState.PrepareEpochFence, this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.partitions.toArray(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId on the same producer id: the next epoch, to Empty. With `expectedEpoch` (KIP-360)
   * the caller is an existing producer: the current epoch (or none yet) is bumped and remembered as
   * the last epoch; the last epoch itself is a retry of a bump already made and gets the current
   * one back; anything else is fenced (PRODUCER_FENCED).
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedEpoch: number | null, nowMs: number): TxnTransitMetadata {
    if (this.isProducerEpochExhausted) throw new IllegalTxnStateError(`${this.transactionalId}: no epochs left for producer id ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedEpoch === null) {
      next = bumped;
      last = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      next = bumped;
      last = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      next = this.producerEpoch;
      last = this.lastProducerEpoch;
    } else {
      throw new KafkaError(ErrorCode.PRODUCER_FENCED, `expected epoch ${expectedEpoch} is neither the current epoch ${this.producerEpoch} nor the last one ${this.lastProducerEpoch}`);
    }
    return this.prepareTransitionTo(TransactionState.Empty, this.producerId, next, last, newTxnTimeoutMs, [], -1, nowMs);
  }

  /** InitProducerId with the epoch exhausted: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: bigint, newTxnTimeoutMs: number, nowMs: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.hasPendingTransaction) throw new IllegalTxnStateError(`${this.transactionalId}: cannot rotate the producer id while a transaction is open`);
    return this.prepareTransitionTo(TransactionState.Empty, newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, [], -1, nowMs);
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: to Ongoing with the union of partitions. */
  prepareAddPartitions(added: Iterable<TopicPartition>, nowMs: number): TxnTransitMetadata {
    const opensTransaction = this.state === TransactionState.Empty || this.state === TransactionState.CompleteAbort || this.state === TransactionState.CompleteCommit;
    const union = new TopicPartitionSet(this.partitions);
    for (const tp of added) union.add(tp);
    return this.prepareTransitionTo(TransactionState.Ongoing, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, union.toArray(), opensTransaction ? nowMs : this.txnStartTimestamp, nowMs);
  }

  /** EndTxn (or a fence / timeout abort): to PrepareCommit or PrepareAbort. */
  prepareAbortOrCommit(newState: TransactionState.PrepareCommit | TransactionState.PrepareAbort, nowMs: number): TxnTransitMetadata {
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions.toArray(), this.txnStartTimestamp, nowMs);
  }

  /** Every marker is written: PrepareCommit -> CompleteCommit, PrepareAbort -> CompleteAbort. */
  prepareComplete(nowMs: number): TxnTransitMetadata {
    const newState = this.state === TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
    // the Prepare* state is durable, so a fence that failed before is now behind us
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, nowMs);
  }

  /** Expiry: the transactional id is about to be removed (a tombstone is written, not this). */
  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo(TransactionState.Dead, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /** The state of the metadata as it stands, without a transition (tests, describe). */
  snapshot(): TxnTransitMetadata {
    return {
      producerId: this.producerId,
      lastProducerId: this.lastProducerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      txnTimeoutMs: this.txnTimeoutMs,
      txnState: this.state,
      topicPartitions: this.partitions.toArray(),
      txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
    };
  }

  private prepareTransitionTo(
    newState: TransactionState,
    newProducerId: bigint,
    newEpoch: number,
    newLastEpoch: number,
    newTxnTimeoutMs: number,
    newPartitions: readonly TopicPartition[],
    newTxnStartTimestamp: number,
    updateTimestamp: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== null) throw new IllegalTxnStateError(`${this.transactionalId}: preparing ${transactionStateName(newState)} while ${transactionStateName(this.pendingState)} is pending`);
    if (newProducerId < 0n) throw new IllegalTxnStateError(`${this.transactionalId}: illegal new producer id ${newProducerId}`);
    // A new metadata starts at epoch -1 and may be expired (Dead) before any epoch was assigned.
    if (newState !== TransactionState.Dead && newEpoch < 0) throw new IllegalTxnStateError(`${this.transactionalId}: illegal new producer epoch ${newEpoch}`);
    if (!isValidTransition(this.state, newState)) {
      throw new IllegalTxnStateError(`${this.transactionalId}: ${transactionStateName(newState)} cannot follow ${transactionStateName(this.state)}`);
    }
    this.pendingState = newState;
    return {
      producerId: newProducerId,
      // the id being replaced (equal to the new one unless the id rotates)
      lastProducerId: this.producerId,
      producerEpoch: newEpoch,
      lastProducerEpoch: newLastEpoch,
      txnTimeoutMs: newTxnTimeoutMs,
      txnState: newState,
      topicPartitions: newPartitions,
      txnStartTimestamp: newTxnStartTimestamp,
      txnLastUpdateTimestamp: updateTimestamp,
    };
  }

  // ---- complete: apply a transition that is durable in the log -------------------------------

  /**
   * Applies `t` once its record is committed. Checks, per target state, that `t` is the pending
   * transition and is consistent with the metadata: Empty (InitProducerId) keeps the epoch or
   * bumps it by one, or starts a new producer id at 0, with no partitions and no start time;
   * Ongoing keeps producer id, epoch and timeout and only adds partitions; Prepare* keeps
   * everything but the update time; Complete* keeps producer id, epoch and timeout and clears the
   * partitions. PrepareEpochFence and Dead are never completed.
   */
  completeTransitionTo(t: TxnTransitMetadata): void {
    const toState = this.pendingState;
    if (toState === null) throw new IllegalTxnStateError(`${this.transactionalId}: completing a transition to ${transactionStateName(t.txnState)} without a pending state`);
    if (toState !== t.txnState) this.failTransition(t);
    switch (toState) {
      case TransactionState.Empty:
        if ((this.producerEpoch !== t.producerEpoch && !this.isValidEpochBump(t)) || t.topicPartitions.length > 0 || t.txnStartTimestamp !== -1) this.failTransition(t);
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.lastProducerId = t.lastProducerId;
        break;
      case TransactionState.Ongoing:
        if (!this.isSameProducer(t) || !new TopicPartitionSet(t.topicPartitions).containsAll(this.partitions) || this.txnTimeoutMs !== t.txnTimeoutMs) this.failTransition(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const tp of t.topicPartitions) this.partitions.add(tp);
        break;
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort: {
        const same = this.partitions.size === new TopicPartitionSet(t.topicPartitions).size && this.partitions.containsAll(t.topicPartitions);
        if (!this.isSameProducer(t) || !same || this.txnTimeoutMs !== t.txnTimeoutMs || this.txnStartTimestamp !== t.txnStartTimestamp) this.failTransition(t);
        break;
      }
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort:
        if (!this.isSameProducer(t) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) this.failTransition(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.partitions.clear();
        break;
      case TransactionState.PrepareEpochFence:
        // replaced by PrepareAbort before anything is written; it has no successor to complete
        this.failTransition(t);
        break;
      case TransactionState.Dead:
        throw new IllegalTxnStateError(`${this.transactionalId}: Dead is completed by removing the transactional id, not by a transition`);
    }
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = toState;
  }

  private isSameProducer(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
  }

  private isValidEpochBump(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
  }

  private failTransition(t: TxnTransitMetadata): never {
    throw new IllegalTxnStateError(
      `${this.transactionalId}: transition from ${transactionStateName(this.state)} (producer ${this.producerId}/${this.producerEpoch}) to ${transactionStateName(t.txnState)} (producer ${t.producerId}/${t.producerEpoch}) does not fit the metadata`,
    );
  }
}
