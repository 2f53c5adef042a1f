/**
 * One partition's log (Kafka's UnifiedLog + LocalLog): appends, reads, truncation, flush.
 *
 * Ordering rules:
 * - Appends validate, assign offsets and reserve file positions synchronously in call order
 *   (no await between validation and assignment), then join this log's write queue. The
 *   queue writes in order, coalescing waiting appends into one writev, and acknowledges each
 *   append only after its bytes (and those of every earlier append) are in the file.
 * - A single-batch append's CRC-32C is checked right after it joined the queue (same tick,
 *   overlapping its write); a bad one is cancelled and its bytes cut off before the next
 *   write (see enqueue and AppendQueue.cancel).
 * - Readers see only acknowledged data: `visibleEnd` advances in the write queue.
 * - Structural changes (truncation, retention, compaction swaps) run one at a time under
 *   `exclusive()` and wait for the write queue to drain first.
 * - Producer state (ProducerStateManager) is validated in the same synchronous call that
 *   assigns offsets and updated in the same tick as the append is accepted; its map end is
 *   brought to the assigned log end where it is read (roll, close, truncation). A client batch that repeats one of its producer's last five is not
 *   written: the append answers the original offsets (log-producer-append.ts).
 * - Different logs share nothing: one partition never waits on another.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';
import { RecordBatchView } from '../protocol/records/record-batch';
import type { DescribedProducer } from './log-producer-append';
import { checkProducers, hasProducerIds, indexAborted } from './log-producer-append';
import type { ProducerAppendPlan, PendingSnapshot, ProducerStateManager } from './producer-state/producer-state-manager';
import type { AbortedTxn } from './producer-state/transaction-index';

import { Clock } from './clock';
import { AppendJob, AppendQueue, storageError } from './log-append-queue';
import { LeaderEpochCache } from './leader-epoch-cache';
import { LogConfig } from './log-config';
import { LogSegment } from './log-segment';
import { LogSegments } from './log-segments';
import { AppendOrigin, BatchesSummary, checkCrc, summarizeFollowerBatches, validateBatches } from './log-validator';
import { prepareLeaderAppend } from './leader-append';
import { collectAbortedTransactions, readFromLog, ReadOptions } from './log-read';
import { FetchDataInfo, LogAppendInfo, StorageLogger, TopicPartition } from './types';
import { deleteOldestSegments, truncateLogFully, truncateLogTo } from './log-truncation';
import { offsetForTimestampIn, maxTimestampIn, TimestampAndOffset } from './log-timestamps';
import { legacyOffsetsBefore } from './legacy-offsets';
import { maxSegmentMs, randomSegmentJitterMs } from './segment-roll';

/** Position of the acknowledged log end (offset, segment, byte position in it). */
export interface LogEnd {
  offset: bigint;
  segment: LogSegment;
  position: number;
}

export interface LoadedLogState {
  dir: string;
  topicPartition: TopicPartition;
  config: LogConfig;
  clock: Clock;
  logger: StorageLogger;
  segments: LogSegments;
  nextOffset: bigint;
  logStartOffset: bigint;
  recoveryPoint: bigint;
  highWatermark: bigint;
  epochCache: LeaderEpochCache;
  producerState: ProducerStateManager;
}

