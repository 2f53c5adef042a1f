/**
 * ReplicaManager: the partitions this broker hosts, appends (Produce) and reads (Fetch, for
 * consumers and followers) across them, and the produce/fetch purgatories (ARCHITECTURE §2/§3).
 * Roles come from the controller (leadership.ts applies LeaderAndIsr / StopReplica); handlers
 * translate requests into calls here, and this class decides.
 *
 * Invariants:
 * - `partitions` holds a Partition for every replica this broker hosts; keys are "topic-partition".
 * - appendRecords() starts every partition's append synchronously, in argument order, so
 *   pipelined produce requests keep their order per partition.
 * - A failed partition never fails the others: each gets its own error code.
 */
import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/errors';
import type { Clock } from '../../storage/clock';
import type { LogConfig } from '../../storage/log-config';
import type { LogManager } from '../../storage/log-manager';
import type { DescribedProducer } from '../../storage/log-producer-append';
import type { AppendOrigin } from '../../storage/log-validator';
import { RecordValidationError, type RecordError } from '../../storage/record-validation-error';
import { DelayedFetch, DelayedProduce, readableBytes, type FetchWatch, type ProducePartitionStatus } from './delayed-ops';
import type { Logger } from '../logger';
import { Partition, type IsolationLevel, type PartitionReadResult } from './partition';
import { Purgatory } from './purgatory';
import { partitionKey } from '../../replication/types';

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer;
  /** Error decided before appending (validation, unknown partition): the entry is not appended. */
  errorCode?: ErrorCode;
  errorMessage?: string | null;
  /**
   * Who writes (producer-state checks, storage/log-producer-append.ts): Produce passes 'client';
   * unset, appends to the internal topics are the coordinators' ('coordinator'), others 'client'.
   */
  origin?: AppendOrigin;
}

export interface AppendResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  /** The bad records of a refused batch, by index in the batch (Produce v8+); else empty. */
  recordErrors: readonly RecordError[];
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** Last offset appended (-1n when nothing was appended); the HW must pass it for acks=-1. */
  lastOffset: bigint;
}

/** One partition of a fetch, as the Fetch handler resolved it. */
export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  /** Error decided by the handler (unknown topic id): the partition is not read. */
  errorCode?: ErrorCode;
}

export interface FetchParams {
  /** The fetching follower's broker id, or -1 for a consumer. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolation: IsolationLevel;
  /** v3+: the first partition with data may exceed the limits by one batch (KIP-74). */
  minOneBatch: boolean;
}

export interface FetchPartitionResult {
  errorCode: ErrorCode;
  read: PartitionReadResult | undefined;
  /** The local replica that was read (undefined on error). */
  partition: Partition | undefined;
}

