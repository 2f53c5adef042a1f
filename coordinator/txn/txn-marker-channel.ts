/**
 * Completes transactions whose PrepareCommit / PrepareAbort is durable (Kafka 3.9's
 * TransactionMarkerChannelManager and TransactionMarkerRequestCompletionHandler): sends the
 * markers through the TxnMarkerSender, takes each partition off the transaction as its marker is
 * written, resends the retriable failures after txnMarkerRetryBackoffMs, and once no partition is
 * left appends the prepared CompleteCommit / CompleteAbort.
 *
 * At most one completion per transactional id is tracked. It is dropped, and its answers and
 * timers ignored, when the coordinator epoch it was started under is gone (resignation, or a new
 * election: the load then restarts the completion from the log), when the partition is loading,
 * or when a leader reports a newer producer epoch or coordinator epoch.
 */
import type { Clock, Timer } from '../../storage/clock';
import { ErrorCode } from '../../protocol/errors';
import type { TopicPartition } from './topic-partition-set';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata';
import type { TransactionResult } from './transaction-state';
import type { TransactionStateManager, TxnLookup } from './transaction-state-manager';
import type { TxnCoordinatorConfig, TxnLogger } from './txn-config';
import type { TxnMarker, TxnMarkerPartitionResult, TxnMarkerSender } from './txn-marker-sender';

interface PendingCompletion {
  readonly transactionalId: string;
  /** The __transaction_state partition of the id. */
  readonly txnPartition: number;
  readonly coordinatorEpoch: number;
  readonly result: TransactionResult;
  readonly metadata: TransactionMetadata;
  /** The Complete* transition, prepared (pending) on `metadata`. */
  readonly transit: TxnTransitMetadata;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly timers: Set<Timer>;
  cancelled: boolean;
}

type MarkerOutcome = 'done' | 'retry' | 'stop';

/** How a leader's answer for one partition is treated (Kafka's completion handler). */
export function markerOutcome(code: ErrorCode): MarkerOutcome {
  switch (code) {
    case ErrorCode.NONE:
    // the producer could not have written to such a partition: nothing to mark
    case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case ErrorCode.UNSUPPORTED_VERSION:
      return 'done';
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.KAFKA_STORAGE_ERROR:
    // the sender's own: no live leader, or the connection to it failed
    case ErrorCode.LEADER_NOT_AVAILABLE:
    case ErrorCode.BROKER_NOT_AVAILABLE:
    case ErrorCode.NETWORK_EXCEPTION:
      return 'retry';
    default:
      // INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED: a newer producer or coordinator
      // owns the transaction now; anything else is unexpected (Kafka fails the handler)
      return 'stop';
  }
}

export class TxnMarkerChannel {
  private readonly pending = new Map<string, PendingCompletion>();
  /** Complete* appends waiting for a retry (they left `pending` when their last marker landed). */
  private readonly appendRetries = new Set<PendingCompletion>();

  constructor(
    private readonly states: TransactionStateManager,
    private readonly sender: TxnMarkerSender,
    private readonly config: TxnCoordinatorConfig,
    private readonly clock: Clock,
    private readonly logger: TxnLogger,
  ) {}

  /** Transactions whose markers are still being written. */
  get numTxnsWithPendingMarkers(): number {
    return this.pending.size;
  }

  /**
   * Starts completing `metadata`, whose Prepare* state is durable under `coordinatorEpoch` and whose
   * Complete* `transit` is prepared. The markers carry the metadata's current producer id and epoch.
   */
  addTxnMarkersToSend(coordinatorEpoch: number, result: TransactionResult, metadata: TransactionMetadata, transit: TxnTransitMetadata): void {
    const transactionalId = metadata.transactionalId;
    const previous = this.pending.get(transactionalId);
    if (previous) this.cancel(previous);
    const p: PendingCompletion = {
      transactionalId,
      txnPartition: this.states.partitionFor(transactionalId),
      coordinatorEpoch,
      result,
      metadata,
      transit,
      producerId: metadata.producerId,
      producerEpoch: metadata.producerEpoch,
      timers: new Set(),
      cancelled: false,
    };
    this.pending.set(transactionalId, p);
    this.sendMarkers(p, metadata.partitions.toArray());
  }

  /** The partition moved away or is being reloaded: drop its completions (the load restarts them). */
  removeMarkersForTxnTopicPartition(txnPartition: number): void {
    for (const p of [...this.pending.values()]) if (p.txnPartition === txnPartition) this.cancel(p);
    for (const p of [...this.appendRetries]) if (p.txnPartition === txnPartition) this.cancel(p);
  }

  shutdown(): void {
    for (const p of [...this.pending.values(), ...this.appendRetries]) this.cancel(p);
  }

  private cancel(p: PendingCompletion): void {
    p.cancelled = true;
    for (const t of p.timers) this.clock.clearTimeout(t);
    p.timers.clear();
    if (this.pending.get(p.transactionalId) === p) this.pending.delete(p.transactionalId);
    this.appendRetries.delete(p);
  }

  private isCurrent(p: PendingCompletion): boolean {
    return !p.cancelled && this.pending.get(p.transactionalId) === p;
  }

  private later(p: PendingCompletion, fn: () => void): void {
    const timer = this.clock.setTimeout(() => {
      p.timers.delete(timer);
      if (!p.cancelled) fn();
    }, this.config.txnMarkerRetryBackoffMs);
    p.timers.add(timer);
  }

