/**
 * ReplicaManager: the partitions this broker hosts, appends (Produce) and reads (Fetch) across
 * them, and the produce/fetch purgatories (ARCHITECTURE §2/§3). Handlers translate requests into
 * calls here; this class decides.
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
import { DelayedFetch, DelayedProduce, type FetchWatch, type ProducePartitionStatus } from './delayed-ops';
import type { Logger } from '../logger';
import { Partition } from './partition';
import { Purgatory } from './purgatory';

export interface AppendEntry {
  topic: string;
  partition: number;
  records: Buffer;
  /** Error decided before appending (validation, unknown partition): the entry is not appended. */
  errorCode?: ErrorCode;
  errorMessage?: string | null;
}

export interface AppendResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** Last offset appended (-1n when nothing was appended); the HW must pass it for acks=-1. */
  lastOffset: bigint;
}

export interface LeaderState {
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
}

export const partitionKey = (topic: string, partition: number): string => `${topic}-${partition}`;

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly producePurgatory: Purgatory<DelayedProduce>;
  readonly fetchPurgatory: Purgatory<DelayedFetch>;

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
   * The local leader replica, or KafkaError: UNKNOWN_TOPIC_OR_PARTITION when this broker has no
   * replica, NOT_LEADER_OR_FOLLOWER when it is not the leader.
   */
  leaderPartition(topic: string, partition: number, currentLeaderEpoch = -1): Partition {
    const p = this.partitions.get(partitionKey(topic, partition));
    if (!p || p.isClosed) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    p.checkLeader(currentLeaderEpoch);
    return p;
  }

  /** Creates (or updates) the local replica as leader with `state`; opens/creates its log. */
  async makeLeader(topic: string, partition: number, topicId: string, state: LeaderState, config: LogConfig): Promise<Partition> {
    const key = partitionKey(topic, partition);
    const existing = this.partitions.get(key);
    if (existing && !existing.isClosed) {
      existing.leaderId = state.leader;
      existing.leaderEpoch = state.leaderEpoch;
      existing.isr = state.isr;
      existing.replicas = state.replicas;
      existing.log.updateConfig(config);
      existing.maybeIncrementHighWatermark();
      return existing;
    }
    const log = await this.logManager.getOrCreateLog(topic, partition, config);
    if (log.highWatermark > log.logEndOffset) log.highWatermark = log.logEndOffset;
    const p = new Partition(topic, partition, topicId, log, this.brokerId, state);
    p.onChange = () => {
      this.fetchPurgatory.checkAndComplete(key);
      this.producePurgatory.checkAndComplete(key);
    };
    this.partitions.set(key, p);
    p.maybeIncrementHighWatermark();
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
      return p.appendRecordsToLeader(e.records, acks, acks === -1 ? minIsr(e.topic) : 1).then(
        (info): AppendResult => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          baseOffset: info.firstOffset,
          logAppendTimeMs: info.logAppendTimeMs,
          logStartOffset: info.logStartOffset,
          lastOffset: info.lastOffset,
        }),
        (err: unknown) => {
          const code = errorCodeOf(err);
          if (code === ErrorCode.UNKNOWN_SERVER_ERROR) this.log.error({ err, tp: partitionKey(e.topic, e.partition) }, 'append failed unexpectedly');
          return failed(code, err instanceof Error && code !== ErrorCode.UNKNOWN_SERVER_ERROR ? err.message : null);
        },
      );
    });
    const all = Promise.all(pending);
    if (acks !== -1) return all;
    return all.then((results) => this.waitForReplication(entries, results, timeoutMs));
  }

  private waitForReplication(entries: readonly AppendEntry[], results: AppendResult[], timeoutMs: number): Promise<AppendResult[]> | AppendResult[] {
    const statuses: ProducePartitionStatus[] = results.map((r, i) => {
      const e = entries[i]!;
      const p = this.partitions.get(partitionKey(e.topic, e.partition));
      return { partition: p, requiredOffset: r.lastOffset + 1n, errorCode: r.errorCode };
    });
    // Fast path (every ISR is this broker alone today): each appended partition's HW already
    // covers its append, so DelayedProduce would complete at once with these same results.
    if (statuses.every((s, i) => results[i]!.errorCode !== ErrorCode.NONE || (s.partition !== undefined && !s.partition.isClosed && s.partition.isLeader && s.partition.highWatermark >= s.requiredOffset))) {
      return results;
    }
    return new Promise((resolve) => {
      const op = new DelayedProduce(timeoutMs, statuses, (st) => {
        resolve(results.map((r, i) => (st[i]!.errorCode === r.errorCode ? r : { ...r, errorCode: st[i]!.errorCode, errorMessage: null })));
      });
      const keys = statuses.filter((s) => s.partition).map((s) => s.partition!.key);
      this.producePurgatory.tryCompleteElseWatch(op, keys);
    });
  }

  /** Waits until min.bytes may be available across `watches`, or maxWaitMs. */
  waitForFetch(watches: readonly FetchWatch[], minBytes: number, bytesAlready: number, maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const op = new DelayedFetch(maxWaitMs, watches, minBytes, bytesAlready, resolve);
      this.fetchPurgatory.tryCompleteElseWatch(op, watches.map((w) => w.partition.key));
    });
  }

  /** Completes waiting operations and forgets partitions (logs are closed by the LogManager). */
  async shutdown(): Promise<void> {
    this.fetchPurgatory.shutdown();
    this.producePurgatory.shutdown();
    await Promise.all([...this.partitions.values()].map((p) => p.settle().catch(() => undefined)));
  }

  get clockNow(): number {
    return this.clock.now();
  }
}

function failed(code: ErrorCode, message: string | null): AppendResult {
  return { errorCode: code, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, lastOffset: -1n };
}
