/**
 * The leader's view of its followers (Kafka's Replica / ReplicaState and the ISR parts of
 * Partition): each follower's log end offset and when it was last caught up, the ISR with a
 * change in flight, and the high watermark rule.
 *
 * Invariants:
 * - `committed` is the ISR the controller accepted (partition state in the store).
 *   While an AlterPartition is in flight (`pending`), `maximal` is committed ∪ the replica
 *   being added (an expansion counts the newcomer at once for the HW, a shrink keeps the
 *   leaving replica until accepted), so the HW never advances on a set the controller has
 *   not agreed to be smaller.
 * - A follower is caught up at time t when its fetch at t asked for the leader's log end
 *   offset as it was at that fetch, or for the leader's end as of its previous fetch
 *   (Kafka's lastCaughtUpTimeMs rule): a steady stream keeps a fast follower in sync.
 * - Offsets are bigint log offsets; times are clock milliseconds.
 */

export interface FollowerState {
  /** Next offset the follower will fetch (its log end); -1n until its first fetch. */
  logEndOffset: bigint;
  lastCaughtUpTimeMs: number;
  lastFetchTimeMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: bigint;
}

export interface IsrState {
  readonly committed: readonly number[];
  readonly maximal: readonly number[];
  /** An AlterPartition for this partition is in flight. */
  readonly pending: boolean;
}

export function committedIsr(isr: readonly number[]): IsrState {
  return { committed: isr, maximal: isr, pending: false };
}

export function pendingExpansion(current: IsrState, newIsr: readonly number[]): IsrState {
  return { committed: current.committed, maximal: newIsr, pending: true };
}

export function pendingShrink(current: IsrState): IsrState {
  return { committed: current.committed, maximal: current.committed, pending: true };
}

/** Fresh follower states for a new leadership: ISR members count as caught up now. */
export function resetFollowers(replicas: readonly number[], isr: readonly number[], self: number, nowMs: number): Map<number, FollowerState> {
  const out = new Map<number, FollowerState>();
  for (const r of replicas) {
    if (r === self) continue;
    out.set(r, { logEndOffset: -1n, lastCaughtUpTimeMs: isr.includes(r) ? nowMs : 0, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1n });
  }
  return out;
}

/** Records a follower fetch at `fetchOffset` when the leader's end was `leaderLogEndOffset`. */
export function recordFollowerFetch(f: FollowerState, fetchOffset: bigint, leaderLogEndOffset: bigint, nowMs: number): void {
  if (fetchOffset >= leaderLogEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, nowMs);
  else if (fetchOffset >= f.lastFetchLeaderLogEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
  f.logEndOffset = fetchOffset;
  f.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  f.lastFetchTimeMs = nowMs;
}

/**
 * The high watermark the ISR allows: the minimum log end offset over the leader and every
 * follower in the maximal ISR (a member that has not fetched yet holds it where it is).
 * Never below `current` and never above the leader's log end.
 */
export function highWatermarkFor(leaderLogEndOffset: bigint, current: bigint, isr: IsrState, followers: ReadonlyMap<number, FollowerState>, self: number): bigint {
  let hw = leaderLogEndOffset;
  for (const id of isr.maximal) {
    if (id === self) continue;
    const f = followers.get(id);
    const leo = f ? f.logEndOffset : -1n;
    if (leo < hw) hw = leo;
  }
  return hw > current ? hw : current;
}

/**
 * A follower that may join the ISR: not in it, assigned, and caught up to the high watermark
 * and to the start of the leader's current epoch (so it holds everything this leader wrote).
 */
export function expansionCandidates(isr: IsrState, followers: ReadonlyMap<number, FollowerState>, highWatermark: bigint, leaderEpochStartOffset: bigint): number[] {
  const out: number[] = [];
  for (const [id, f] of followers) {
    if (isr.maximal.includes(id)) continue;
    if (f.logEndOffset >= highWatermark && f.logEndOffset >= leaderEpochStartOffset) out.push(id);
  }
  return out;
}

/**
 * ISR members (other than the leader) not caught up within `lagTimeMaxMs`
 * (replica.lag.time.max.ms): Kafka's getOutOfSyncReplicas.
 */
export function outOfSyncReplicas(isr: IsrState, followers: ReadonlyMap<number, FollowerState>, self: number, nowMs: number, lagTimeMaxMs: number): number[] {
  const out: number[] = [];
  for (const id of isr.committed) {
    if (id === self) continue;
    const f = followers.get(id);
    if (!f || nowMs - f.lastCaughtUpTimeMs > lagTimeMaxMs) out.push(id);
  }
  return out;
}
