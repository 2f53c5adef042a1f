/**
 * The replica manager's delayed operations (Kafka DelayedProduce / DelayedFetch).
 *
 * DelayedProduce (acks=-1): watch key = partition key; completes when, for every partition,
 *   Case A: the append failed (error already known), or
 *   Case B: the HW reached the append's last offset + 1 (Kafka's checkEnoughReplicasReachOffset:
 *           NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR then is smaller than min.insync.replicas), or
 *   Case C: the partition is gone (deleted / no longer leader) -> NOT_LEADER_OR_FOLLOWER;
 *   otherwise REQUEST_TIMED_OUT at timeoutMs.
 *   Completed any other way (the broker shutting down forces every operation out of the
 *   purgatory), a partition whose HW does not yet cover the append answers
 *   NOT_LEADER_OR_FOLLOWER: never NONE for a write the ISR does not hold, and the client
 *   retries on the next leader.
 * DelayedFetch (min.bytes not yet available): watch keys = fetched partition keys; completes when
 *   Case A: bytes that became readable since the first read (below the HW for consumers, below
 *           the log end for followers) plus what that read found >= min.bytes; for read_committed
 *           consumers bytes count only once the LSO moved past where it was at the first read
 *           (those below the HW then: at most what became stable), or
 *   Case B: a fetched partition is gone, no longer led here, or its log start moved past the
 *           fetch offset, or
 *   Case C: max.wait.ms elapsed; then the handler reads again and answers with what there is.
 */
import { ErrorCode } from '../../protocol/errors';
import { DelayedOperation } from './purgatory';
import type { Partition } from './partition';

export interface ProducePartitionStatus {
  partition: Partition | undefined;
  /** Offset the HW must reach (lastOffset + 1); ignored when errorCode != NONE. */
  requiredOffset: bigint;
  /** min.insync.replicas of the partition's topic. */
  minIsr: number;
  errorCode: ErrorCode;
}

export class DelayedProduce extends DelayedOperation {
  constructor(
    delayMs: number,
    private readonly statuses: ProducePartitionStatus[],
    private readonly done: (statuses: ProducePartitionStatus[]) => void,
  ) {
    super(delayMs);
  }

  tryComplete(): boolean {
    for (const s of this.statuses) {
      if (s.errorCode !== ErrorCode.NONE) continue; // Case A
      const p = s.partition;
      if (!p || p.isClosed || !p.isLeader) {
        s.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER; // Case C
        continue;
      }
      if (p.highWatermark < s.requiredOffset) return false; // not yet Case B
      if (p.isr.length < s.minIsr) s.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    }
    return this.forceComplete();
  }

  protected override onExpiration(): void {
    for (const s of this.statuses) {
      const p = s.partition;
      if (s.errorCode === ErrorCode.NONE && p && p.highWatermark < s.requiredOffset) s.errorCode = ErrorCode.REQUEST_TIMED_OUT;
    }
  }

  protected onComplete(): void {
    for (const s of this.statuses) {
      if (s.errorCode !== ErrorCode.NONE) continue;
      const p = s.partition;
      if (!p || p.isClosed || !p.isLeader || p.highWatermark < s.requiredOffset) s.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    }
    this.done(this.statuses);
  }
}

export interface FetchWatch {
  partition: Partition;
  fetchOffset: bigint;
  /** A follower's fetch (reads to the log end) rather than a consumer's (reads to the HW). */
  follower: boolean;
  /** readableBytes(partition, follower) just before the first read. */
  readableAtStart: number;
  /** read_committed consumers: the LSO just before the first read. */
  stableAtStart?: bigint;
}

/** Monotonic count of bytes a fetch of this kind may read (appended, or below the HW). */
export function readableBytes(p: Partition, follower: boolean): number {
  return follower ? p.appendedBytes : p.bytesBelowHighWatermark;
}

export class DelayedFetch extends DelayedOperation {
  constructor(
    delayMs: number,
    private readonly watches: readonly FetchWatch[],
    private readonly minBytes: number,
    private readonly bytesAlready: number,
    private readonly done: () => void,
  ) {
    super(delayMs);
  }

  tryComplete(): boolean {
    let bytes = this.bytesAlready;
    for (const w of this.watches) {
      const p = w.partition;
      if (p.isClosed || !p.isLeader || w.fetchOffset < p.logStartOffset) return this.forceComplete(); // Case B
      if (w.stableAtStart !== undefined && p.lastStableOffset <= w.stableAtStart) continue; // nothing new became stable
      bytes += readableBytes(p, w.follower) - w.readableAtStart;
    }
    if (bytes >= this.minBytes) return this.forceComplete(); // Case A
    return false;
  }

  protected onComplete(): void {
    this.done();
  }
}