export class Log {
  readonly topicPartition: TopicPartition;
  /** Partition directory. */
  dir: string;
  config: LogConfig;
  /** ms the active segment rolls before its time (segment.jitter.ms), drawn when it became active. */
  private activeRollJitterMs: number;
  private hw: bigint;
  /** Offsets below this are fsynced with their indexes (recovery starts here). */
  recoveryPoint: bigint;
  /** Clock ms of the last flush (flush.ms policy). */
  lastFlushMs: number;
  /**
   * Called (and awaited) after a truncation lowered the recovery point; the LogManager
   * rewrites its recovery-point checkpoint so a stale, higher value is never trusted. @internal
   */
  onRecoveryPointLowered: (() => Promise<void>) | null = null;
  /** @internal */ readonly segments: LogSegments;
  /** @internal */ readonly epochCache: LeaderEpochCache;
  /** @internal producer ids, sequences and transactions of this partition. */
  readonly producerState: ProducerStateManager;
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly logger: StorageLogger;
  /** @internal read hint: where the last read stopped (sequential consumers skip the scan). */
  readHint: { segment: LogSegment; offset: bigint; position: number } | null = null;
  private _logStartOffset: bigint;
  /** Offset the next append gets (includes appends still being written). */
  private nextOffset: bigint;
  private end: LogEnd;
  private readonly appends: AppendQueue;
  private unflushedRecords = 0;
  private lock: Promise<void> = Promise.resolve();
  private closed = false;
  /** Background work (segment finalization) that shutdown waits for. */
  private background = new Set<Promise<unknown>>();
  /** Producer snapshots taken at a roll, by the new segment's base, until written (finalizeRolled). */
  private rollSnapshots = new Map<bigint, PendingSnapshot>();

  constructor(s: LoadedLogState) {
    this.dir = s.dir;
    this.topicPartition = s.topicPartition;
    this.config = s.config;
    this.activeRollJitterMs = randomSegmentJitterMs(s.config);
    this.clock = s.clock;
    this.logger = s.logger;
    this.segments = s.segments;
    this.nextOffset = s.nextOffset;
    this._logStartOffset = s.logStartOffset;
    this.recoveryPoint = s.recoveryPoint;
    this.producerState = s.producerState;
    this.hw = s.highWatermark;
    this.producerState.onHighWatermarkUpdated(s.highWatermark);
    this.epochCache = s.epochCache;
    const active = s.segments.active();
    this.end = { offset: s.nextOffset, segment: active, position: active.size };
    this.lastFlushMs = s.clock.now();
    this.appends = new AppendQueue({
      afterWrite: (seg, jobs) => this.afterWrite(seg, jobs),
      acknowledged: (j) => {
        this.end = { offset: j.endOffset, segment: j.segment, position: j.position + j.buf.length };
      },
      rolled: (seg, newBase) => this.track(this.finalizeRolled(seg, newBase, this.rollSnapshots.get(newBase))),
      failed: (e) => {
        this.logger.error({ err: e, tp: this.name }, 'log write failed; log is now offline');
        return storageError(this.name, e);
      },
    });
  }

  get logStartOffset(): bigint {
    return this._logStartOffset;
  }
  /** Set by the broker (replication); checkpointed in replication-offset-checkpoint. */
  get highWatermark(): bigint {
    return this.hw;
  }
  set highWatermark(v: bigint) {
    this.hw = v;
    this.producerState.onHighWatermarkUpdated(v); // completed transactions below it become stable
  }
  /**
   * The first offset of a transaction still open or whose marker is not yet below the HW, at
   * least the log start (Kafka's firstUnstableOffset); null when there is none.
   */
  get firstUnstableOffset(): bigint | null {
    if (!this.producerState.hasUnstableTxns) return null;
    const first = this.producerState.firstUnstableOffset();
    if (first === null) return null;
    return first < this._logStartOffset ? this._logStartOffset : first;
  }
  /** Last stable offset: min(first unstable offset, HW); the HW without open transactions. */
  get lastStableOffset(): bigint {
    const first = this.firstUnstableOffset;
    return first !== null && first < this.hw ? first : this.hw;
  }
  /** Acknowledged log end offset (what readers may see). */
  get logEndOffset(): bigint {
    return this.end.offset;
  }
  /** @internal */
  get visibleEnd(): LogEnd {
    return this.end;
  }
  /** @internal */
  setLogStartOffset(o: bigint): void {
    if (o > this._logStartOffset) this._logStartOffset = o;
  }

  updateConfig(c: LogConfig): void {
    this.config = c;
    const settings = { segmentIndexBytes: c.segmentIndexBytes, indexIntervalBytes: c.indexIntervalBytes };
    for (const s of this.segments.all()) s.updateSettings(settings);
  }

