/**
 * The classic consumer group state machine (Kafka's ClassicGroupState).
 *
 * Legal moves are listed once, in VALID_PREVIOUS_STATES; ClassicGroup.transitionTo() asserts them.
 * The string values are the names DescribeGroups / ListGroups report.
 */
export enum GroupState {
  /**
   * Group has no members, but may still have committed offsets (or is a "simple" group that
   * only commits offsets).
   * Actions: JoinGroup with an unknown member id starts a rebalance; offset commits without a
   * generation are accepted; OffsetFetch works; heartbeat/sync/commit from a member id ->
   * UNKNOWN_MEMBER_ID.
   * Transitions: to PreparingRebalance on a join; to Dead when the group is deleted or its last
   * offsets expire.
   */
  Empty = 'Empty',
  /**
   * Waiting for every known member to (re)send JoinGroup before the rebalance timeout.
   * Actions: JoinGroup parks the request until the join completes; heartbeats ->
   * REBALANCE_IN_PROGRESS; SyncGroup -> REBALANCE_IN_PROGRESS; commits from current members
   * are accepted.
   * Transitions: to CompletingRebalance when every member joined (or the rebalance timeout
   * expired, dropping dynamic members that did not rejoin); to Empty when nobody is left;
   * to Dead on deletion/emigration.
   */
  PreparingRebalance = 'PreparingRebalance',
  /**
   * Join complete; waiting for the leader's SyncGroup with the assignment.
   * Actions: followers' SyncGroup are parked; heartbeats succeed; commits ->
   * REBALANCE_IN_PROGRESS; a leader SyncGroup stores the assignment and moves to Stable.
   * Transitions: to Stable on a stored assignment; to PreparingRebalance on a join with changed
   * metadata, a member leaving or failing, or the pending-sync timeout; to Dead on emigration.
   */
  CompletingRebalance = 'CompletingRebalance',
  /**
   * Assignment distributed; members heartbeat and commit.
   * Actions: heartbeats and commits succeed; SyncGroup returns the stored assignment; a JoinGroup
   * from the leader or with new metadata starts a rebalance, otherwise returns the current
   * generation.
   * Transitions: to PreparingRebalance on member failure, leave, or join with new metadata;
   * to Dead on emigration.
   */
  Stable = 'Stable',
  /**
   * The group is gone (deleted, expired, or its coordinator partition moved away). Only ever
   * a final state; any request observing it answers COORDINATOR_NOT_AVAILABLE or as if the
   * group does not exist.
   */
  Dead = 'Dead',
}

/** For each target state, the states it may be entered from. */
export const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  [GroupState.Empty]: [GroupState.PreparingRebalance],
  [GroupState.PreparingRebalance]: [GroupState.Stable, GroupState.CompletingRebalance, GroupState.Empty],
  [GroupState.CompletingRebalance]: [GroupState.PreparingRebalance],
  [GroupState.Stable]: [GroupState.CompletingRebalance],
  [GroupState.Dead]: [
    GroupState.Stable,
    GroupState.PreparingRebalance,
    GroupState.CompletingRebalance,
    GroupState.Empty,
    GroupState.Dead,
  ],
};

/** Parses a state name as ListGroups' states filter carries it (case-insensitive). */
export function parseGroupState(name: string): GroupState | undefined {
  const lower = name.toLowerCase();
  for (const s of Object.values(GroupState)) if (s.toLowerCase() === lower) return s;
  return undefined;
}
