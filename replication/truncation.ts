/**
 * Where a follower truncates, from the leader's (epoch, end offset) for the follower's latest
 * epoch: the answer of OffsetForLeaderEpoch (KIP-101, KIP-279) or the divergingEpoch of a
 * fetch response (KIP-320). Pure: reads the replica, changes nothing.
 *
 * Rule (Kafka's AbstractFetcherThread.getOffsetTruncationState, with the refinement that the
 * leader's end offset also bounds the intermediate step):
 * - end offset UNDEFINED (-1): the leader knows no epoch <= ours: fall back to the high
 *   watermark (as Kafka does), or keep the log when the replica does not expose one; done.
 * - epoch UNDEFINED, offset valid (a leader without epochs in the answer): min(leader end, LEO); done.
 * - we have the leader's epoch: min(our end of that epoch, leader end, LEO); done.
 * - our largest epoch <= the leader's is smaller (we never had the leader's epoch): min(our end
 *   of that smaller epoch, leader end, LEO); not done: ask again with our new latest epoch.
 * - we have no epoch <= the leader's: min(leader end, LEO); done.
 * Every result is an upper bound of the prefix both logs agree on (offsets of an epoch
 * neither holds cannot agree), so truncating to it never removes agreed records, and every
 * not-done step removes at least the follower's latest epoch, so the rounds end.
 */
import type { FollowerReplica } from './follower-replica';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export interface TruncationTarget {
  /** Truncate to this offset (records at and above it go); >= LEO means keep everything. */
  offset: bigint;
  /** False when another epoch round is needed after this truncation. */
  complete: boolean;
}

function min(...xs: bigint[]): bigint {
  let m = xs[0]!;
  for (const x of xs) if (x < m) m = x;
  return m;
}

export function truncationTarget(replica: FollowerReplica, leaderEpoch: number, leaderEndOffset: bigint): TruncationTarget {
  const leo = replica.logEndOffset();
  if (leaderEndOffset === UNDEFINED_EPOCH_OFFSET) {
    const hw = replica.highWatermark?.();
    return { offset: hw === undefined ? leo : min(hw, leo), complete: true };
  }
  if (leaderEpoch === UNDEFINED_EPOCH) return { offset: min(leaderEndOffset, leo), complete: true };
  const ours = replica.endOffsetForEpoch(leaderEpoch);
  if (ours === null) return { offset: min(leaderEndOffset, leo), complete: true };
  if (ours.epoch === leaderEpoch) return { offset: min(ours.endOffset, leaderEndOffset, leo), complete: true };
  return { offset: min(ours.endOffset, leaderEndOffset, leo), complete: false };
}
