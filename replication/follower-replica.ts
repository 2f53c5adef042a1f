/**
 * What a replica fetcher needs of the local follower replica it feeds (implemented by the
 * broker's Partition in the follower role). The fetcher is the only writer of a follower's log
 * while the partition is assigned to it.
 */
export interface FollowerReplica {
  readonly topic: string;
  readonly partition: number;
  /** Kafka's 22-char base64url topic id (Fetch v13+ addresses topics by id). */
  readonly topicId: string;
  /** The leader epoch the controller gave this replica: sent as currentLeaderEpoch. */
  readonly leaderEpoch: number;
  logStartOffset(): bigint;
  logEndOffset(): bigint;
  /** The latest epoch in the local leader epoch cache, or null when it is empty. */
  latestEpoch(): number | null;
  /** Largest local epoch <= `epoch` and the offset where it ends (KIP-101), or null. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint } | null;
  /** Appends batches with the leader's offsets and epochs (they start at the log end). */
  appendAsFollower(records: Buffer): Promise<void>;
  /** Removes every batch at or above `offset`. */
  truncateTo(offset: bigint): Promise<void>;
  /** Deletes the whole log and restarts it empty at `offset`. */
  truncateFullyAndStartAt(offset: bigint): Promise<void>;
  /**
   * The local high watermark. Optional: when present, truncation falls back to it where Kafka
   * does (the leader knows no epoch <= ours, or the local log has no epochs); without it the
   * log is kept there.
   */
  highWatermark?(): bigint;
  /** After each successful fetch: the leader's high watermark and log start offset. */
  updateFromLeader(leaderHighWatermark: bigint, leaderLogStartOffset: bigint): void;
}
