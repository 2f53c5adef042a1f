/**
 * Which __transaction_state partitions this broker coordinates, the metadata of their
 * transactional ids, and durable transitions (Kafka 3.9's TransactionStateManager).
 *
 * Ownership: a transactional id belongs to partition partitionFor(id). onElection(partition,
 * coordinatorEpoch) (the partition's leader epoch) loads the partition from the log start to its
 * end; while it loads, its ids answer COORDINATOR_LOAD_IN_PROGRESS; partitions not led here answer
 * NOT_COORDINATOR. After loading, transactions found in PrepareCommit / PrepareAbort are handed
 * to the caller's `completePending` to have their markers (re)sent and be completed.
 *
 * Coordinator epoch: every cached partition carries the epoch it was loaded at. A transition
 * prepared under one epoch is applied only if the partition still has that epoch when its append
 * completes; otherwise (resigned, or re-elected and reloaded meanwhile) the caller gets
 * NOT_COORDINATOR and the newer cache is left alone.
 *
 * Order rule: everything here runs synchronously between awaits; appends and log reads are the
 * only suspension points, and their continuations look the metadata up again before acting.
 */
import type { Clock, Timer } from '../../storage/clock';
import { ErrorCode, errorCodeOf } from '../../protocol/errors';
import { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, partitionFor, TRANSACTION_STATE_TOPIC_NAME } from './transaction-log';
import { TransactionResult, TransactionState } from './transaction-state';
import type { TxnCoordinatorConfig, TxnLogger } from './txn-config';
import { appendTxnRecords, replayTxnLog, TxnStateLog } from './txn-state-log';

/** A loaded transaction that was in PrepareCommit/PrepareAbort, with its Complete* transition prepared. */
export interface PendingCompletion {
  coordinatorEpoch: number;
  result: TransactionResult;
  metadata: TransactionMetadata;
  transit: TxnTransitMetadata;
}

/** The outcome of looking a transactional id up. */
export type TxnLookup =
  | { readonly owned: false; readonly error: ErrorCode.NOT_COORDINATOR | ErrorCode.COORDINATOR_LOAD_IN_PROGRESS }
  | { readonly owned: true; readonly coordinatorEpoch: number; readonly metadata: TransactionMetadata | null };

export interface OwnedPartition {
  readonly partition: number;
  readonly coordinatorEpoch: number;
  /** transactionalId -> metadata (live: entries may be removed by expiry). */
  readonly transactions: Map<string, TransactionMetadata>;
}

export interface TimedOutTransaction {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  metadata: TransactionMetadata;
}

export interface AppendOptions {
  /** The caller retries this transition after `code`: keep it pending. */
  retryOnError?: (code: ErrorCode) => boolean;
  /** Runs synchronously once the transition is applied to the metadata. */
  onApplied?: (metadata: TransactionMetadata) => void;
}

interface PartitionStatus {
  coordinatorEpoch: number;
  phase: 'loading' | 'active';
  transactions: Map<string, TransactionMetadata>;
  loaded: Promise<void>;
  retryTimer?: Timer;
}

