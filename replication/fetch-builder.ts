/**
 * Builds a replica fetcher's Fetch request and prepares the records of its response.
 * Sessionless (sessionId 0, epoch -1: every request lists all its partitions), read_uncommitted,
 * topics addressed by id (Fetch v13+). Units: bytes and milliseconds as in the configs.
 */
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest, type FetchTopic } from '../protocol/generated/fetch-request';
import type { EpochEndOffset } from '../protocol/generated/fetch-response';
import { BatchIterator } from '../protocol/records/batch-iterator';
import type { PartitionFetchState } from './fetch-state';

/** The replica.fetch.* settings of a fetcher. */
export interface ReplicaFetcherConfig {
  /** replica.fetch.max.bytes: per partition (Kafka's default 1048576). */
  fetchMaxBytes: number;
  /** replica.fetch.response.max.bytes: per response (default 10485760). */
  fetchResponseMaxBytes: number;
  /** replica.fetch.wait.max.ms: the leader's long-poll limit (default 500). */
  fetchWaitMaxMs: number;
  /** replica.fetch.min.bytes (default 1). */
  fetchMinBytes: number;
  /** replica.fetch.backoff.ms: the back-off after an error (default 1000). */
  fetchBackoffMs: number;
  /**
   * ms after which a fetcher round (requests and log operations, not the idle wait) that has not
   * finished is logged with what it still waits for (default STALL_WARN_MS). A request alone
   * fails after replica.socket.timeout.ms; this catches a log operation that never settles.
   */
  stallWarnMs?: number;
}

export const STALL_WARN_MS = 60_000;

/** One partition as it was put in a request. */
export interface SentPartition {
  state: PartitionFetchState;
  fetchOffset: bigint;
}

export function buildFetchRequest(brokerId: number, config: ReplicaFetcherConfig, partitions: readonly SentPartition[]): FetchRequest {
  const topics = new Map<string, FetchTopic>();
  for (const { state, fetchOffset } of partitions) {
    const r = state.replica;
    let t = topics.get(r.topicId);
    if (!t) topics.set(r.topicId, (t = { topic: r.topic, topicId: r.topicId, partitions: [] }));
    t.partitions.push({
      ...defaultFetchPartition(),
      partition: r.partition,
      currentLeaderEpoch: state.currentLeaderEpoch,
      fetchOffset,
      lastFetchedEpoch: r.latestEpoch() ?? -1,
      logStartOffset: r.logStartOffset(),
      partitionMaxBytes: config.fetchMaxBytes,
    });
  }
  return {
    ...defaultFetchRequest(),
    replicaState: { replicaId: brokerId, replicaEpoch: -1n },
    maxWaitMs: config.fetchWaitMaxMs,
    minBytes: config.fetchMinBytes,
    maxBytes: config.fetchResponseMaxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [...topics.values()],
  };
}

/** `topicId:partition`, the key of a partition in a Fetch v13+ response. */
export function responseKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

/** A divergingEpoch field that is set (KIP-320): epoch and end offset both defined. */
export function isDiverging(d: EpochEndOffset | undefined): d is EpochEndOffset {
  return d !== undefined && d.epoch >= 0 && d.endOffset >= 0n;
}

const EMPTY = Buffer.alloc(0);

/**
 * The records to append: the received bytes as they are, without a trailing batch cut short
 * by the byte limit (a subarray, never a copy or re-encoding). Anything else malformed is
 * left in, so the log's validation rejects it loudly instead of it being skipped silently.
 */
export function recordsToAppend(records: Buffer | null): Buffer {
  if (records === null || records.length === 0) return EMPTY;
  const it = new BatchIterator(records);
  for (const _ of it);
  const stop = it.stop;
  if (stop !== null && stop.reason === 'partial') return records.subarray(0, stop.position);
  return records;
}