  /** The metadata to act on, or null after dropping `p` (not coordinator, loading, new epoch). */
  private stillOwned(p: PendingCompletion, lookup: TxnLookup = this.states.getTransactionState(p.transactionalId)): TransactionMetadata | null {
    if (!lookup.owned || lookup.coordinatorEpoch !== p.coordinatorEpoch) {
      this.logger.info(`No longer completing ${p.transactionalId} at coordinator epoch ${p.coordinatorEpoch}: ${lookup.owned ? `the epoch is now ${lookup.coordinatorEpoch}` : ErrorCode[lookup.error]}`);
      this.cancel(p);
      return null;
    }
    if (!lookup.metadata) {
      this.logger.error(`The coordinator owns ${p.transactionalId} but has no metadata for it while completing its transaction`);
      this.cancel(p);
      return null;
    }
    return lookup.metadata;
  }

  private sendMarkers(p: PendingCompletion, partitions: readonly TopicPartition[]): void {
    if (!this.isCurrent(p)) return;
    const live: TopicPartition[] = [];
    const gone: TopicPartition[] = [];
    for (const tp of partitions) (this.sender.partitionExists(tp.topic, tp.partition) ? live : gone).push(tp);
    if (gone.length > 0) {
      const md = this.stillOwned(p);
      if (!md) return;
      this.logger.info(`Skipping the markers of ${p.transactionalId} for ${gone.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')}: the partitions no longer exist`);
      for (const tp of gone) md.removePartition(tp);
    }
    if (live.length === 0) {
      this.maybeWriteTxnCompletion(p.transactionalId);
      return;
    }
    const marker: TxnMarker = { producerId: p.producerId, producerEpoch: p.producerEpoch, coordinatorEpoch: p.coordinatorEpoch, result: p.result, partitions: live };
    let sent: Promise<TxnMarkerPartitionResult[]>;
    try {
      sent = this.sender.send(marker);
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent.then(
      (results) => this.onMarkersAnswered(p, marker, results),
      (e: unknown) => this.onMarkersFailed(p, marker, e),
    ).catch((e: unknown) => this.logger.error(`Completing the transaction of ${p.transactionalId} failed: ${(e as Error).message}`));
  }

  /** The request failed as a whole (connection lost): resend every partition of it. */
  private onMarkersFailed(p: PendingCompletion, marker: TxnMarker, e: unknown): void {
    if (!this.isCurrent(p)) return;
    if (!this.stillOwned(p)) return;
    this.logger.info(`Sending ${p.result} markers of ${p.transactionalId} failed, retrying: ${(e as Error).message}`);
    this.later(p, () => this.sendMarkers(p, marker.partitions));
  }

  private onMarkersAnswered(p: PendingCompletion, marker: TxnMarker, results: readonly TxnMarkerPartitionResult[]): void {
    if (!this.isCurrent(p)) return;
    const md = this.stillOwned(p);
    if (!md) return;
    const codes = new Map<string, ErrorCode>();
    for (const r of results) codes.set(`${r.topic}/${r.partition}`, r.errorCode);
    const retry: TopicPartition[] = [];
    let stop = false;
    for (const tp of marker.partitions) {
      const code = codes.get(`${tp.topic}/${tp.partition}`) ?? ErrorCode.REQUEST_TIMED_OUT;
      const outcome = markerOutcome(code);
      if (outcome === 'done') md.removePartition(tp);
      else if (outcome === 'retry') retry.push(tp);
      else {
        const expected = code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED;
        const msg = `The ${p.result} marker of ${p.transactionalId} for ${tp.topic}-${tp.partition} failed with ${ErrorCode[code] ?? code}; no more markers are sent for this transaction`;
        if (expected) this.logger.info(msg);
        else this.logger.error(msg);
        stop = true;
      }
    }
    if (stop) {
      this.cancel(p);
      return;
    }
    if (retry.length > 0) this.later(p, () => this.sendMarkers(p, retry));
    else this.maybeWriteTxnCompletion(p.transactionalId);
  }

  /** Every partition has its marker: write Complete* (appendTransactionToLog checks the epoch). */
  private maybeWriteTxnCompletion(transactionalId: string): void {
    const p = this.pending.get(transactionalId);
    if (!p || p.metadata.partitions.size > 0) return;
    this.pending.delete(transactionalId);
    void this.tryAppendToLog(p);
  }

  private async tryAppendToLog(p: PendingCompletion): Promise<void> {
    const code = await this.states.appendTransactionToLog(p.transactionalId, p.coordinatorEpoch, p.transit, { retryOnError: (c) => c === ErrorCode.COORDINATOR_NOT_AVAILABLE });
    if (p.cancelled) return;
    switch (code) {
      case ErrorCode.NONE:
        this.logger.debug(`Completed the transaction of ${p.transactionalId} (${p.result})`);
        return;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        this.logger.info(`Not completing ${p.transactionalId} here: ${ErrorCode[code]} (a reload completes it)`);
        return;
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.logger.info(`Appending ${p.transactionalId}'s completion found the log unavailable; retrying`);
        this.appendRetries.add(p);
        this.later(p, () => {
          this.appendRetries.delete(p);
          void this.tryAppendToLog(p);
        });
        return;
      default:
        this.logger.error(`Appending ${p.transactionalId}'s completion failed with ${ErrorCode[code] ?? code}`);
    }
  }
}
