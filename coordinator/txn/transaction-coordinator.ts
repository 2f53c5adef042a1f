/**
 * The transaction coordinator facade the handlers call (Kafka 3.9's TransactionCoordinator):
 * InitProducerId (22), AddPartitionsToTxn (24, including v4+ verifyOnly from brokers),
 * AddOffsetsToTxn (25), EndTxn (26), DescribeTransactions (65), ListTransactions (66), the periodic
 * abort of timed-out transactions and removal of expired transactional ids, and the
 * __transaction_state leadership changes (onElection / onResignation).
 *
 * Handlers keep the version mapping Kafka's KafkaApis does: PRODUCER_FENCED is answered as
 * INVALID_PRODUCER_EPOCH to InitProducerId < v4, AddPartitionsToTxn < v2, AddOffsetsToTxn < v2 and
 * EndTxn < v2; authorization and unknown-topic checks of AddPartitionsToTxn happen before the
 * coordinator is asked (see add-partitions-result.ts).
 *
 * Order rule: each handle* runs synchronously up to its first durable append (or producer id
 * allocation), so checks and the transition they prepare see one consistent state; after every
 * await the metadata is looked up again (see transaction-state-manager.ts).
 */
import type { Clock, Timer } from '../../storage/clock';
import { systemClock } from '../../storage/clock';
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import type { AddPartitionsToTxnResult } from '../../protocol/generated/add-partitions-to-txn-response';
import { GROUP_METADATA_TOPIC_NAME } from '../group/coordinator-log';
import { coordinatorPartitionFor } from '../group/coordinator-partition';
import type { ProducerIdManager } from './producer-id-manager';
import { addPartitionsResult, addPartitionsResultForAll } from './add-partitions-result';
import { endTransaction, EndTransactionContext } from './end-transaction';
import { TopicPartition, TopicPartitionSet } from './topic-partition-set';
import { IllegalTxnStateError, isEpochExhausted, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionMetadata, TxnTransitMetadata } from './transaction-metadata';
import { describeTransaction, DescribedTransaction, listTransactions, ListTransactionsFilters, ListTransactionsResult } from './transaction-listing';
import { TransactionResult, TransactionState, transactionStateName } from './transaction-state';
import { TransactionStateManager } from './transaction-state-manager';
import { removeExpiredTransactionalIds } from './transactional-id-expiry';
import { DEFAULT_TXN_COORDINATOR_CONFIG, SILENT_TXN_LOGGER, TxnCoordinatorConfig, TxnLogger } from './txn-config';
import { TxnMarkerChannel } from './txn-marker-channel';
import type { TxnMarkerSender } from './txn-marker-sender';
import type { TxnStateLog } from './txn-state-log';

export interface TxnCoordinatorOptions {
  log: TxnStateLog;
  markerSender: TxnMarkerSender;
  producerIds: Pick<ProducerIdManager, 'generateProducerId'>;
  config?: Partial<TxnCoordinatorConfig>;
  clock?: Clock;
  logger?: TxnLogger;
  /** groupId -> its __consumer_offsets partition; default: the group coordinator's formula over offsetsTopicNumPartitions. */
  groupPartitionFor?: (groupId: string) => number;
  /** Schedule transactional id expiry at startup (Kafka's enableTransactionalIdExpiration); default true. */
  enableTransactionalIdExpiration?: boolean;
}

export interface InitProducerIdArgs {
  /** null: an idempotent producer without transactions. */
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** The request's producerId / producerEpoch (KIP-360): both -1, or both set by a producer that had them. */
  producerId: bigint;
  producerEpoch: number;
}

export interface InitProducerIdResult {
  errorCode: ErrorCode;
  producerId: bigint;
  producerEpoch: number;
}

interface ProducerIdAndEpoch {
  producerId: bigint;
  producerEpoch: number;
}

function initError(errorCode: ErrorCode): InitProducerIdResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

/** A producer id allocated ahead of a synchronous retry of the checks (see handleInitProducerId). */
class SpareProducerId {
  private id: bigint | null = null;
  get available(): boolean {
    return this.id !== null;
  }
  give(id: bigint): void {
    this.id = id;
  }
  take(): bigint {
    if (this.id === null) throw new IllegalTxnStateError('no spare producer id');
    const id = this.id;
    this.id = null;
    return id;
  }
}

type InitStep =
  | { kind: 'error'; error: ErrorCode }
  | { kind: 'needProducerId' }
  | { kind: 'transit'; coordinatorEpoch: number; transit: TxnTransitMetadata };

export class TransactionCoordinator {
  readonly config: TxnCoordinatorConfig;
  readonly clock: Clock;
  readonly logger: TxnLogger;
  readonly states: TransactionStateManager;
  readonly markers: TxnMarkerChannel;
  private readonly producerIds: Pick<ProducerIdManager, 'generateProducerId'>;
  private readonly groupPartitionFor: (groupId: string) => number;
  private readonly expireIds: boolean;
  private readonly endCtx: EndTransactionContext;
  private active = false;
  private abortTimer: Timer | undefined;
  private expiryTimer: Timer | undefined;

