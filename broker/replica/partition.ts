/**
 * One partition replica on this broker: its role, epochs, ISR and high watermark around
 * storage's Log (ARCHITECTURE §2/§3/§9). The controller decides roles (LeaderAndIsr); this
 * class applies them and refuses stale ones.
 *
 * Invariants:
 * - Roles change only through makeLeader / makeFollower / makeOffline, and only to a state
 *   newer than the current one: a higher leader epoch, or the same leader epoch with a higher
 *   partition epoch (the partition state's znode version).
 * - Only the leader appends from clients; a follower's log is written by its replica fetcher
 *   alone (appendAsFollower / truncate*), and the replica manager removes the fetcher before
 *   this replica becomes leader.
 * - Single writer: leader appends run one at a time on `appendChain`, in call order.
 * - logStart <= LSO <= HW <= LEO. The LSO (last stable offset) is the first offset of a
 *   transaction still open or whose marker is not yet below the HW, else the HW (Log). As leader the HW is the minimum LEO over the maximal ISR
 *   (leader-isr.ts) and never decreases; as follower it is min(leader's HW, LEO).
 * - `appendedBytes` counts bytes appended to this replica (monotonic); `bytesBelowHighWatermark`
 *   counts those of them below the HW (monotonic, batch granularity): delayed fetches wait on
 *   the first for followers and the second for consumers.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { Log } from '../../storage/log';
import type { DescribedProducer } from '../../storage/log-producer-append';
import type { AppendOrigin } from '../../storage/log-validator';
import type { AbortedTxn } from '../../storage/producer-state/transaction-index';
import type { LogAppendInfo } from '../../storage/types';
import type { FollowerReplica } from '../../replication/follower-replica';
import {
  committedIsr,
  expansionCandidates,
  highWatermarkFor,
  outOfSyncReplicas,
  pendingExpansion,
  pendingShrink,
  recordFollowerFetch,
  resetFollowers,
  type FollowerState,
  type IsrState,
} from './leader-isr';

export type IsolationLevel = 0 | 1; // READ_UNCOMMITTED | READ_COMMITTED
export type ReplicaRole = 'leader' | 'follower' | 'offline';

/** A partition's state as the controller sent it (LeaderAndIsr). */
export interface ReplicaAssignmentState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
}

export interface PartitionReadResult {
  records: Buffer;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** Set when the fetcher's last fetched epoch diverges from this log (Fetch v12+, KIP-320). */
  divergingEpoch?: { epoch: number; endOffset: bigint };
  /** read_committed consumers: the aborted transactions overlapping the records returned. */
  abortedTransactions?: AbortedTxn[];
}

export interface FetchPartitionParams {
  fetchOffset: bigint;
  maxBytes: number;
  minOneBatch: boolean;
  isolation: IsolationLevel;
  currentLeaderEpoch: number;
  /** -1 when unknown (below Fetch v12). */
  lastFetchedEpoch: number;
  /** The fetching follower's broker id, or -1 for a consumer. */
  replicaId: number;
  nowMs: number;
}

/** Requests an ISR change from the controller (AlterPartition); implemented by the broker. */
export type IsrChangeRequester = (p: Partition, newIsr: readonly number[]) => void;

