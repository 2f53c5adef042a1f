/**
 * The producer-state table of one partition (Kafka's ProducerStateManager): per producer id its
 * epoch and last batches, the open transactions, and the completed ones whose markers are not
 * yet below the high watermark. It is what makes an idempotent producer's retry a duplicate
 * instead of a second copy, and what the last stable offset is computed from.
 *
 * Invariants:
 * - `mapEndOffset` is the log offset (exclusive) up to which every batch has been applied;
 *   appends apply their batches in offset order, and truncation reloads from a snapshot at or
 *   below the new log end and replays the rest (the Log does the replay).
 * - A snapshot named N holds the state after applying every batch below offset N.
 * - `ongoing` holds each open transaction under its first offset; `unreplicated` the completed
 *   ones until the high watermark passes their marker.
 */
import { readEndTxnMarker, ControlRecordType } from '../../protocol/records/control-record';
import { readRecords } from '../../protocol/records/record';
import { NO_PRODUCER_ID, type RecordBatchView } from '../../protocol/records/record-batch';
import type { AppendOrigin } from '../log-validator';
import { ProducerAppendInfo, type CompletedTxn } from './producer-append-info';
import { BatchMetadata, ProducerStateEntry, firstOffsetOf } from './producer-state-entry';
import { CorruptSnapshotError, deleteSnapshotFile, encodeSnapshot, listSnapshotOffsets, readSnapshotFile, writeSnapshotBytes } from './producer-snapshot';

/** Kafka 3.9's producer.id.expiration.ms default (1 day). */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

interface TxnRange {
  producerId: bigint;
  firstOffset: bigint;
  /** Offset of the marker; null while open. */
  lastOffset: bigint | null;
}

/** What an append found for one batch of a known producer: a retry of a batch already in the log. */
export interface DuplicateBatch {
  firstOffset: bigint;
  lastOffset: bigint;
  timestamp: bigint;
}

/** The validated producer updates of one append; applied with `update` once the append is accepted. */
export interface ProducerAppendPlan {
  infos: Map<bigint, ProducerAppendInfo>;
  completedTxns: CompletedTxn[];
}

/** A transaction `update` completed, with the LSO right after its marker (what the .txnindex keeps). */
export interface FinishedTxn extends CompletedTxn {
  lastStableOffset: bigint;
}

