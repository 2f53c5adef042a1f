/**
 * The states of a transactional id (Kafka 3.9's TransactionState): the ids are what
 * __transaction_state records carry in `transactionStatus`, the names are what
 * DescribeTransactions and ListTransactions show and filter on.
 *
 * The transition table lists, for every state, the states it may be entered from. It is the only
 * place that decides which transitions exist; TransactionMetadata refuses any other.
 */

export enum TransactionState {
  /** A producer id and epoch are assigned; no transaction is open. */
  Empty = 0,
  /** Partitions (or a group's offsets) were added: a transaction is open. */
  Ongoing = 1,
  /** EndTxn(commit) was written; markers are being sent. */
  PrepareCommit = 2,
  /** EndTxn(abort), a timeout or a fence was written; markers are being sent. */
  PrepareAbort = 3,
  /** Every partition has its COMMIT marker. */
  CompleteCommit = 4,
  /** Every partition has its ABORT marker. */
  CompleteAbort = 5,
  /** The transactional id expired and is being removed (never written: a tombstone is). */
  Dead = 6,
  /** An InitProducerId or a timeout is fencing the current epoch; only ever a pending state. */
  PrepareEpochFence = 7,
}

const VALID_PREVIOUS_STATES: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  [TransactionState.Empty]: [TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  [TransactionState.Ongoing]: [TransactionState.Ongoing, TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  [TransactionState.PrepareCommit]: [TransactionState.Ongoing],
  [TransactionState.PrepareAbort]: [TransactionState.Ongoing, TransactionState.PrepareEpochFence],
  [TransactionState.CompleteCommit]: [TransactionState.PrepareCommit],
  [TransactionState.CompleteAbort]: [TransactionState.PrepareAbort],
  [TransactionState.Dead]: [TransactionState.Empty, TransactionState.CompleteAbort, TransactionState.CompleteCommit],
  [TransactionState.PrepareEpochFence]: [TransactionState.Ongoing],
};

/** Whether a transactional id in state `from` may move to `to`. */
export function isValidTransition(from: TransactionState, to: TransactionState): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

/** What EndTxn asks for, and which control marker the partitions get. */
export type TransactionResult = 'COMMIT' | 'ABORT';

/** States whose transactional id may expire after transactional.id.expiration.ms without updates. */
export function isExpirationAllowed(state: TransactionState): boolean {
  return state === TransactionState.Empty || state === TransactionState.CompleteCommit || state === TransactionState.CompleteAbort;
}

/** The name Kafka shows for the state ("Empty", "Ongoing", ...). */
export function transactionStateName(state: TransactionState): string {
  return TransactionState[state];
}

/** The state of a `transactionStatus` id; throws for an id Kafka 3.9 does not define. */
export function transactionStateFromId(id: number): TransactionState {
  if (!Number.isInteger(id) || id < 0 || id > TransactionState.PrepareEpochFence) throw new Error(`Unknown transaction state id ${id} in a transaction log value`);
  return id as TransactionState;
}

/** The state named `name` (exact, case-sensitive as in Kafka), or null. */
export function transactionStateFromName(name: string): TransactionState | null {
  const value = (TransactionState as unknown as Record<string, unknown>)[name];
  return typeof value === 'number' ? (value as TransactionState) : null;
}