  /** Bytes of all segments on disk (including appends in flight). */
  size(): number {
    return this.segments.totalBytes();
  }

  latestEpoch(): number | null {
    return this.epochCache.latestEpoch();
  }

  /** See LeaderEpochCache.endOffsetFor; null = undefined epoch/offset (-1, -1). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint } | null {
    return this.epochCache.endOffsetFor(epoch, this.end.offset);
  }

  // ---- appends --------------------------------------------------------------------------

  /**
   * Validates, assigns offsets from the log end and `leaderEpoch` (in place, in `records`, or
   * in new bytes when a batch is recompressed: leader-append.ts), appends, and resolves once
   * the bytes are in the file (fsynced too if flush.messages is reached). `records` must not
   * be modified until the promise settles.
   */
  appendAsLeader(records: Buffer, opts: { leaderEpoch: number; origin?: AppendOrigin }): Promise<LogAppendInfo> {
    try {
      this.checkWritable(records);
      if (records.length === 0) return Promise.resolve(this.emptyAppendInfo());
      const now = this.clock.now();
      const ctx = { topicPartition: this.topicPartition, nowMs: now, nextOffset: this.nextOffset, leaderEpoch: opts.leaderEpoch, origin: opts.origin ?? 'client' } as const;
      const { records: bytes, summary, logAppendTimeMs, pendingCrc, views } = prepareLeaderAppend(records, this.config, ctx);
      let plan: ProducerAppendPlan | null = null;
      if (hasProducerIds(views)) {
        const checked = checkProducers(this.producerState, views, ctx.origin, pendingCrc);
        if ('duplicate' in checked) {
          const d = checked.duplicate;
          return Promise.resolve({ firstOffset: d.firstOffset, lastOffset: d.lastOffset, logAppendTimeMs: d.timestamp, logStartOffset: this._logStartOffset, recordCount: 0, maxTimestamp: -1n, duplicate: true });
        }
        plan = checked.plan;
      }
      return this.enqueue(bytes, summary, logAppendTimeMs, now, pendingCrc, () => {
        if (plan !== null) this.acceptProducers(plan, summary.lastOffset + 1n);
        if (this.epochCache.assign(opts.leaderEpoch, summary.firstOffset)) this.persistEpochs();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Appends batches with the leader's offsets and epochs (must start at or after the log end). */
  appendAsFollower(records: Buffer): Promise<LogAppendInfo> {
    try {
      this.checkWritable(records);
      if (records.length === 0) return Promise.resolve(this.emptyAppendInfo());
      const views = validateBatches(records, { maxMessageBytes: Number.MAX_SAFE_INTEGER, origin: 'replication', deferSingleCrc: true, topicPartition: this.topicPartition });
      const summary = summarizeFollowerBatches(views, this.nextOffset);
      // the leader's batches are taken as they are: no validation, the state follows the leader's
      const plan = hasProducerIds(views) ? this.producerState.plan(views, 'replication') : null;
      return this.enqueue(records, summary, -1n, this.clock.now(), views.length === 1 ? views[0]! : null, () => {
        if (plan !== null) this.acceptProducers(plan, summary.lastOffset + 1n);
        let changed = false;
        for (const v of views) changed = this.epochCache.assign(v.partitionLeaderEpoch, v.baseOffset) || changed;
        if (changed) this.persistEpochs();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * An append with producer ids was accepted (same tick as its offsets): producer state, aborted
   * transactions. Appends without any leave the map end behind; syncMapEnd() brings it to the
   * log end before it is used (roll, close, truncation).
   */
  private acceptProducers(plan: ProducerAppendPlan, endOffset: bigint): void {
    indexAborted(this.segments, this.producerState.update(plan, endOffset));
  }

  /** Every batch below the assigned log end is in the producer table (Kafka keeps this per append). @internal */
  syncMapEnd(): void {
    this.producerState.updateMapEndOffset(this.nextOffset);
  }

  private persistEpochs(): void {
    void this.epochCache.persist().catch((e) => this.logger.error({ err: e }, 'leader epoch checkpoint failed'));
  }

  private checkWritable(records: Buffer): void {
    if (this.appends.failure) throw this.appends.failure;
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.name} is closed`);
    if (records.length > this.config.segmentBytes) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes exceed segment.bytes ${this.config.segmentBytes}`);
    }
  }

  private emptyAppendInfo(): LogAppendInfo {
    return { firstOffset: -1n, lastOffset: -1n, logAppendTimeMs: -1n, logStartOffset: this._logStartOffset, recordCount: 0, maxTimestamp: -1n };
  }

  private get name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`;
  }

  /**
   * Synchronous: picks (or rolls) the segment, queues the write and records the append.
   * `pendingCrc`, the only batch of `records`, has not had its CRC checked yet: that is done
   * right after queueing, so it overlaps the write when the queue was idle (the write was
   * issued at once). A bad CRC cancels the write (the queue cuts off any bytes that landed
   * before the next write starts); segment, offsets, indexes and `accepted` (epoch cache)
   * are updated only after the check, in the same tick, so nothing needs undoing.
   */
  private enqueue(records: Buffer, s: BatchesSummary, appendTime: bigint, now: number, pendingCrc: RecordBatchView | null, accepted: () => void): Promise<LogAppendInfo> {
    let seg = this.segments.active();
    const { firstOffset, lastOffset, recordCount, maxTimestamp } = s;
    const { segmentBytes } = this.config;
    const segmentMs = maxSegmentMs(this.config) - this.activeRollJitterMs;
    const rollNeeded = seg.shouldRoll({ segmentBytes, segmentMs, appendSize: records.length, maxTimestamp, lastOffset, now });
    if (rollNeeded || firstOffset - seg.baseOffset > 0x7fffffffn) {
      if (pendingCrc) checkCrc(pendingCrc); // a roll is not undone: check before it
      pendingCrc = null;
      seg = this.roll(firstOffset > this.nextOffset ? firstOffset : this.nextOffset, now);
    }
    const position = seg.size;
    const info: LogAppendInfo = { firstOffset, lastOffset, logAppendTimeMs: appendTime, logStartOffset: this._logStartOffset, recordCount, maxTimestamp };
    let job: AppendJob | undefined;
    const done = new Promise<LogAppendInfo>((resolve, reject) => {
      job = { segment: seg, position, buf: records, endOffset: lastOffset + 1n, records: recordCount, info, resolve, reject };
    });
    this.appends.push(job!);
    if (pendingCrc && !pendingCrc.isValidCrc()) {
      this.appends.cancel(job!, new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C mismatch'));
      return done;
    }
    seg.recordAppend(records, position);
    this.nextOffset = lastOffset + 1n;
    accepted();
    return done;
  }

  /** Starts a new active segment at `base`; the old one is finalized after its writes land. */
  private roll(base: bigint, now: number): LogSegment {
    const old = this.segments.active();
    // Kafka snapshots producer state at every roll. The bytes are taken now (the state below
    // `base`); the file is written once the rolled segment (and its txn index) is fsynced, so a
    // snapshot never vouches for index entries that could still be lost.
    this.producerState.updateMapEndOffset(base);
    const snap = this.producerState.prepareSnapshot();
    if (snap) this.rollSnapshots.set(base, snap);
    const seg = new LogSegment(this.dir, base, this.segmentSettings(), 0, now, true);
    this.segments.add(seg);
    this.activeRollJitterMs = randomSegmentJitterMs(this.config);
    this.appends.pushRoll(old, base);
    this.logger.debug({ tp: this.name, base: base.toString() }, 'rolled segment');
    return seg;
  }

  /** @internal */
  segmentSettings(): { segmentIndexBytes: number; indexIntervalBytes: number } {
    return { segmentIndexBytes: this.config.segmentIndexBytes, indexIntervalBytes: this.config.indexIntervalBytes };
  }

  /** flush.messages policy, between a write and its acknowledgement (null: nothing to wait for). */
  private afterWrite(seg: LogSegment, jobs: readonly AppendJob[]): Promise<void> | null {
    for (const j of jobs) this.unflushedRecords += j.records;
    return this.unflushedRecords < this.config.flushMessages ? null : this.flushAfterWrite(seg, jobs);
  }

  private async flushAfterWrite(seg: LogSegment, jobs: readonly AppendJob[]): Promise<void> {
    await seg.log.flush();
    this.unflushedRecords = 0;
    this.lastFlushMs = this.clock.now();
    const last = jobs[jobs.length - 1]!;
    // only the active segment's flush moves the recovery point (rolled ones are finalized separately)
    if (last.endOffset > this.recoveryPoint && seg === this.segments.active()) this.recoveryPoint = last.endOffset;
  }

  private async finalizeRolled(seg: LogSegment, newBase: bigint, snap: PendingSnapshot | undefined): Promise<void> {
    this.rollSnapshots.delete(newBase);
    try {
      await seg.onBecomeInactive();
      if (snap) await this.producerState.writeSnapshot(snap);
      await this.epochCache.persist();
      if (newBase > this.recoveryPoint) this.recoveryPoint = newBase;
    } catch (e) {
      this.logger.error({ err: e, tp: this.name }, 'finalizing rolled segment failed');
    }
  }

  private track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Resolves when every queued append has been written (or failed). @internal */
  drainWrites(): Promise<void> {
    return this.appends.idle();
  }

  /** Runs `fn` after earlier structural operations, with the write queue drained. @internal */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      await this.drainWrites();
      // finalization of rolled segments moves the recovery point: let it land first
      await Promise.all([...this.background]);
      return fn();
    });
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  // ---- reads ----------------------------------------------------------------------------

  /**
   * Whole batches starting with the one containing `offset`, up to `maxBytes` (the first
   * batch is returned whole even if larger when minOneBatch), excluding batches that reach
   * `maxOffset` or the log end. OFFSET_OUT_OF_RANGE below the log start or above the end.
   */
  read(offset: bigint, maxBytes: number, opts: ReadOptions): Promise<FetchDataInfo> {
    return readFromLog(this, offset, maxBytes, opts);
  }

  /**
   * The aborted transactions overlapping [fetchOffset, upperBoundOffset), from the txn indexes
   * of the segments from the one holding `fetchOffset` (Kafka's collectAbortedTransactions).
   */
  collectAbortedTransactions(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return collectAbortedTransactions(this, fetchOffset, upperBoundOffset);
  }

  /** The producers this partition remembers (DescribeProducers). */
  activeProducers(): DescribedProducer[] {
    const out: DescribedProducer[] = [];
    for (const e of this.producerState.activeProducers()) {
      out.push({ producerId: e.producerId, producerEpoch: e.producerEpoch, lastSequence: e.lastSeq, lastTimestamp: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch, currentTxnStartOffset: e.currentTxnFirstOffset ?? -1n });
    }
    return out;
  }

  /** Forgets producers idle for producer.id.expiration.ms (LogManager, every producer.id.expiration.check.interval.ms). */
  /** Forgets producers idle for `expirationMs` (producer.id.expiration.ms; default: the value the log was opened with). */
  removeExpiredProducers(nowMs: number, expirationMs?: number): void {
    if (expirationMs !== undefined) this.producerState.producerIdExpirationMs = expirationMs;
    this.producerState.removeExpiredProducers(nowMs);
  }

  /**
   * First record with timestamp >= ts (Kafka's fetchOffsetByTimestamp), or null. Also
   * accepts ListOffsets' special values: -2 earliest, -1 latest, -3 max timestamp.
   */
  async offsetForTimestamp(ts: bigint): Promise<TimestampAndOffset | null> {
    const epochAt = (o: bigint): number => this.epochCache.epochForOffset(o);
    if (ts === -2n) return { offset: this._logStartOffset, timestamp: -1n, leaderEpoch: epochAt(this._logStartOffset) };
    if (ts === -1n) return { offset: this.end.offset, timestamp: -1n, leaderEpoch: this.epochCache.latestEpoch() ?? -1 };
    if (ts === -3n) return this.maxTimestampAndOffset();
    return offsetForTimestampIn(this, ts);
  }

  /** Offset and timestamp of the record with the largest timestamp (ListOffsets -3), or null. */
  maxTimestampAndOffset(): Promise<TimestampAndOffset | null> {
    return maxTimestampIn(this);
  }

  /**
   * ListOffsets v0: segment base offsets (and the log end) whose segment was last modified at
   * or before `timestamp` (-1 latest, -2 earliest), newest first, at most `maxNumOffsets`.
   */
  legacyOffsetsBefore(timestamp: bigint, maxNumOffsets: number): Promise<bigint[]> {
    return legacyOffsetsBefore(this, timestamp, maxNumOffsets);
  }

  // ---- flush ----------------------------------------------------------------------------

  /** fsyncs everything appended so far (data + indexes) and moves the recovery point. */
  async flush(): Promise<void> {
    await this.drainWrites();
    const upTo = this.end.offset;
    const active = this.segments.active();
    for (const seg of this.segments.from(this.recoveryPoint)) await seg.flush({ active: seg === active });
    await this.epochCache.persist();
    this.unflushedRecords = 0;
    this.lastFlushMs = this.clock.now();
    if (upTo > this.recoveryPoint) this.recoveryPoint = upTo;
  }

  // ---- truncation -----------------------------------------------------------------------

  /**
   * Removes every batch at or above `offset` (follower truncation). Must not overlap appends
   * to this log (the caller is the replica fetcher, which stopped appending).
   */
  truncateTo(offset: bigint): Promise<void> {
    return this.exclusive(() => truncateLogTo(this, offset));
  }

  /** Deletes every segment and restarts the log empty at `offset`. */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    return this.exclusive(() => truncateLogFully(this, offset));
  }

  /**
   * Moves the log start offset up to `offset` (DeleteRecords) and deletes segments wholly
   * below it. OFFSET_OUT_OF_RANGE above the log end. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    if (offset > this.end.offset) {
      return Promise.reject(new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is above the log end ${this.end.offset}`));
    }
    if (offset > this._logStartOffset) {
      this._logStartOffset = offset;
      if (this.epochCache.truncateFromStart(offset)) void this.epochCache.persist().catch(() => undefined);
      this.producerState.truncateHead(offset);
    }
    return this.exclusive(async () => {
      await deleteOldestSegments(this, () => true, 'log-start');
      return this._logStartOffset;
    });
  }

  /**
   * Sets the log end after a truncation (under exclusive(), write queue empty); with
   * `restartAt` the log start moves there too. @internal
   */
  resetEnd(offset: bigint, segment: LogSegment, restartAt?: bigint): void {
    this.nextOffset = offset;
    this.end = { offset, segment, position: segment.size };
    this.readHint = null;
    if (restartAt !== undefined) this._logStartOffset = restartAt;
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Waits for writes and background finalization, writes indexes trimmed, closes fds. */
  async close(): Promise<void> {
    this.closed = true; // later appends fail with KAFKA_STORAGE_ERROR
    await this.exclusive(async () => undefined);
    await Promise.all([...this.background]);
    // at the log end, so the next load replays nothing (Kafka's UnifiedLog.close)
    this.syncMapEnd();
    await this.producerState.takeSnapshot();
    const all = this.segments.all();
    for (let i = 0; i < all.length; i++) await all[i]!.close({ active: i === all.length - 1 });
  }

  /** Closes fds without writing anything (the directory is being deleted, or a crash is simulated). @internal */
  async closeForDelete(): Promise<void> {
    this.closed = true;
    await this.lock;
    await this.drainWrites();
    await Promise.all([...this.background]);
    for (const s of this.segments.all()) await s.log.close();
  }
}