/** A snapshot's bytes, encoded when it was taken; written later (see Log roll). */
export interface PendingSnapshot {
  offset: bigint;
  bytes: Buffer;
}

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerStateEntry>();
  private readonly ongoing = new Map<bigint, TxnRange>();
  private readonly unreplicated = new Map<bigint, TxnRange>();
  private lastMapOffset = 0n;
  private lastSnapOffset = 0n;

  constructor(
    private readonly dir: string,
    private readonly partitionName: string,
    /** producer.id.expiration.ms */
    public producerIdExpirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  ) {}

  get mapEndOffset(): bigint {
    return this.lastMapOffset;
  }

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: bigint): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * A client's retried batch: the kept batch with the same epoch and sequence range. Only
   * batches with a producer id can be duplicates.
   */
  findDuplicate(view: RecordBatchView): DuplicateBatch | null {
    if (view.producerId === NO_PRODUCER_ID) return null;
    const hit: BatchMetadata | undefined = this.producers.get(view.producerId)?.findDuplicate(view.producerEpoch, view.baseSequence, view.lastSequence);
    return hit ? { firstOffset: firstOffsetOf(hit), lastOffset: hit.lastOffset, timestamp: hit.timestamp } : null;
  }

  /**
   * Validates `views` (offsets already assigned) against the table without changing it; throws
   * the KafkaError of the first batch that breaks a rule. Batches without a producer id are
   * skipped.
   */
  plan(views: readonly RecordBatchView[], origin: AppendOrigin): ProducerAppendPlan {
    const infos = new Map<bigint, ProducerAppendInfo>();
    const completedTxns: CompletedTxn[] = [];
    for (const v of views) {
      const pid = v.producerId;
      if (pid === NO_PRODUCER_ID) continue;
      let info = infos.get(pid);
      if (!info) {
        info = new ProducerAppendInfo(this.partitionName, pid, this.producers.get(pid) ?? ProducerStateEntry.empty(pid), origin);
        infos.set(pid, info);
      }
      if (v.isControl) {
        const marker = controlMarker(v);
        if (marker) {
          const done = info.appendEndTxnMarker(marker.isAbort, marker.coordinatorEpoch, v.producerEpoch, v.baseOffset, v.maxTimestamp);
          if (done) completedTxns.push(done);
        }
      } else {
        const last = v.baseOffset + BigInt(v.lastOffsetDelta);
        info.appendDataBatch(v.producerEpoch, v.baseSequence, v.lastSequence, v.maxTimestamp, v.baseOffset, last, v.isTransactional);
      }
    }
    return { infos, completedTxns };
  }

  /**
   * Applies a plan whose append was accepted; `endOffset` is the log end after it (exclusive).
   * Returns the transactions it completed, each with the LSO right after its marker (Kafka's
   * lastStableOffset(completedTxn): the first offset of another producer's open transaction, else
   * the marker + 1), computed in marker order.
   */
  update(p: ProducerAppendPlan, endOffset: bigint): FinishedTxn[] {
    for (const info of p.infos.values()) {
      this.producers.set(info.producerId, info.updated);
      for (const first of info.startedTxnFirstOffsets) this.ongoing.set(first, { producerId: info.producerId, firstOffset: first, lastOffset: null });
    }
    const finished: FinishedTxn[] = [];
    for (const t of p.completedTxns) {
      finished.push({ ...t, lastStableOffset: this.lastStableOffsetAfter(t) });
      this.completeTxn(t);
    }
    if (endOffset > this.lastMapOffset) this.lastMapOffset = endOffset;
    return finished;
  }

  private lastStableOffsetAfter(t: CompletedTxn): bigint {
    let min: bigint | null = null;
    for (const o of this.ongoing.values()) if (o.producerId !== t.producerId && (min === null || o.firstOffset < min)) min = o.firstOffset;
    return min ?? t.lastOffset + 1n;
  }

  /** Applies batches read back from the log (recovery, replay after truncation): no validation. */
  replay(views: readonly RecordBatchView[]): FinishedTxn[] {
    if (views.length === 0) return [];
    const last = views[views.length - 1]!;
    return this.update(this.plan(views, 'replication'), last.baseOffset + BigInt(last.lastOffsetDelta) + 1n);
  }

  /**
   * Every batch below `offset` has been applied (Kafka's updateMapEndOffset): the log end after
   * an append without producer ids, a roll's base, a truncation point.
   */
  updateMapEndOffset(offset: bigint): void {
    this.lastMapOffset = offset;
  }

  /** No producer and no transaction waiting for the high watermark (Kafka's isEmpty). */
  get isEmpty(): boolean {
    return this.producers.size === 0 && this.unreplicated.size === 0;
  }

  /** True while some transaction is open or its marker is above the high watermark. */
  get hasUnstableTxns(): boolean {
    return this.ongoing.size > 0 || this.unreplicated.size > 0;
  }

  private completeTxn(t: CompletedTxn): void {
    const open = this.ongoing.get(t.firstOffset);
    if (!open) return;
    this.ongoing.delete(t.firstOffset);
    open.lastOffset = t.lastOffset;
    this.unreplicated.set(t.firstOffset, open);
  }

  /**
   * The first offset of a transaction that is still open or whose marker is not yet below the
   * high watermark; null when there is none (then the LSO is the high watermark).
   */
  firstUnstableOffset(): bigint | null {
    let min: bigint | null = null;
    for (const m of [this.ongoing, this.unreplicated]) for (const first of m.keys()) if (min === null || first < min) min = first;
    return min;
  }

  /** The first offset of a transaction that is still open, or null. */
  firstUndecidedOffset(): bigint | null {
    let min: bigint | null = null;
    for (const first of this.ongoing.keys()) if (min === null || first < min) min = first;
    return min;
  }

  onHighWatermarkUpdated(highWatermark: bigint): void {
    if (this.unreplicated.size === 0) return;
    for (const [first, t] of this.unreplicated) if (t.lastOffset !== null && t.lastOffset < highWatermark) this.unreplicated.delete(first);
  }

  /** Forgets producers idle for producer.id.expiration.ms (never one with an open transaction). */
  removeExpiredProducers(nowMs: number): void {
    for (const [pid, e] of this.producers) if (this.isExpired(e, nowMs)) this.producers.delete(pid);
  }

  private isExpired(e: ProducerStateEntry, nowMs: number): boolean {
    return e.currentTxnFirstOffset === null && BigInt(nowMs) - e.lastTimestamp >= BigInt(this.producerIdExpirationMs);
  }

  // ---- snapshots ------------------------------------------------------------------------

  /** Writes a snapshot at mapEndOffset unless one is there already. */
  async takeSnapshot(): Promise<void> {
    const p = this.prepareSnapshot();
    if (p) await this.writeSnapshot(p);
  }

  /**
   * Encodes the state now as the snapshot at mapEndOffset (null when one is there already), for
   * writeSnapshot later: the Log writes a roll's snapshot once the rolled segment is fsynced.
   */
  prepareSnapshot(): PendingSnapshot | null {
    if (this.lastMapOffset <= this.lastSnapOffset) return null;
    this.lastSnapOffset = this.lastMapOffset;
    return { offset: this.lastMapOffset, bytes: encodeSnapshot(this.producers.values()) };
  }

  writeSnapshot(p: PendingSnapshot): Promise<void> {
    return writeSnapshotBytes(this.dir, p.offset, p.bytes);
  }

  latestSnapshotOffset(): bigint | null {
    const all = listSnapshotOffsets(this.dir);
    return all.length ? all[all.length - 1]! : null;
  }

  /**
   * Clears the table and loads the newest readable snapshot at or below `maxOffset` (corrupt
   * ones are deleted), keeping producers that still have a batch at or above logStartOffset and
   * are not expired. Returns the offset the caller must replay the log from.
   */
  loadSnapshot(logStartOffset: bigint, maxOffset: bigint, nowMs: number): bigint {
    this.producers.clear();
    this.ongoing.clear();
    this.unreplicated.clear();
    const offsets = listSnapshotOffsets(this.dir).filter((o) => o <= maxOffset);
    for (let i = offsets.length - 1; i >= 0; i--) {
      const at = offsets[i]!;
      let entries: ProducerStateEntry[];
      try {
        entries = readSnapshotFile(this.dir, at);
      } catch (e) {
        if (!(e instanceof CorruptSnapshotError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        deleteSnapshotFile(this.dir, at);
        continue;
      }
      for (const e of entries) {
        e.removeBatchesBefore(logStartOffset);
        if (e.lastDataOffset < logStartOffset && e.currentTxnFirstOffset === null) continue;
        if (this.isExpired(e, nowMs)) continue;
        this.producers.set(e.producerId, e);
        if (e.currentTxnFirstOffset !== null) this.ongoing.set(e.currentTxnFirstOffset, { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset, lastOffset: null });
      }
      this.lastSnapOffset = at;
      this.lastMapOffset = at;
      return at;
    }
    this.lastSnapOffset = logStartOffset;
    this.lastMapOffset = logStartOffset;
    return logStartOffset;
  }

  /**
   * The log was truncated to `logEndOffset` (or its start moved): snapshots above the end or at
   * or below the start are deleted, and the table is reloaded when it reflects more than the
   * log now holds. Returns the offset to replay the log from, or null when nothing changed.
   */
  truncateAndReload(logStartOffset: bigint, logEndOffset: bigint, nowMs: number): bigint | null {
    for (const o of listSnapshotOffsets(this.dir)) if (o > logEndOffset || o <= logStartOffset) deleteSnapshotFile(this.dir, o);
    if (logEndOffset !== this.lastMapOffset) return this.loadSnapshot(logStartOffset, logEndOffset, nowMs);
    this.truncateHead(logStartOffset);
    return null;
  }

  /** The log start moved to `logStartOffset`: producers whose batches all lie below it go. */
  truncateHead(logStartOffset: bigint): void {
    for (const [pid, e] of this.producers) {
      e.removeBatchesBefore(logStartOffset);
      if (e.lastDataOffset < logStartOffset && e.currentTxnFirstOffset === null) this.producers.delete(pid);
    }
    for (const [first, t] of this.unreplicated) if (t.lastOffset !== null && t.lastOffset < logStartOffset) this.unreplicated.delete(first);
    if (this.lastMapOffset < logStartOffset) this.lastMapOffset = logStartOffset;
    for (const o of listSnapshotOffsets(this.dir)) if (o < logStartOffset) deleteSnapshotFile(this.dir, o);
    const latest = this.latestSnapshotOffset();
    this.lastSnapOffset = latest ?? logStartOffset;
  }

  /**
   * Empties the table and removes every snapshot (the log was deleted or truncated to nothing);
   * the map end becomes `startAt` (Kafka's truncateFullyAndStartAt).
   */
  truncateFully(startAt = 0n): void {
    this.producers.clear();
    this.ongoing.clear();
    this.unreplicated.clear();
    for (const o of listSnapshotOffsets(this.dir)) deleteSnapshotFile(this.dir, o);
    this.lastSnapOffset = 0n;
    this.lastMapOffset = startAt;
  }
}

/** The marker of a control batch, or null for an empty one (its transaction was cleaned away). */
function controlMarker(v: RecordBatchView): { isAbort: boolean; coordinatorEpoch: number } | null {
  const first = readRecords(v)[0];
  if (!first) return null;
  const m = readEndTxnMarker(first.key, first.value);
  return { isAbort: m.type === ControlRecordType.ABORT, coordinatorEpoch: m.coordinatorEpoch };
}