export class Partition {
  role: ReplicaRole = 'offline';
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: readonly number[] = [];
  private isrState: IsrState = committedIsr([]);
  private followers = new Map<number, FollowerState>();
  /** Log end offset when this replica's current leadership began (Kafka's leaderEpochStartOffset). */
  private leaderEpochStartOffset = 0n;
  /** Tail of the single-writer chain (appends, deleteRecords); never rejects. */
  private appendChain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  appendedBytes = 0;
  bytesBelowHighWatermark = 0;
  /** (end offset, appendedBytes after it) of appends above the HW, oldest first. */
  private aboveHw: { end: bigint; bytes: number }[] = [];
  private closed = false;
  /** Called after the HW, log start offset or role changed (the replica manager re-checks delayed ops). */
  onChange: (() => void) | undefined;
  /** Set by the replica manager: how ISR changes reach the controller. */
  requestIsrChange: IsrChangeRequester | undefined;
  /** Set by the replica manager: whether a broker may join an ISR (alive in this broker's metadata). */
  isReplicaEligible: (brokerId: number) => boolean = () => true;
  /** No ISR change is proposed before this clock time (ms): set when the controller refused one. */
  private isrChangeNotBefore = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    readonly log: Log,
    readonly localBrokerId: number,
  ) {
    this.asFollower = this.followerView();
  }

  get key(): string {
    return `${this.topic}-${this.partition}`;
  }
  get isLeader(): boolean {
    return this.role === 'leader';
  }
  get isr(): readonly number[] {
    return this.isrState.committed;
  }
  /** The ISR with a pending change applied (what the HW waits for). */
  get maximalIsr(): readonly number[] {
    return this.isrState.maximal;
  }
  get isrChangePending(): boolean {
    return this.isrState.pending;
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
  /** min(first unstable offset, HW): what read_committed consumers may see. */
  get lastStableOffset(): bigint {
    return this.log.lastStableOffset;
  }

  /** The producers this replica's log remembers (DescribeProducers: any role, as Kafka). */
  activeProducers(): DescribedProducer[] {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    return this.log.activeProducers();
  }

  /** True when `s` is newer than what this replica applied (a higher leader epoch, or the same with a higher partition epoch). */
  isNewer(s: ReplicaAssignmentState): boolean {
    return s.leaderEpoch > this.leaderEpoch || (s.leaderEpoch === this.leaderEpoch && s.partitionEpoch > this.partitionEpoch);
  }

  private requireNewer(s: ReplicaAssignmentState): void {
    if (!this.isNewer(s)) {
      throw new KafkaError(ErrorCode.STALE_CONTROLLER_EPOCH, `${this.key}: state with leader epoch ${s.leaderEpoch} / partition epoch ${s.partitionEpoch} is not newer than ${this.leaderEpoch} / ${this.partitionEpoch}`);
    }
  }

  /** Becomes (or stays) leader with `s`. Returns true when this starts a new leader epoch. */
  makeLeader(s: ReplicaAssignmentState, nowMs: number): boolean {
    this.requireNewer(s);
    const newEpoch = s.leaderEpoch > this.leaderEpoch || this.role !== 'leader';
    this.role = 'leader';
    this.leaderId = this.localBrokerId;
    this.leaderEpoch = s.leaderEpoch;
    this.partitionEpoch = s.partitionEpoch;
    this.replicas = s.replicas;
    this.isrState = committedIsr(s.isr);
    if (newEpoch) {
      this.followers = resetFollowers(s.replicas, s.isr, this.localBrokerId, nowMs);
      this.leaderEpochStartOffset = this.log.logEndOffset;
      this.aboveHw = [];
      this.bytesBelowHighWatermark = this.appendedBytes;
    } else {
      for (const [id, f] of resetFollowers(s.replicas, s.isr, this.localBrokerId, nowMs)) if (!this.followers.has(id)) this.followers.set(id, f);
      for (const id of [...this.followers.keys()]) if (!s.replicas.includes(id)) this.followers.delete(id);
    }
    this.maybeIncrementHighWatermark();
    this.onChange?.();
    return newEpoch;
  }

  /** Becomes (or stays) a follower of `s.leader`. Returns true when the leader or epoch changed. */
  makeFollower(s: ReplicaAssignmentState): boolean {
    this.requireNewer(s);
    const changed = this.role !== 'follower' || this.leaderId !== s.leader || this.leaderEpoch !== s.leaderEpoch;
    this.role = 'follower';
    this.leaderId = s.leader;
    this.leaderEpoch = s.leaderEpoch;
    this.partitionEpoch = s.partitionEpoch;
    this.replicas = s.replicas;
    this.isrState = committedIsr(s.isr);
    this.followers.clear();
    this.aboveHw = [];
    this.onChange?.();
    return changed;
  }

  /** Stops serving (StopReplica without deletion, or the leader is unknown): no reads, no appends. */
  makeOffline(): void {
    this.role = 'offline';
    this.leaderId = -1;
    this.followers.clear();
    this.onChange?.();
  }

  /** Throws NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH as Kafka does. */
  checkLeader(currentLeaderEpoch = -1): void {
    this.checkReplica(currentLeaderEpoch, true);
  }

  /**
   * Kafka's localLogWithEpochOrThrow: the leader epoch check, then NOT_LEADER_OR_FOLLOWER
   * when this replica is closed or offline, or does not lead and `requireLeader`.
   */
  checkReplica(currentLeaderEpoch: number, requireLeader: boolean): void {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (currentLeaderEpoch >= 0) {
      if (currentLeaderEpoch < this.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is older than ${this.leaderEpoch} of ${this.key}`);
      if (currentLeaderEpoch > this.leaderEpoch) throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is newer than ${this.leaderEpoch} of ${this.key}`);
    }
    if (this.role === 'offline' || (requireLeader && this.role !== 'leader')) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }

  /** The log end offset when this leadership began, or null when not leader (Kafka's leaderEpochStartOffsetOpt). */
  get leaderEpochStartOffsetIfLeader(): bigint | null {
    return this.role === 'leader' ? this.leaderEpochStartOffset : null;
  }

  // ---- leader: appends ------------------------------------------------------------------

  /**
   * Appends on the single-writer chain. `minInsyncReplicas` applies to acks=-1 only. `origin`
   * decides the producer-state checks (storage/log-producer-append.ts): 'client' (Produce),
   * 'coordinator' (transaction markers, the group and transaction coordinators' records).
   * Must be called synchronously in request arrival order. When nothing is queued on the chain
   * (the common case for the group coordinator, which keeps one append per partition in flight)
   * the append starts at once instead of one promise turn later; the order is the same.
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: number, minInsyncReplicas: number, origin: AppendOrigin = 'client'): Promise<LogAppendInfo> {
    const append = (): Promise<LogAppendInfo> => {
      this.checkLeader();
      if (requiredAcks === -1 && this.isr.length < minInsyncReplicas) {
        throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR [${this.isr.join(',')}] is insufficient to satisfy the min.isr requirement of ${minInsyncReplicas} for partition ${this.key}`);
      }
      return this.log.appendAsLeader(records, { leaderEpoch: this.leaderEpoch, origin });
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
      if (info.duplicate) return info; // a retry answered with the original offsets: nothing new
      this.noteAppended(records.length, info.lastOffset + 1n);
      // Waiting follower fetches are woken by new bytes even when the HW stays (followers must copy them first).
      if (!(this.role === 'leader' && this.maybeIncrementHighWatermark())) this.onChange?.();
      return info;
    });
    this.enqueue(run);
    return run;
  }

  private noteAppended(bytes: number, endOffset: bigint): void {
    this.appendedBytes += bytes;
    this.aboveHw.push({ end: endOffset, bytes: this.appendedBytes });
    this.releaseBelowHighWatermark();
  }

  /** Moves appends the HW now covers into bytesBelowHighWatermark. */
  private releaseBelowHighWatermark(): void {
    const hw = this.log.highWatermark;
    let i = 0;
    while (i < this.aboveHw.length && this.aboveHw[i]!.end <= hw) i++;
    if (i > 0) {
      this.bytesBelowHighWatermark = this.aboveHw[i - 1]!.bytes;
      this.aboveHw.splice(0, i);
    }
  }

  /** Makes `op` the tail of the chain; `queued` counts chain operations not yet settled. */
  private enqueue(op: Promise<unknown>): void {
    this.queued++;
    const settled = (): void => {
      this.queued--;
    };
    this.appendChain = op.then(settled, settled);
  }

  /** Leader: raises the HW to what the maximal ISR has (leader-isr.ts); wakes waiters and returns true if it moved. */
  maybeIncrementHighWatermark(): boolean {
    if (this.role !== 'leader') return false;
    const current = this.log.highWatermark;
    const hw = highWatermarkFor(this.log.logEndOffset, current, this.isrState, this.followers, this.localBrokerId);
    if (hw <= current) return false;
    this.log.highWatermark = hw;
    this.releaseBelowHighWatermark();
    this.onChange?.();
    return true;
  }

  // ---- leader: reads and follower tracking -----------------------------------------------

  /**
   * Serves a fetch as leader: consumers read up to the HW (read_uncommitted) or LSO
   * (read_committed), followers up to the LEO, and a follower's fetch offset becomes its LEO.
   * OFFSET_OUT_OF_RANGE when the offset is outside [logStartOffset, LEO].
   */
  async fetchRecords(f: FetchPartitionParams): Promise<PartitionReadResult> {
    this.checkLeader(f.currentLeaderEpoch);
    const leo = this.logEndOffset;
    if (f.lastFetchedEpoch >= 0) {
      const diverging = this.divergingEpoch(f.lastFetchedEpoch, f.fetchOffset);
      if (diverging) return { records: EMPTY, highWatermark: this.highWatermark, lastStableOffset: this.lastStableOffset, logStartOffset: this.logStartOffset, divergingEpoch: diverging };
    }
    const logStart = this.logStartOffset;
    if (f.fetchOffset < logStart || f.fetchOffset > leo) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${f.fetchOffset} is outside [${logStart}, ${leo}] of ${this.key}`);
    }
    const isFollower = f.replicaId >= 0;
    const upper = isFollower ? leo : f.isolation === 1 ? this.lastStableOffset : this.highWatermark;
    let records: Buffer = EMPTY;
    let nextOffset: bigint | undefined;
    if (f.fetchOffset < upper && f.maxBytes > 0) {
      const read = await this.log.read(f.fetchOffset, f.maxBytes, { maxOffset: upper, minOneBatch: f.minOneBatch });
      records = read.records;
      nextOffset = read.nextOffset;
    }
    if (isFollower) this.updateFollowerFetchState(f.replicaId, f.fetchOffset, leo, f.nowMs);
    const out: PartitionReadResult = { records, highWatermark: this.highWatermark, lastStableOffset: this.lastStableOffset, logStartOffset: this.logStartOffset };
    // Kafka's LocalLog.addAbortedTransactions: over the range the records cover (none when empty)
    if (!isFollower && f.isolation === 1) out.abortedTransactions = nextOffset === undefined ? NO_ABORTED : this.log.collectAbortedTransactions(f.fetchOffset, nextOffset);
    return out;
  }

  /** KIP-320: where a fetcher whose last batch had `lastFetchedEpoch` diverges from this log, or undefined. */
  private divergingEpoch(lastFetchedEpoch: number, fetchOffset: bigint): { epoch: number; endOffset: bigint } | undefined {
    const end = this.log.endOffsetForEpoch(lastFetchedEpoch);
    if (!end) return { epoch: -1, endOffset: -1n };
    if (end.epoch !== lastFetchedEpoch || end.endOffset < fetchOffset) return end;
    return undefined;
  }

  /** A follower fetched from `fetchOffset` while the leader's end was `leaderLogEndOffset`. */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, leaderLogEndOffset: bigint, nowMs: number): void {
    const f = this.followers.get(replicaId);
    if (!f || this.role !== 'leader') return;
    recordFollowerFetch(f, fetchOffset, leaderLogEndOffset, nowMs);
    this.maybeExpandIsr(nowMs);
    this.maybeIncrementHighWatermark();
  }

  private maybeExpandIsr(nowMs: number): void {
    if (this.isrState.pending || !this.requestIsrChange || nowMs < this.isrChangeNotBefore) return;
    const joining = expansionCandidates(this.isrState, this.followers, this.highWatermark, this.leaderEpochStartOffset).filter((id) => this.isReplicaEligible(id));
    if (joining.length === 0) return;
    const newIsr = [...this.isrState.committed, ...joining];
    this.isrState = pendingExpansion(this.isrState, newIsr);
    this.requestIsrChange(this, newIsr);
  }

  /** Periodic (every replica.lag.time.max.ms / 2): asks the controller to drop lagging followers. */
  maybeShrinkIsr(nowMs: number, lagTimeMaxMs: number): void {
    if (this.role !== 'leader' || this.isrState.pending || !this.requestIsrChange || nowMs < this.isrChangeNotBefore) return;
    const lagging = outOfSyncReplicas(this.isrState, this.followers, this.localBrokerId, nowMs, lagTimeMaxMs);
    if (lagging.length === 0) return;
    const newIsr = this.isrState.committed.filter((id) => !lagging.includes(id));
    this.isrState = pendingShrink(this.isrState);
    this.requestIsrChange(this, newIsr);
  }

  /** The controller accepted an ISR change (AlterPartition answer for this leader epoch). */
  isrChangeAccepted(isr: readonly number[], partitionEpoch: number, leaderEpoch: number): void {
    if (this.role !== 'leader' || leaderEpoch !== this.leaderEpoch || partitionEpoch <= this.partitionEpoch) {
      this.isrChangeAbandoned();
      return;
    }
    this.partitionEpoch = partitionEpoch;
    this.isrState = committedIsr(isr);
    this.maybeIncrementHighWatermark();
    this.onChange?.();
  }

  /**
   * The change was refused or is moot: the committed ISR stands. With `retryAtMs` (a refusal)
   * no change is proposed before that time, so a refused proposal is not resent on every fetch.
   */
  isrChangeAbandoned(retryAtMs = 0): void {
    if (this.isrState.pending) this.isrState = committedIsr(this.isrState.committed);
    this.isrChangeNotBefore = Math.max(this.isrChangeNotBefore, retryAtMs);
  }

  // ---- follower: the replica fetcher's side ----------------------------------------------

  /** This replica as its replica fetcher sees it (the fetcher is its log's only writer). */
  readonly asFollower: FollowerReplica;

  private followerView(): FollowerReplica {
    const p = this;
    return {
    topic: p.topic,
    partition: p.partition,
    topicId: p.topicId,
    get leaderEpoch() {
      return p.leaderEpoch;
    },
    logStartOffset: () => p.log.logStartOffset,
    logEndOffset: () => p.log.logEndOffset,
    highWatermark: () => p.log.highWatermark,
    latestEpoch: () => p.log.latestEpoch(),
    endOffsetForEpoch: (epoch) => p.log.endOffsetForEpoch(epoch),
    appendAsFollower: (records) => p.appendAsFollower(records),
    truncateTo: (offset) => p.log.truncateTo(offset),
    truncateFullyAndStartAt: (offset) => p.log.truncateFullyAndStartAt(offset),
    updateFromLeader: (hw, logStart) => p.updateFromLeader(hw, logStart),
    };
  }

  private async appendAsFollower(records: Buffer): Promise<void> {
    if (this.role !== 'follower') throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not a follower`);
    const info = await this.log.appendAsFollower(records);
    this.noteAppended(records.length, info.lastOffset + 1n);
  }

  private updateFromLeader(leaderHighWatermark: bigint, leaderLogStartOffset: bigint): void {
    if (this.role !== 'follower') return;
    const leo = this.log.logEndOffset;
    const hw = leaderHighWatermark < leo ? leaderHighWatermark : leo;
    if (hw > this.log.highWatermark) {
      this.log.highWatermark = hw;
      this.releaseBelowHighWatermark();
    }
    if (leaderLogStartOffset > this.log.logStartOffset && leaderLogStartOffset <= this.log.highWatermark) {
      void this.log.deleteRecordsBefore(leaderLogStartOffset).catch(() => undefined);
    }
  }

  // ---- admin ---------------------------------------------------------------------------

  /**
   * DeleteRecords (Kafka's deleteRecordsOnLeader): moves the log start offset; `offset` -1
   * means the HW. In Kafka's order: NOT_LEADER_OR_FOLLOWER; POLICY_VIOLATION without `delete`
   * in cleanup.policy; OFFSET_OUT_OF_RANGE below 0 or above the HW. Returns the new low watermark.
   */
  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    const run = this.appendChain.then(async () => {
      this.checkLeader();
      if (!this.log.config.cleanupPolicy.delete) {
        throw new KafkaError(ErrorCode.POLICY_VIOLATION, `Records of partition ${this.key} can not be deleted due to the configured policy`);
      }
      const target = offset === -1n ? this.highWatermark : offset;
      if (target < 0n) throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `The offset ${target} for partition ${this.key} is not valid`);
      if (target > this.highWatermark) {
        throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Cannot increment the log start offset to ${target} of partition ${this.key} since it is larger than the high watermark ${this.highWatermark}`);
      }
      const start = target <= this.log.logStartOffset ? this.log.logStartOffset : await this.log.deleteRecordsBefore(target);
      this.onChange?.();
      return start;
    });
    this.enqueue(run);
    return run;
  }

  /** Marks the replica gone (deleted topic, stopped): later calls fail NOT_LEADER_OR_FOLLOWER. */
  close(): void {
    this.closed = true;
    this.role = 'offline';
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
const NO_ABORTED: AbortedTxn[] = [];
