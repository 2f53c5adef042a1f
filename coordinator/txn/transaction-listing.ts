/**
 * What DescribeTransactions (65) and ListTransactions (66) answer, in the shapes of their
 * generated response entries (Kafka 3.9's handleDescribeTransactions / listTransactionStates).
 * Dead ids are being removed and are shown as not found / left out.
 */
import { ErrorCode } from '../../protocol/errors';
import { defaultTransactionState as defaultDescribedTransaction } from '../../protocol/generated/describe-transactions-response';
import type { TransactionState as DescribedTransaction } from '../../protocol/generated/describe-transactions-response';
import type { TransactionState as ListedTransaction } from '../../protocol/generated/list-transactions-response';
import { groupByTopic } from './topic-partition-set';
import { TransactionState, transactionStateFromName, transactionStateName } from './transaction-state';
import type { TransactionStateManager } from './transaction-state-manager';

export type { DescribedTransaction, ListedTransaction };

export interface ListTransactionsResult {
  errorCode: ErrorCode;
  /** Requested state names this coordinator does not know. */
  unknownStateFilters: string[];
  transactionStates: ListedTransaction[];
}

export interface ListTransactionsFilters {
  /** Empty: every state. Names as Kafka shows them ("Ongoing", ...). */
  stateFilters: readonly string[];
  /** Empty: every producer id. */
  producerIdFilters: readonly bigint[];
  /** ListTransactions v1: only transactions running longer than this (ms); < 0 = no filter. */
  durationFilterMs?: number;
}

/** An error entry: only the id and the code set, the rest at the schema defaults (as Kafka). */
function describedError(transactionalId: string, code: ErrorCode): DescribedTransaction {
  return { ...defaultDescribedTransaction(), errorCode: code, transactionalId };
}

/** One DescribeTransactions entry; `active` = the coordinator has started (else COORDINATOR_NOT_AVAILABLE). */
export function describeTransaction(states: TransactionStateManager, transactionalId: string, active: boolean): DescribedTransaction {
  if (!active) return describedError(transactionalId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (transactionalId === '') return describedError(transactionalId, ErrorCode.INVALID_REQUEST);
  const lookup = states.getTransactionState(transactionalId);
  if (!lookup.owned) return describedError(transactionalId, lookup.error);
  const md = lookup.metadata;
  if (!md || md.state === TransactionState.Dead) return describedError(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  return {
    errorCode: ErrorCode.NONE,
    transactionalId,
    transactionState: transactionStateName(md.state),
    transactionTimeoutMs: md.txnTimeoutMs,
    transactionStartTimeMs: BigInt(md.txnStartTimestamp),
    producerId: md.producerId,
    producerEpoch: md.producerEpoch,
    topics: [...groupByTopic(md.partitions)].map(([topic, partitions]) => ({ topic, partitions })),
  };
}

/** The ListTransactions answer of this coordinator (every partition it has loaded). */
export function listTransactions(states: TransactionStateManager, filters: ListTransactionsFilters, nowMs: number, active: boolean): ListTransactionsResult {
  if (!active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
  if (states.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] };
  const unknownStateFilters: string[] = [];
  const wantedStates = new Set<TransactionState>();
  for (const name of filters.stateFilters) {
    const s = transactionStateFromName(name);
    if (s === null) unknownStateFilters.push(name);
    else wantedStates.add(s);
  }
  const wantedIds = new Set(filters.producerIdFilters);
  const durationMs = filters.durationFilterMs ?? -1;
  const transactionStates: ListedTransaction[] = [];
  for (const owned of states.ownedPartitions()) {
    for (const md of owned.transactions.values()) {
      if (md.state === TransactionState.Dead) continue;
      if (wantedIds.size > 0 && !wantedIds.has(md.producerId)) continue;
      // a filter naming only unknown states matches nothing, as in Kafka
      if (filters.stateFilters.length > 0 && !wantedStates.has(md.state)) continue;
      if (durationMs >= 0 && nowMs - md.txnStartTimestamp <= durationMs) continue;
      transactionStates.push({ transactionalId: md.transactionalId, producerId: md.producerId, transactionState: transactionStateName(md.state) });
    }
  }
  return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
}
