/**
 * LeaderEndpoint: what a replica fetcher asks of the leader it copies from. One endpoint per
 * fetcher (one connection); RemoteLeaderEndpoint implements it over the wire, tests with an
 * in-memory fake.
 *
 * Contract:
 * - fetch sends the request as this replica (the endpoint stamps its replica id) and returns
 *   the leader's response; per-partition errors are in the response, not thrown.
 * - offsetForLeaderEpoch answers one result per requested partition, in any order; a
 *   partition the leader left out comes back with UNKNOWN_SERVER_ERROR.
 * - fetchEarliestOffset / fetchLatestOffset throw a KafkaError carrying the partition's
 *   error code (FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, ...).
 * - Every method throws (rejects) on a connection failure or timeout; nothing is retried.
 */
import type { FetchRequest } from '../protocol/generated/fetch-request';
import type { FetchResponse } from '../protocol/generated/fetch-response';

/** One partition of an OffsetForLeaderEpoch request. */
export interface EpochQuery {
  topic: string;
  partition: number;
  /** The leader epoch this replica was given (fences a stale leader or follower). */
  currentLeaderEpoch: number;
  /** The epoch whose end offset is asked: the follower's latest epoch. */
  leaderEpoch: number;
}

/** The leader's answer for one partition (KIP-101). */
export interface EpochAnswer {
  topic: string;
  partition: number;
  errorCode: number;
  /** Largest epoch <= the asked one in the leader's log, or -1 (UNDEFINED). */
  leaderEpoch: number;
  /** Where that epoch ends in the leader's log (its LEO for the current epoch), or -1n. */
  endOffset: bigint;
}

export interface LeaderEndpoint {
  fetch(req: FetchRequest): Promise<FetchResponse>;
  offsetForLeaderEpoch(queries: readonly EpochQuery[]): Promise<EpochAnswer[]>;
  /** The leader's log start offset. */
  fetchEarliestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint>;
  /** The leader's log end offset (ListOffsets latest, asked as a replica). */
  fetchLatestOffset(topic: string, partition: number, currentLeaderEpoch: number): Promise<bigint>;
  /** Closes the connection; requests in flight reject. */
  close(): void;
}