/** Maps an append failure to the error the client sees (Kafka appendTransactionToLog). */
export function mapTxnAppendError(e: unknown): ErrorCode {
  const code = errorCodeOf(e);
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT: // the client retries COORDINATOR_NOT_AVAILABLE
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

export class TransactionStateManager {
  private readonly partitions = new Map<number, PartitionStatus>();

  constructor(
    readonly config: TxnCoordinatorConfig,
    readonly log: TxnStateLog,
    readonly clock: Clock,
    readonly logger: TxnLogger,
  ) {}

  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.config.transactionStateLogNumPartitions);
  }

  /** transaction.max.timeout.ms: a timeout must be positive and at most the maximum. */
  validateTransactionTimeoutMs(txnTimeoutMs: number): boolean {
    return txnTimeoutMs > 0 && txnTimeoutMs <= this.config.transactionMaxTimeoutMs;
  }

  // ---- ownership and loading ---------------------------------------------------------------

  /**
   * This broker leads __transaction_state-`partition` at `coordinatorEpoch`: load it. Resolves when
   * the partition serves requests (a failed load is retried after txnLoadRetryBackoffMs, the
   * partition answering COORDINATOR_LOAD_IN_PROGRESS meanwhile) or was resigned. An election at
   * an older epoch than the one held is ignored; the same epoch is not loaded twice.
   */
  onElection(partition: number, coordinatorEpoch: number, completePending: (pending: PendingCompletion[]) => void): Promise<void> {
    const current = this.partitions.get(partition);
    if (current && current.coordinatorEpoch >= coordinatorEpoch) return current.loaded;
    if (current) this.drop(partition, current);
    const status: PartitionStatus = { coordinatorEpoch, phase: 'loading', transactions: new Map(), loaded: Promise.resolve() };
    this.partitions.set(partition, status);
    status.loaded = new Promise<void>((resolve) => this.load(partition, status, completePending, resolve));
    return status.loaded;
  }

  private load(partition: number, status: PartitionStatus, completePending: (pending: PendingCompletion[]) => void, done: () => void): void {
    const isCurrent = (): boolean => this.partitions.get(partition) === status;
    const loaded = new Map<string, TransactionMetadata>();
    this.logger.info(`Loading transaction metadata from ${TRANSACTION_STATE_TOPIC_NAME}-${partition} at epoch ${status.coordinatorEpoch}`);
    replayTxnLog(this.log, partition, this.config.transactionStateLogLoadBufferSize, isCurrent, (r) => {
      const transactionalId = decodeTransactionLogKey(r.key);
      if (transactionalId === null) {
        this.logger.warn(`Ignoring a record with an unknown key version in ${TRANSACTION_STATE_TOPIC_NAME}-${partition}`);
        return;
      }
      const md = decodeTransactionLogValue(transactionalId, r.value);
      if (md) loaded.set(transactionalId, md);
      else loaded.delete(transactionalId);
    }).then(
      () => {
        if (!isCurrent()) return done();
        status.transactions = loaded;
        const pending: PendingCompletion[] = [];
        const now = this.clock.now();
        for (const md of loaded.values()) {
          if (md.state === TransactionState.PrepareCommit) pending.push({ coordinatorEpoch: status.coordinatorEpoch, result: 'COMMIT', metadata: md, transit: md.prepareComplete(now) });
          else if (md.state === TransactionState.PrepareAbort) pending.push({ coordinatorEpoch: status.coordinatorEpoch, result: 'ABORT', metadata: md, transit: md.prepareComplete(now) });
        }
        // serve first, so the Complete* appends of the markers below are not refused as loading
        status.phase = 'active';
        this.logger.info(`Finished loading ${loaded.size} transaction metadata from ${TRANSACTION_STATE_TOPIC_NAME}-${partition} at epoch ${status.coordinatorEpoch}`);
        done();
        if (pending.length > 0) completePending(pending);
      },
      (e: unknown) => {
        if (!isCurrent()) return done();
        this.logger.error(`Loading ${TRANSACTION_STATE_TOPIC_NAME}-${partition} failed, retrying in ${this.config.txnLoadRetryBackoffMs} ms: ${(e as Error).message}`);
        status.retryTimer = this.clock.setTimeout(() => {
          status.retryTimer = undefined;
          if (isCurrent()) this.load(partition, status, completePending, done);
          else done();
        }, this.config.txnLoadRetryBackoffMs);
      },
    );
  }

  /**
   * This broker no longer leads the partition: forget its transactional ids. With an epoch (a
   * LeaderAndIsr making it a follower), a resignation older than the epoch held is ignored.
   * Returns whether anything was dropped.
   */
  onResignation(partition: number, coordinatorEpoch?: number): boolean {
    const current = this.partitions.get(partition);
    if (!current) return false;
    if (coordinatorEpoch !== undefined && current.coordinatorEpoch > coordinatorEpoch) return false;
    this.drop(partition, current);
    return true;
  }

  private drop(partition: number, status: PartitionStatus): void {
    if (status.retryTimer !== undefined) this.clock.clearTimeout(status.retryTimer);
    status.retryTimer = undefined;
    this.partitions.delete(partition);
    this.logger.info(`Unloaded transaction metadata of ${TRANSACTION_STATE_TOPIC_NAME}-${partition} (epoch ${status.coordinatorEpoch})`);
  }

  shutdown(): void {
    for (const [p, s] of [...this.partitions]) this.drop(p, s);
  }

  /** Resolves once the id's partition has loaded, if it is led here (FindCoordinator may wait on it). */
  async awaitLoaded(transactionalId: string): Promise<void> {
    await this.partitions.get(this.partitionFor(transactionalId))?.loaded;
  }

  get isLoading(): boolean {
    for (const s of this.partitions.values()) if (s.phase === 'loading') return true;
    return false;
  }

  /** The loaded partitions (not the loading ones). */
  *ownedPartitions(): IterableIterator<OwnedPartition> {
    for (const [partition, s] of this.partitions) if (s.phase === 'active') yield { partition, coordinatorEpoch: s.coordinatorEpoch, transactions: s.transactions };
  }

  /** The coordinator epoch the partition is loaded or loading at, or null if not led here. */
  heldEpochOf(partition: number): number | null {
    return this.partitions.get(partition)?.coordinatorEpoch ?? null;
  }

  /** The coordinator epoch of a loaded partition, or null. */
  coordinatorEpochOf(partition: number): number | null {
    const s = this.partitions.get(partition);
    return s && s.phase === 'active' ? s.coordinatorEpoch : null;
  }

  // ---- lookups -----------------------------------------------------------------------------

  getTransactionState(transactionalId: string): TxnLookup {
    const s = this.partitions.get(this.partitionFor(transactionalId));
    if (!s) return { owned: false, error: ErrorCode.NOT_COORDINATOR };
    if (s.phase === 'loading') return { owned: false, error: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    return { owned: true, coordinatorEpoch: s.coordinatorEpoch, metadata: s.transactions.get(transactionalId) ?? null };
  }

  /** Adds `created` unless the id already has metadata; the lookup returns whichever is cached. */
  putTransactionStateIfNotExists(created: TransactionMetadata): TxnLookup {
    const s = this.partitions.get(this.partitionFor(created.transactionalId));
    if (!s) return { owned: false, error: ErrorCode.NOT_COORDINATOR };
    if (s.phase === 'loading') return { owned: false, error: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    let md = s.transactions.get(created.transactionalId);
    if (!md) {
      md = created;
      s.transactions.set(created.transactionalId, md);
    }
    return { owned: true, coordinatorEpoch: s.coordinatorEpoch, metadata: md };
  }

  /** Removes an expired id if the cache still holds this very metadata at this epoch. */
  removeTransactionalId(transactionalId: string, coordinatorEpoch: number, expected: TransactionMetadata): boolean {
    const s = this.partitions.get(this.partitionFor(transactionalId));
    if (!s || s.phase !== 'active' || s.coordinatorEpoch !== coordinatorEpoch || s.transactions.get(transactionalId) !== expected) return false;
    s.transactions.delete(transactionalId);
    return true;
  }

  /** Ongoing transactions, with no transition pending, open longer than their timeout. */
  timedOutTransactions(): TimedOutTransaction[] {
    const now = this.clock.now();
    const out: TimedOutTransaction[] = [];
    for (const p of this.ownedPartitions()) {
      for (const [transactionalId, md] of p.transactions) {
        if (md.pendingTransitionInProgress || md.state !== TransactionState.Ongoing) continue;
        if (md.txnStartTimestamp + md.txnTimeoutMs < now) out.push({ transactionalId, producerId: md.producerId, producerEpoch: md.producerEpoch, metadata: md });
      }
    }
    return out;
  }

  // ---- durable transitions -----------------------------------------------------------------

  /**
   * Writes `transit` (prepared on the id's metadata under `coordinatorEpoch`) and applies it once
   * durable. Resolves to the client's error, NONE on success; never rejects. On an append failure
   * the pending state is cleared (so the client may retry) unless `opts.retryOnError(code)` says
   * the caller retries the same transition itself. `opts.onApplied` runs synchronously right after
   * the transition is applied, so it sees the metadata exactly as written (Kafka re-validates
   * there because other threads may have moved it; here nothing can run in between).
   */
  async appendTransactionToLog(transactionalId: string, coordinatorEpoch: number, transit: TxnTransitMetadata, opts: AppendOptions = {}): Promise<ErrorCode> {
    const retryOnError = opts.retryOnError ?? (() => false);
    const before = this.getTransactionState(transactionalId);
    if (!before.owned) return before.error;
    if (!before.metadata || before.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    const partition = this.partitionFor(transactionalId);
    let failure: ErrorCode = ErrorCode.NONE;
    try {
      const record = { key: encodeTransactionLogKey(transactionalId), value: encodeTransactionLogValue(transit) };
      await appendTxnRecords(this.log, partition, [record], this.clock.now(), transit.txnTimeoutMs);
    } catch (e) {
      failure = mapTxnAppendError(e);
      this.logger.debug(`Appending ${transactionalId}'s transition to ${TransactionState[transit.txnState]} failed: ${(e as Error).message}`);
    }
    const after = this.getTransactionState(transactionalId);
    if (failure !== ErrorCode.NONE) {
      // the metadata is unchanged; let the next request try again (unless the caller retries)
      if (after.owned && after.metadata && after.coordinatorEpoch === coordinatorEpoch && !retryOnError(failure)) after.metadata.pendingState = null;
      return failure;
    }
    if (!after.owned) return after.error;
    if (!after.metadata || after.coordinatorEpoch !== coordinatorEpoch) {
      this.logger.info(`The coordinator epoch of ${transactionalId} changed from ${coordinatorEpoch} while its transition was appended; not applying it`);
      return ErrorCode.NOT_COORDINATOR;
    }
    try {
      after.metadata.completeTransitionTo(transit);
    } catch (e) {
      this.logger.error(`Applying ${transactionalId}'s durable transition failed: ${(e as Error).message}`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    opts.onApplied?.(after.metadata);
    return ErrorCode.NONE;
  }
}