  constructor(opts: TxnCoordinatorOptions) {
    this.config = { ...DEFAULT_TXN_COORDINATOR_CONFIG, ...opts.config };
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? SILENT_TXN_LOGGER;
    this.states = new TransactionStateManager(this.config, opts.log, this.clock, this.logger);
    this.markers = new TxnMarkerChannel(this.states, opts.markerSender, this.config, this.clock, this.logger);
    this.producerIds = opts.producerIds;
    this.groupPartitionFor = opts.groupPartitionFor ?? ((g) => coordinatorPartitionFor(g, this.config.offsetsTopicNumPartitions));
    this.expireIds = opts.enableTransactionalIdExpiration ?? true;
    this.endCtx = { states: this.states, markers: this.markers, clock: this.clock, logger: this.logger };
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Starts the timed-out abort and expiry schedules; Describe/ListTransactions answer from now on. */
  startup(): void {
    if (this.active) return;
    this.active = true;
    this.scheduleAbort();
    if (this.expireIds) this.scheduleExpiry();
  }

  shutdown(): void {
    this.active = false;
    if (this.abortTimer !== undefined) this.clock.clearTimeout(this.abortTimer);
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.abortTimer = this.expiryTimer = undefined;
    this.markers.shutdown();
    this.states.shutdown();
  }

  private scheduleAbort(): void {
    this.abortTimer = this.clock.setTimeout(() => {
      if (!this.active) return;
      void this.abortTimedOutTransactions();
      this.scheduleAbort();
    }, this.config.transactionAbortTimedOutTransactionCleanupIntervalMs);
  }

  private scheduleExpiry(): void {
    this.expiryTimer = this.clock.setTimeout(() => {
      if (!this.active) return;
      removeExpiredTransactionalIds(this.states).catch((e: unknown) => this.logger.error(`Transactional id expiry failed: ${(e as Error).message}`));
      this.scheduleExpiry();
    }, this.config.transactionRemoveExpiredTransactionalIdCleanupIntervalMs);
  }

  partitionFor(transactionalId: string): number {
    return this.states.partitionFor(transactionalId);
  }

  /**
   * This broker leads __transaction_state-`partition` at `coordinatorEpoch` (its leader epoch):
   * load it, then complete the transactions found in PrepareCommit / PrepareAbort.
   */
  onElection(partition: number, coordinatorEpoch: number): Promise<void> {
    const held = this.states.heldEpochOf(partition);
    // a (re)load restarts the completions of this partition from the log
    if (held === null || held < coordinatorEpoch) this.markers.removeMarkersForTxnTopicPartition(partition);
    return this.states.onElection(partition, coordinatorEpoch, (pending) => {
      for (const p of pending) {
        this.logger.info(`Sending the ${p.result} markers of ${p.metadata.transactionalId} found in ${transactionStateName(p.metadata.state)} after loading`);
        this.markers.addTxnMarkersToSend(p.coordinatorEpoch, p.result, p.metadata, p.transit);
      }
    });
  }

  /** This broker no longer leads the partition (`coordinatorEpoch` if known: an older one is ignored). */
  onResignation(partition: number, coordinatorEpoch?: number): void {
    if (this.states.onResignation(partition, coordinatorEpoch)) this.markers.removeMarkersForTxnTopicPartition(partition);
  }

  // ---- InitProducerId ----------------------------------------------------------------------

  async handleInitProducerId(args: InitProducerIdArgs): Promise<InitProducerIdResult> {
    const { transactionalId, transactionTimeoutMs } = args;
    // KafkaApis: both -1 (no expectation) or both set
    let expected: ProducerIdAndEpoch | null = null;
    if (args.producerId !== NO_PRODUCER_ID || args.producerEpoch !== NO_PRODUCER_EPOCH) {
      if (args.producerId === NO_PRODUCER_ID || args.producerEpoch === NO_PRODUCER_EPOCH) return initError(ErrorCode.INVALID_REQUEST);
      expected = { producerId: args.producerId, producerEpoch: args.producerEpoch };
    }
    if (transactionalId === null) {
      try {
        return { errorCode: ErrorCode.NONE, producerId: await this.producerIds.generateProducerId(), producerEpoch: 0 };
      } catch (e) {
        return initError(errorCodeOf(e));
      }
    }
    if (transactionalId === '') return initError(ErrorCode.INVALID_REQUEST);
    if (!this.states.validateTransactionTimeoutMs(transactionTimeoutMs)) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);

    // A step that needs a new producer id allocates one and runs the checks again: the
    // allocation awaits, and the metadata may change meanwhile.
    const spare = new SpareProducerId();
    for (;;) {
      const step = this.prepareInit(transactionalId, transactionTimeoutMs, expected, spare);
      if (step.kind === 'error') return initError(step.error);
      if (step.kind === 'needProducerId') {
        try {
          spare.give(await this.producerIds.generateProducerId());
        } catch (e) {
          return initError(errorCodeOf(e));
        }
        continue;
      }
      const { coordinatorEpoch, transit } = step;
      if (transit.txnState === TransactionState.PrepareEpochFence) {
        // abort the open transaction first; the producer retries and then gets its epoch
        const code = await endTransaction(this.endCtx, { transactionalId, producerId: transit.producerId, producerEpoch: transit.producerEpoch, result: 'ABORT', isFromClient: false });
        return initError(code === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : code);
      }
      const code = await this.states.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
      if (code !== ErrorCode.NONE) {
        this.logger.info(`Returning ${ErrorCode[code]} to ${transactionalId}'s InitProducerId`);
        return initError(code);
      }
      this.logger.info(`Initialized transactional id ${transactionalId} with producer id ${transit.producerId} and epoch ${transit.producerEpoch}`);
      return { errorCode: ErrorCode.NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
    }
  }

  private prepareInit(transactionalId: string, txnTimeoutMs: number, expected: ProducerIdAndEpoch | null, spare: SpareProducerId): InitStep {
    let lookup = this.states.getTransactionState(transactionalId);
    if (!lookup.owned) return { kind: 'error', error: lookup.error };
    if (!lookup.metadata) {
      if (!spare.available) return { kind: 'needProducerId' };
      const created = new TransactionMetadata(transactionalId, { producerId: spare.take(), producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs, state: TransactionState.Empty, txnLastUpdateTimestamp: this.clock.now() });
      lookup = this.states.putTransactionStateIfNotExists(created);
      if (!lookup.owned) return { kind: 'error', error: lookup.error };
    }
    const md = lookup.metadata;
    if (!md) throw new IllegalTxnStateError(`no metadata for ${transactionalId} after adding it`);
    const coordinatorEpoch = lookup.coordinatorEpoch;
    const now = this.clock.now();
    if (md.pendingTransitionInProgress) return { kind: 'error', error: ErrorCode.CONCURRENT_TRANSACTIONS };
    // KIP-360: a producer that names its id and epoch is fenced unless the metadata is brand new,
    // the id is the current one (the epoch is checked below), or it is the previous id with an
    // exhausted epoch (a retry of a rotation whose answer was lost)
    if (expected) {
      const valid =
        md.producerEpoch === NO_PRODUCER_EPOCH ||
        expected.producerId === md.producerId ||
        (expected.producerId === md.lastProducerId && isEpochExhausted(expected.producerEpoch));
      if (!valid) return { kind: 'error', error: ErrorCode.PRODUCER_FENCED };
    }
    const write = (transit: TxnTransitMetadata): InitStep => ({ kind: 'transit', coordinatorEpoch, transit });
    switch (md.state) {
      case TransactionState.PrepareAbort:
      case TransactionState.PrepareCommit:
        return { kind: 'error', error: ErrorCode.CONCURRENT_TRANSACTIONS };
      case TransactionState.CompleteAbort:
      case TransactionState.CompleteCommit:
      case TransactionState.Empty:
        if (md.isProducerEpochExhausted && (!expected || expected.producerEpoch === md.producerEpoch)) {
          if (!spare.available) return { kind: 'needProducerId' };
          return write(md.prepareProducerIdRotation(spare.take(), txnTimeoutMs, now, expected !== null));
        }
        try {
          return write(md.prepareIncrementProducerEpoch(txnTimeoutMs, expected ? expected.producerEpoch : null, now));
        } catch (e) {
          if (e instanceof KafkaError) return { kind: 'error', error: e.code };
          throw e;
        }
      case TransactionState.Ongoing:
        // fence the producer: this raised epoch is never answered; the retry after the abort
        // raises it again (or rotates the id if the fence used the last epoch)
        return write(md.prepareFenceProducerEpoch());
      case TransactionState.Dead:
      case TransactionState.PrepareEpochFence:
        throw new IllegalTxnStateError(`${transactionalId} is in state ${transactionStateName(md.state)}, which is never entered`);
    }
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ------------------------------------------------

  /** Adds partitions to the transaction; one error for all of them. */
  async handleAddPartitionsToTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<ErrorCode> {
    if (!transactionalId) return ErrorCode.INVALID_REQUEST;
    const lookup = this.states.getTransactionState(transactionalId);
    if (!lookup.owned) return lookup.error;
    const md = lookup.metadata;
    if (!md || md.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (md.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (md.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (md.state === TransactionState.PrepareCommit || md.state === TransactionState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    // already part of the open transaction: nothing to write
    if (md.state === TransactionState.Ongoing && md.partitions.containsAll(partitions)) return ErrorCode.NONE;
    const transit = md.prepareAddPartitions(new TopicPartitionSet(partitions), this.clock.now());
    return this.states.appendTransactionToLog(transactionalId, lookup.coordinatorEpoch, transit);
  }

  /** AddPartitionsToTxn v4+ with verifyOnly (a partition leader asking): NONE per partition in the transaction, TRANSACTION_ABORTABLE otherwise. */
  handleVerifyPartitionsInTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): AddPartitionsToTxnResult {
    const id = transactionalId ?? '';
    const all = (code: ErrorCode): AddPartitionsToTxnResult => addPartitionsResultForAll(id, partitions, code);
    if (!transactionalId) return all(ErrorCode.INVALID_REQUEST);
    const lookup = this.states.getTransactionState(transactionalId);
    if (!lookup.owned) return all(lookup.error);
    const md = lookup.metadata;
    if (!md || md.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (md.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    // the pending state is not checked: the partition's own append validates again
    if (md.state === TransactionState.PrepareCommit || md.state === TransactionState.PrepareAbort) return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    return addPartitionsResult(id, partitions.map((tp) => [tp, md.partitions.has(tp) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE] as const));
  }

  /** The __consumer_offsets partition AddOffsetsToTxn adds for `groupId`. */
  offsetsPartitionFor(groupId: string): TopicPartition {
    return { topic: GROUP_METADATA_TOPIC_NAME, partition: this.groupPartitionFor(groupId) };
  }

  /** Adds the group's __consumer_offsets partition, so TxnOffsetCommit may follow. */
  handleAddOffsetsToTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, groupId: string): Promise<ErrorCode> {
    return this.handleAddPartitionsToTransaction(transactionalId, producerId, producerEpoch, [this.offsetsPartitionFor(groupId)]);
  }

  // ---- EndTxn and timeouts -----------------------------------------------------------------

  /** Resolves once PrepareCommit / PrepareAbort is durable (NONE); the markers follow in the background. */
  handleEndTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, result: TransactionResult): Promise<ErrorCode> {
    return endTransaction(this.endCtx, { transactionalId, producerId, producerEpoch, result, isFromClient: true });
  }

  /**
   * Aborts every Ongoing transaction open longer than its timeout, raising the epoch first as a
   * fence does (so the timed-out producer's next request is fenced). Resolves when every abort's
   * PrepareAbort was written or refused.
   */
  async abortTimedOutTransactions(): Promise<void> {
    const aborts: Promise<void>[] = [];
    // timedOutTransactions ran in this same synchronous span: the metadata is as it found it
    // (Ongoing, nothing pending), which Kafka has to check again under the metadata's lock
    for (const t of this.states.timedOutTransactions()) {
      const md = t.metadata;
      let fence: TxnTransitMetadata;
      try {
        fence = md.prepareFenceProducerEpoch();
      } catch (e) {
        this.logger.error(`Not aborting timed-out ${t.transactionalId}: ${(e as Error).message}`);
        continue;
      }
      const done = endTransaction(this.endCtx, { transactionalId: t.transactionalId, producerId: fence.producerId, producerEpoch: fence.producerEpoch, result: 'ABORT', isFromClient: false }).then(
        (code) => this.onTimedOutAbort(t.transactionalId, code),
        (e: unknown) => this.logger.error(`Aborting timed-out ${t.transactionalId} failed: ${(e as Error).message}`),
      );
      aborts.push(done);
    }
    await Promise.all(aborts);
  }

  private onTimedOutAbort(transactionalId: string, code: ErrorCode): void {
    if (code === ErrorCode.NONE) this.logger.info(`Rolling back the timed-out transaction of ${transactionalId}`);
    else if (code === ErrorCode.INVALID_PRODUCER_ID_MAPPING || code === ErrorCode.PRODUCER_FENCED || code === ErrorCode.CONCURRENT_TRANSACTIONS) this.logger.debug(`Rollback of ${transactionalId} cancelled: ${ErrorCode[code]}`);
    else this.logger.warn(`Rollback of the timed-out transaction of ${transactionalId} failed: ${ErrorCode[code]}`);
  }

  /** Removes idle transactional ids now (the schedule calls it every cleanup interval). */
  removeExpiredTransactionalIds(): Promise<void> {
    return removeExpiredTransactionalIds(this.states);
  }

  // ---- Describe / List ---------------------------------------------------------------------

  handleDescribeTransactions(transactionalId: string): DescribedTransaction {
    return describeTransaction(this.states, transactionalId, this.active);
  }

  handleListTransactions(filters: ListTransactionsFilters): ListTransactionsResult {
    return listTransactions(this.states, filters, this.clock.now(), this.active);
  }
}
