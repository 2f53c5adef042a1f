/**
 * One partition replica on this broker: its role, leader epoch, ISR and high watermark, around
 * storage's Log (ARCHITECTURE §2/§3). Only the leader role is served for now (one node); the
 * follower fields exist so replication can add followers without reshaping this class.
 *
 * Invariants:
 * - Single writer: appends run one at a time on `appendChain`, in the order they were
 *   requested (appendRecordsToLeader enqueues synchronously).
 * - HW <= LEO. With the ISR = [this broker] (RF 1) the HW moves to the LEO after each append;
 *   with followers it will be min(LEO of the ISR) (replication/isr.ts).
 * - `appendedBytes` counts bytes appended since the replica was created (monotonic); the
 *   delayed fetch uses it to tell whether min.bytes became available.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { Log } from '../../storage/log';
import type { LogAppendInfo } from '../../storage/types';

export type IsolationLevel = 0 | 1; // READ_UNCOMMITTED | READ_COMMITTED

export interface PartitionReadResult {
  records: Buffer;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

export class Partition {
  leaderEpoch: number;
  leaderId: number;
  isr: readonly number[];
  replicas: readonly number[];
  /** Tail of the single-writer chain (appends, deleteRecords); never rejects. */
  private appendChain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  appendedBytes = 0;
  private closed = false;
  /** Called after the HW or log start offset moved (the replica manager re-checks delayed ops). */
  onChange: (() => void) | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    readonly log: Log,
    readonly localBrokerId: number,
    state: { leader: number; leaderEpoch: number; isr: readonly number[]; replicas: readonly number[] },
  ) {
    this.leaderId = state.leader;
    this.leaderEpoch = state.leaderEpoch;
    this.isr = state.isr;
    this.replicas = state.replicas;
  }

  get key(): string {
    return `${this.topic}-${this.partition}`;
  }
  get isLeader(): boolean {
    return this.leaderId === this.localBrokerId;
  }
  get highWatermark(): bigint {
    return this.log.highWatermark;
  }
  get logEndOffset(): bigint {
    return this.log.logEndOffset;
  }
  get logStartOffset(): bigint {
    return this.log.logStartOffset;
  }
  /** No transactions are tracked yet, so the LSO equals the HW. */
  get lastStableOffset(): bigint {
    return this.log.highWatermark;
  }

  /** Throws NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH as Kafka does. */
  checkLeader(currentLeaderEpoch = -1): void {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (!this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (currentLeaderEpoch >= 0) {
      if (currentLeaderEpoch < this.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH);
      if (currentLeaderEpoch > this.leaderEpoch) throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH);
    }
  }

  /**
   * Appends on the single-writer chain. `minInsyncReplicas` applies to acks=-1 only.
   * Must be called synchronously in request arrival order. When nothing is queued on the chain
   * (the common case for the group coordinator, which keeps one append per partition in flight)
   * the append starts at once instead of one promise turn later; the order is the same.
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: number, minInsyncReplicas: number): Promise<LogAppendInfo> {
    const append = (): Promise<LogAppendInfo> => {
      this.checkLeader();
      if (requiredAcks === -1 && this.isr.length < minInsyncReplicas) {
        throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `ISR size ${this.isr.length} is below min.insync.replicas ${minInsyncReplicas}`);
      }
      return this.log.appendAsLeader(records, { leaderEpoch: this.leaderEpoch });
    };
    let started: Promise<LogAppendInfo>;
    if (this.queued === 0) {
      try {
        started = append();
      } catch (e) {
        started = Promise.reject(e);
      }
    } else {
      started = this.appendChain.then(append);
    }
    const run = started.then((info) => {
      this.appendedBytes += records.length;
      this.maybeIncrementHighWatermark();
      return info;
    });
    this.enqueue(run);
    return run;
  }

  /** Makes `op` the tail of the chain; `queued` counts chain operations not yet settled. */
  private enqueue(op: Promise<unknown>): void {
    this.queued++;
    const settled = (): void => {
      this.queued--;
    };
    this.appendChain = op.then(settled, settled);
  }

  /** RF 1: the HW follows the LEO. With followers this becomes min over the ISR. */
  maybeIncrementHighWatermark(): void {
    if (this.isr.length <= 1 && this.isr.every((id) => id === this.localBrokerId)) {
      const leo = this.log.logEndOffset;
      if (leo > this.log.highWatermark) {
        this.log.highWatermark = leo;
        this.onChange?.();
      }
    }
  }

  /**
   * Reads from `offset` up to the HW (read_uncommitted) or LSO (read_committed).
   * Throws OFFSET_OUT_OF_RANGE when offset is outside [logStartOffset, LEO].
   */
  async read(offset: bigint, maxBytes: number, isolation: IsolationLevel, minOneBatch: boolean, currentLeaderEpoch = -1): Promise<PartitionReadResult> {
    this.checkLeader(currentLeaderEpoch);
    const hw = this.highWatermark;
    const lso = this.lastStableOffset;
    const upper = isolation === 1 ? lso : hw;
    const logStart = this.logStartOffset;
    if (offset < logStart || offset > this.logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is outside [${logStart}, ${this.logEndOffset}] of ${this.key}`);
    }
    let records: Buffer = EMPTY;
    if (offset < upper && maxBytes > 0) {
      records = (await this.log.read(offset, maxBytes, { maxOffset: upper, minOneBatch })).records;
    }
    return { records, highWatermark: hw, lastStableOffset: lso, logStartOffset: this.logStartOffset };
  }

  /** DeleteRecords: moves the log start offset; `offset` -1 means the HW. Returns the new low watermark. */
  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    const run = this.appendChain.then(async () => {
      this.checkLeader();
      const target = offset === -1n ? this.highWatermark : offset;
      if (target < 0n || target > this.highWatermark) {
        throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot delete records of ${this.key} before ${offset}: high watermark is ${this.highWatermark}`);
      }
      const start = target <= this.log.logStartOffset ? this.log.logStartOffset : await this.log.deleteRecordsBefore(target);
      this.onChange?.();
      return start;
    });
    this.enqueue(run);
    return run;
  }

  /** Marks the replica gone (deleted topic, lost leadership): later calls fail NOT_LEADER_OR_FOLLOWER. */
  close(): void {
    this.closed = true;
    this.onChange?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves after every append queued so far finished. */
  async settle(): Promise<void> {
    await this.appendChain;
  }
}

const EMPTY = Buffer.alloc(0);
