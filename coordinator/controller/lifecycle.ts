/**
 * The controller's two explicit state machines (Kafka's PartitionStateMachine states and the
 * deletion part of its ReplicaStateMachine). Legal moves are listed once, in the
 * VALID_PREVIOUS tables; `assertTransition` enforces them.
 */

export enum PartitionLifecycle {
  /**
   * Just added to the context (the entry state).
   * Transitions: to New at once.
   */
  NonExistent = 'NonExistent',
  /**
   * Has an assignment but no stored leader/ISR state yet.
   * Actions: the controller creates the state (leader = first live replica, ISR = the live
   * replicas) when at least one replica is live; otherwise it waits for a broker to start.
   * Transitions: to Online once the state is written.
   */
  New = 'New',
  /**
   * Has a live leader.
   * Actions: may be re-elected (preferred, reassignment, controlled shutdown).
   * Transitions: to Offline when its leader dies; to Online on every re-election.
   */
  Online = 'Online',
  /**
   * Its leader is dead or -1.
   * Actions: an offline election runs whenever a broker starts or a config changes.
   * Transitions: to Online on a successful election.
   */
  Offline = 'Offline',
}

export const VALID_PREVIOUS_PARTITION_STATES: Readonly<Record<PartitionLifecycle, readonly PartitionLifecycle[]>> = {
  [PartitionLifecycle.NonExistent]: [],
  [PartitionLifecycle.New]: [PartitionLifecycle.NonExistent],
  [PartitionLifecycle.Online]: [PartitionLifecycle.New, PartitionLifecycle.Online, PartitionLifecycle.Offline],
  [PartitionLifecycle.Offline]: [PartitionLifecycle.New, PartitionLifecycle.Online, PartitionLifecycle.Offline],
};

/** One replica of a topic being deleted (Kafka's ReplicaDeletion* replica states). */
export enum ReplicaDeletionState {
  /**
   * Deletion not asked yet (or to be asked again).
   * Transitions: to Started when StopReplica(delete) is sent; to Ineligible when its broker is dead.
   */
  Pending = 'Pending',
  /**
   * StopReplica(deletePartition=true) sent, answer awaited.
   * Transitions: to Successful on a clean answer; to Ineligible on an error, a failed send or
   * the broker's death.
   */
  Started = 'Started',
  /** The broker deleted the replica. Final. */
  Successful = 'Successful',
  /**
   * Cannot be deleted now (broker dead, or it answered an error). Blocks the topic's deletion.
   * Transitions: to Pending when the topic's deletion is resumed (its broker started).
   */
  Ineligible = 'Ineligible',
}

export const VALID_PREVIOUS_DELETION_STATES: Readonly<Record<ReplicaDeletionState, readonly ReplicaDeletionState[]>> = {
  [ReplicaDeletionState.Pending]: [ReplicaDeletionState.Ineligible],
  [ReplicaDeletionState.Started]: [ReplicaDeletionState.Pending],
  [ReplicaDeletionState.Successful]: [ReplicaDeletionState.Started],
  [ReplicaDeletionState.Ineligible]: [ReplicaDeletionState.Pending, ReplicaDeletionState.Started, ReplicaDeletionState.Ineligible],
};

export class IllegalStateTransitionError extends Error {
  constructor(what: string, from: string, to: string) {
    super(`${what}: illegal transition ${from} -> ${to}`);
    this.name = 'IllegalStateTransitionError';
  }
}

export function assertTransition<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  what: string,
  from: S,
  to: S,
): void {
  if (!table[to].includes(from)) throw new IllegalStateTransitionError(what, from, to);
}