export { partitionKey };

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly producePurgatory: Purgatory<DelayedProduce>;
  readonly fetchPurgatory: Purgatory<DelayedFetch>;
  /** Set by the broker: how a leader's ISR change reaches the controller. */
  requestIsrChange: Partition['requestIsrChange'];
  /** Set by the broker: whether a broker may join an ISR (alive in the metadata cache). */
  isReplicaEligible: (brokerId: number) => boolean = () => true;

  constructor(
    readonly logManager: LogManager,
    readonly brokerId: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.producePurgatory = new Purgatory('Produce', clock);
    this.fetchPurgatory = new Purgatory('Fetch', clock);
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  allPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /**
   * The local leader replica, or KafkaError: without a local replica NOT_LEADER_OR_FOLLOWER when
   * the cluster has the partition (inClusterMetadata), else UNKNOWN_TOPIC_OR_PARTITION; with one
   * that does not lead, NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH.
   */
  leaderPartition(topic: string, partition: number, currentLeaderEpoch = -1): Partition {
    const local = this.partitions.get(partitionKey(topic, partition));
    const p = local && !local.isClosed ? local : this.hostedPartition(topic, partition, this.inClusterMetadata(topic, partition));
    p.checkLeader(currentLeaderEpoch);
    return p;
  }

  /**
   * Whether the cluster metadata (the broker's metadata cache) has this partition: set by the
   * broker. A partition it has but this broker does not host is NOT_LEADER_OR_FOLLOWER, as in
   * Kafka's ReplicaManager.getPartitionOrError, so clients refresh their metadata.
   */
  inClusterMetadata: (topic: string, partition: number) => boolean = () => false;

  /**
   * The local replica for ListOffsets / DeleteRecords (Kafka's getPartitionOrException): when
   * there is none, NOT_LEADER_OR_FOLLOWER if the partition exists in the cluster metadata (it
   * lives on other brokers), else UNKNOWN_TOPIC_OR_PARTITION. Roles are checked by the caller.
   */
  hostedPartition(topic: string, partition: number, inMetadata: boolean): Partition {
    const p = this.partitions.get(partitionKey(topic, partition));
    if (p && !p.isClosed) return p;
    throw new KafkaError(inMetadata ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }

  /** The local replica, creating it (and opening or creating its log) when missing; role 'offline' until the controller gives one. */
  async getOrCreatePartition(topic: string, partition: number, topicId: string, config: LogConfig): Promise<Partition> {
    const key = partitionKey(topic, partition);
    const existing = this.partitions.get(key);
    if (existing && !existing.isClosed) {
      existing.log.updateConfig(config);
      return existing;
    }
    const log = await this.logManager.getOrCreateLog(topic, partition, config);
    const raced = this.partitions.get(key);
    if (raced && !raced.isClosed) return raced;
    if (log.highWatermark > log.logEndOffset) log.highWatermark = log.logEndOffset;
    const p = new Partition(topic, partition, topicId, log, this.brokerId);
    p.onChange = () => {
      this.fetchPurgatory.checkAndComplete(key);
      this.producePurgatory.checkAndComplete(key);
    };
    p.requestIsrChange = (part, isr) => this.requestIsrChange?.(part, isr);
    p.isReplicaEligible = (id) => this.isReplicaEligible(id);
    this.partitions.set(key, p);
    return p;
  }

  /** Drops the local replica; deletes its log when `deleteLog`. Waiting operations complete. */
  async removePartition(topic: string, partition: number, deleteLog: boolean): Promise<void> {
    const key = partitionKey(topic, partition);
    const p = this.partitions.get(key);
    if (p) {
      this.partitions.delete(key);
      p.close();
      await p.settle().catch(() => undefined);
    }
    if (deleteLog) await this.logManager.deleteLog(topic, partition);
  }

  updateLogConfig(topic: string, config: LogConfig): void {
    for (const p of this.partitions.values()) if (p.topic === topic) p.log.updateConfig(config);
  }

  /** Every leader asks the controller to drop followers lagging more than `lagTimeMaxMs`. */
  shrinkIsrs(lagTimeMaxMs: number): void {
    const now = this.clock.now();
    for (const p of this.partitions.values()) p.maybeShrinkIsr(now, lagTimeMaxMs);
  }

  // ---- appends --------------------------------------------------------------------------

  /**
   * Appends each entry to its partition and resolves when the response may be sent:
   * acks 0/1 after the local append, acks -1 when the HW covers it (or timeoutMs elapses).
   * `minIsr(topic)` gives min.insync.replicas for acks=-1.
   */
  appendRecords(entries: readonly AppendEntry[], acks: number, timeoutMs: number, minIsr: (topic: string) => number): Promise<AppendResult[]> {
    const pending = entries.map((e) => {
      if (e.errorCode !== undefined && e.errorCode !== ErrorCode.NONE) {
        return Promise.resolve(failed(e.errorCode, e.errorMessage ?? null));
      }
      let p: Partition;
      try {
        p = this.leaderPartition(e.topic, e.partition);
      } catch (err) {
        return Promise.resolve(failed(errorCodeOf(err), null));
      }
      const origin = e.origin ?? (INTERNAL_TOPICS.has(e.topic) ? 'coordinator' : 'client');
      return p.appendRecordsToLeader(e.records, acks, acks === -1 ? minIsr(e.topic) : 1, origin).then(
        (info): AppendResult => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          recordErrors: NO_RECORD_ERRORS,
          baseOffset: info.firstOffset,
          logAppendTimeMs: info.logAppendTimeMs,
          logStartOffset: info.logStartOffset,
          lastOffset: info.lastOffset,
        }),
        (err: unknown) => {
          const code = errorCodeOf(err);
          if (code === ErrorCode.UNKNOWN_SERVER_ERROR) this.log.error({ err, tp: partitionKey(e.topic, e.partition) }, 'append failed unexpectedly');
          const result = failed(code, err instanceof Error && code !== ErrorCode.UNKNOWN_SERVER_ERROR ? err.message : null);
          if (err instanceof RecordValidationError) result.recordErrors = err.recordErrors;
          if (!KNOWN_APPEND_ERRORS.has(code)) result.logStartOffset = p.log.logStartOffset;
          return result;
        },
      );
    });
    const all = Promise.all(pending);
    if (acks !== -1) return all;
    return all.then((results) => this.waitForReplication(entries, results, timeoutMs, minIsr));
  }

  private waitForReplication(entries: readonly AppendEntry[], results: AppendResult[], timeoutMs: number, minIsr: (topic: string) => number): Promise<AppendResult[]> | AppendResult[] {
    const statuses: ProducePartitionStatus[] = results.map((r, i) => {
      const e = entries[i]!;
      const p = this.partitions.get(partitionKey(e.topic, e.partition));
      return { partition: p, requiredOffset: r.lastOffset + 1n, minIsr: r.errorCode === ErrorCode.NONE ? minIsr(e.topic) : 1, errorCode: r.errorCode };
    });
    // Fast path (an ISR of this broker alone): each appended partition's HW already covers its
    // append, so DelayedProduce would complete at once with these same results.
    const done = (s: ProducePartitionStatus, i: number): boolean =>
      results[i]!.errorCode !== ErrorCode.NONE ||
      (s.partition !== undefined && !s.partition.isClosed && s.partition.isLeader && s.partition.highWatermark >= s.requiredOffset && s.partition.isr.length >= s.minIsr);
    if (statuses.every(done)) return results;
    return new Promise((resolve) => {
      const op = new DelayedProduce(timeoutMs, statuses, (st) => {
        resolve(results.map((r, i) => (st[i]!.errorCode === r.errorCode ? r : { ...r, errorCode: st[i]!.errorCode, errorMessage: null })));
      });
      const keys = statuses.filter((s) => s.partition).map((s) => s.partition!.key);
      this.producePurgatory.tryCompleteElseWatch(op, keys);
    });
  }

  // ---- reads ----------------------------------------------------------------------------

  /**
   * The read path for consumers and followers (Kafka's fetchMessages): reads every partition
   * within the byte limits; with fewer than minBytes readable, no error and maxWaitMs > 0 it
   * waits in the fetch purgatory for bytes below each fetch's upper bound (the HW for
   * consumers, the log end for followers) and reads again.
   */
  async fetchMessages(params: FetchParams, list: readonly FetchPartitionRequest[]): Promise<FetchPartitionResult[]> {
    const first = await this.readAll(params, list);
    if (first.bytes >= params.minBytes || params.maxWaitMs <= 0 || first.failed || list.length === 0) return first.results;
    const follower = params.replicaId >= 0;
    const watches: FetchWatch[] = [];
    const committed = !follower && params.isolation === 1;
    first.results.forEach((r, i) => {
      if (!r.partition) return;
      const w: FetchWatch = { partition: r.partition, fetchOffset: list[i]!.fetchOffset, follower, readableAtStart: first.readableBefore[i]! };
      if (committed) w.stableAtStart = first.stableBefore[i]!;
      watches.push(w);
    });
    if (watches.length === 0) return first.results;
    await this.waitForFetch(watches, params.minBytes, first.bytes, params.maxWaitMs);
    return (await this.readAll(params, list)).results;
  }

  private async readAll(
    params: FetchParams,
    list: readonly FetchPartitionRequest[],
  ): Promise<{ results: FetchPartitionResult[]; readableBefore: number[]; stableBefore: bigint[]; bytes: number; failed: boolean }> {
    let remaining = params.maxBytes;
    let bytes = 0;
    let failed = false;
    let minOneBatch = params.minOneBatch;
    const follower = params.replicaId >= 0;
    const results: FetchPartitionResult[] = [];
    const readableBefore: number[] = [];
    const stableBefore: bigint[] = [];
    for (const f of list) {
      let partition: Partition | undefined;
      let before = 0;
      let stable = -1n;
      try {
        if (f.errorCode !== undefined && f.errorCode !== ErrorCode.NONE) throw new KafkaError(f.errorCode);
        partition = this.leaderPartition(f.topic, f.partition, f.currentLeaderEpoch);
        before = readableBytes(partition, follower);
        if (!follower && params.isolation === 1) stable = partition.lastStableOffset;
        const read = await partition.fetchRecords({
          fetchOffset: f.fetchOffset,
          maxBytes: Math.max(0, Math.min(f.maxBytes, remaining)),
          minOneBatch,
          isolation: params.isolation,
          currentLeaderEpoch: f.currentLeaderEpoch,
          lastFetchedEpoch: f.lastFetchedEpoch,
          replicaId: params.replicaId,
          nowMs: this.clock.now(),
        });
        if (read.records.length > 0) minOneBatch = false;
        remaining -= read.records.length;
        bytes += read.records.length;
        if (read.divergingEpoch) failed = true; // answer at once: the fetcher must truncate
        results.push({ errorCode: ErrorCode.NONE, read, partition });
      } catch (e) {
        const code = errorCodeOf(e);
        if (code === ErrorCode.UNKNOWN_SERVER_ERROR) this.log.error({ err: e, tp: partitionKey(f.topic, f.partition) }, 'fetch read failed');
        failed = true;
        results.push({ errorCode: code, read: undefined, partition: undefined });
      }
      readableBefore.push(before);
      stableBefore.push(stable);
    }
    return { results, readableBefore, stableBefore, bytes, failed };
  }

  /** Waits until min.bytes may be available across `watches`, or maxWaitMs. */
  waitForFetch(watches: readonly FetchWatch[], minBytes: number, bytesAlready: number, maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const op = new DelayedFetch(maxWaitMs, watches, minBytes, bytesAlready, resolve);
      this.fetchPurgatory.tryCompleteElseWatch(op, watches.map((w) => w.partition.key));
    });
  }

  /**
   * DescribeProducers for one partition (Kafka's ReplicaManager.activeProducerState): the local
   * replica's producers whatever its role; without one NOT_LEADER_OR_FOLLOWER when the cluster
   * has the partition, else UNKNOWN_TOPIC_OR_PARTITION.
   */
  activeProducers(topic: string, partition: number): DescribedProducer[] {
    return this.hostedPartition(topic, partition, this.inClusterMetadata(topic, partition)).activeProducers();
  }

  /** Completes waiting operations and forgets partitions (logs are closed by the LogManager). */
  async shutdown(): Promise<void> {
    this.fetchPurgatory.shutdown();
    this.producePurgatory.shutdown();
    await Promise.all([...this.partitions.values()].map((p) => p.settle().catch(() => undefined)));
  }
}

const NO_RECORD_ERRORS: readonly RecordError[] = Object.freeze([]);

/** Topics only coordinators write (Kafka's Topic.isInternal). */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/**
 * Append errors answered with logStartOffset -1 (Kafka's ReplicaManager.appendToLocalLog lists
 * them); any other failure of an append (invalid records, timestamps, too few replicas, ...)
 * carries the partition's log start offset.
 */
const KNOWN_APPEND_ERRORS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.RECORD_LIST_TOO_LARGE,
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

function failed(code: ErrorCode, message: string | null): AppendResult {
  return { errorCode: code, errorMessage: message, recordErrors: NO_RECORD_ERRORS, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, lastOffset: -1n };
}
