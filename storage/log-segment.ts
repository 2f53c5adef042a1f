/**
 * One segment = FileRecords (.log) + OffsetIndex (.index) + TimeIndex (.timeindex) +
 * TransactionIndex (.txnindex, the transactions aborted by markers in it) (Kafka's LogSegment).
 *
 * Invariants:
 * - `size` counts bytes assigned to this segment, including writes still in flight; the Log
 *   bounds reads by its own visible end, never by `size`.
 * - Index entries are added synchronously when an append is assigned (see recordAppend), so
 *   index state always matches assignment order.
 * - An inactive segment loaded from disk opens no fd and holds no index copy until it is
 *   first read (ensureLoaded). Its transaction index is read on first use, and not at all when
 *   the loader found no `.txnindex` file (then it starts empty).
 */
import * as fs from 'fs';
import { RECORD_BATCH_OVERHEAD, RecordBatchView } from '../protocol/records/record-batch';
import { StoredBatch, headerAt, searchForOffset, validateFile, walkHeaders, InvalidReason } from './batch-scan';
import { FileRecords } from './file-records';
import { DELETED_SUFFIX, indexFileName, logFileName, timeIndexFileName } from './log-file-names';
import { OffsetIndex } from './offset-index';
import { TransactionIndex, txnIndexFileName, type AbortedTxn, type TxnIndexSearchResult } from './producer-state/transaction-index';
import { TimeIndex } from './time-index';

export interface SegmentSettings {
  segmentIndexBytes: number;
  indexIntervalBytes: number;
}

export class LogSegment {
  readonly log: FileRecords;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Bytes assigned (written or in flight). */
  size: number;
  /** Largest batch max timestamp so far (ms), -1 when unknown/empty. */
  maxTimestampSoFar = -1n;
  /** Last offset of the batch holding maxTimestampSoFar. */
  offsetOfMaxTimestampSoFar: bigint;
  /** Max timestamp of the first batch: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBasedTimestamp: bigint | null = null;
  /** Offset after the last batch seen by load/recover/append (null until known). */
  lastBatchNextOffset: bigint | null = null;
  private bytesSinceLastIndexEntry = 0;
  private loaded: Promise<void> | null;
  private txn: TransactionIndex | null = null;

  constructor(
    readonly dir: string,
    readonly baseOffset: bigint,
    private settings: SegmentSettings,
    size: number,
    /** Clock ms when the segment was created or opened (segment.ms fallback). */
    readonly created: number,
    isNew: boolean,
    /** Whether a `.txnindex` file may exist for this segment (false: start with an empty index). */
    private txnIndexOnDisk = !isNew,
  ) {
    this.log = new FileRecords(logFileName(dir, baseOffset), isNew);
    this.offsetIndex = new OffsetIndex(indexFileName(dir, baseOffset), baseOffset, settings.segmentIndexBytes);
    this.timeIndex = new TimeIndex(timeIndexFileName(dir, baseOffset), baseOffset, settings.segmentIndexBytes);
    this.size = size;
    this.offsetOfMaxTimestampSoFar = baseOffset;
    this.loaded = isNew ? Promise.resolve() : null;
  }

  /** The aborted-transaction index, opened (read) on first use. */
  get txnIndex(): TransactionIndex {
    if (!this.txn) {
      const file = txnIndexFileName(this.dir, this.baseOffset);
      this.txn = this.txnIndexOnDisk ? TransactionIndex.open(file) : TransactionIndex.empty(file);
    }
    return this.txn;
  }

  /** Indexes a transaction aborted by a marker in this segment (Kafka's updateTxnIndex). */
  appendAbortedTxn(t: AbortedTxn): void {
    this.txnIndex.append(t);
  }

  /** The aborted transactions of this segment overlapping [fetchOffset, upperBoundOffset). */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): TxnIndexSearchResult {
    if (!this.txn && !this.txnIndexOnDisk) return { aborted: [], isComplete: false };
    return this.txnIndex.collect(fetchOffset, upperBoundOffset);
  }

  updateSettings(s: SegmentSettings): void {
    this.settings = s;
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  /**
   * Loads both indexes (trusted: this segment is before the recovery point or the shutdown
   * was clean); a missing or insane index is rebuilt from the log's batch headers.
   */
  ensureLoaded(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.load();
      this.loaded.catch(() => {
        this.loaded = null;
      });
    }
    return this.loaded;
  }

  private async load(): Promise<void> {
    const okOffsets = await this.offsetIndex.load(this.size);
    const okTimes = okOffsets && (await this.timeIndex.load(this.size));
    if (!okOffsets || !okTimes) {
      await this.rebuildIndexesFromHeaders();
      return;
    }
    const last = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = last.timestamp;
    this.offsetOfMaxTimestampSoFar = last.offset;
    // The batches after the last offset index entry are few (< index.interval.bytes + 1 batch).
    const from = this.offsetIndex.lastEntry().position;
    await this.scanTailFrom(from);
    if (this.size > 0) this.rollingBasedTimestamp = await this.firstBatchMaxTimestamp();
  }

  /**
   * Recomputes the running index state from the batches after the last offset index entry
   * (bytesSinceLastIndexEntry = bytes of the batches from that entry's position on).
   */
  private async scanTailFrom(from: number): Promise<void> {
    this.bytesSinceLastIndexEntry = 0;
    this.lastBatchNextOffset = null;
    this.tailEnd = await walkHeaders(this.log, from, this.size, (b) => {
      if (b.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = b.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = b.lastOffset;
      }
      this.bytesSinceLastIndexEntry += b.size;
      this.lastBatchNextOffset = b.lastOffset + 1n;
    });
  }

  /** Where the header walk of the last load stopped (== size for a sane file). */
  tailEnd = 0;

  private async firstBatchMaxTimestamp(): Promise<bigint | null> {
    const head = await this.log.read(0, RECORD_BATCH_OVERHEAD);
    return head.length === RECORD_BATCH_OVERHEAD ? headerAt(head, 0, 0).maxTimestamp : null;
  }

  private async rebuildIndexesFromHeaders(): Promise<void> {
    this.resetIndexState();
    const end = await walkHeaders(this.log, 0, this.size, (b) => {
      this.indexBatch(b);
      this.lastBatchNextOffset = b.lastOffset + 1n;
    });
    this.tailEnd = end;
    if (end !== this.size) {
      // the file is longer than its valid batches (only possible after an unclean shutdown of
      // a segment past the recovery point, which is recovered instead of loaded)
      this.size = end;
    }
    if (this.size > 0) this.rollingBasedTimestamp = await this.firstBatchMaxTimestamp();
  }

  private resetIndexState(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestampSoFar = -1n;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
  }

  /** Index bookkeeping for one batch at `b.position` (Kafka's LogSegment.append per batch). */
  private indexBatch(b: StoredBatch): void {
    if (b.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = b.maxTimestamp;
      this.offsetOfMaxTimestampSoFar = b.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.offsetIndex.append(b.lastOffset, b.position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += b.size;
  }

  /**
   * Synchronously records the batches of `buf` (validated, offsets assigned) as appended at
   * byte `position` = the current size. Must be called in assignment order.
   */
  recordAppend(buf: Buffer, position: number): void {
    let at = 0;
    while (at < buf.length) {
      const b = headerAt(buf, at, position + at);
      if (this.rollingBasedTimestamp === null && position + at === 0) this.rollingBasedTimestamp = b.maxTimestamp;
      this.indexBatch(b);
      this.lastBatchNextOffset = b.lastOffset + 1n;
      at += b.size;
    }
    this.size = position + buf.length;
  }

  /** Kafka's LogSegment.shouldRoll. */
  shouldRoll(p: { segmentBytes: number; segmentMs: number; appendSize: number; maxTimestamp: bigint; lastOffset: bigint; now: number }): boolean {
    if (this.size === 0) return false;
    const since = this.rollingBasedTimestamp !== null && this.rollingBasedTimestamp >= 0n ? Number(this.rollingBasedTimestamp) : this.created;
    const reachedRollMs = p.now - since > p.segmentMs;
    return (
      this.size > p.segmentBytes - p.appendSize ||
      reachedRollMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      p.lastOffset - this.baseOffset > 0x7fffffffn
    );
  }

  /** First batch at or after the index floor of `target` with lastOffset >= target. */
  async translateOffset(target: bigint, end: number, startingPosition = 0): Promise<StoredBatch | null> {
    await this.ensureLoaded();
    const floor = this.offsetIndex.lookup(target).position;
    return searchForOffset(this.log, target, Math.max(floor, startingPosition), end);
  }

  /**
   * Recovery of this segment: validates every batch, truncates the file at the first invalid
   * one and rebuilds both indexes. `visit` sees each valid batch (leader epochs).
   *
   * With `recoveryPoint` inside this segment, the batches before the last persisted offset
   * index entry below the recovery point are trusted (they and that index were fsynced when
   * the recovery point moved past them), and validation starts at that entry's batch.
   */
  async recover(
    fileSize: number,
    visit: (b: StoredBatch, view: RecordBatchView) => void,
    recoveryPoint?: bigint,
  ): Promise<{ validBytes: number; truncatedBytes: number; reason: InvalidReason; nextOffset: bigint | null; scannedFrom: number }> {
    this.resetIndexState();
    this.rollingBasedTimestamp = null;
    let start = 0;
    if (recoveryPoint !== undefined && recoveryPoint > this.baseOffset) {
      start = await this.trustedPrefix(recoveryPoint, fileSize);
      if (start === 0) this.resetIndexState();
      else this.rollingBasedTimestamp = await this.firstBatchMaxTimestamp();
    }
    let nextOffset: bigint | null = null;
    const r = await validateFile(
      this.log,
      fileSize,
      this.baseOffset,
      Number.MAX_SAFE_INTEGER,
      (b, view) => {
        if (b.position === 0) this.rollingBasedTimestamp = b.maxTimestamp;
        this.indexBatch(b);
        nextOffset = b.lastOffset + 1n;
        visit(b, view);
      },
      start,
    );
    if (r.validBytes < fileSize) await this.log.truncate(r.validBytes);
    this.size = r.validBytes;
    this.lastBatchNextOffset = nextOffset;
    this.loaded = Promise.resolve();
    return { validBytes: r.validBytes, truncatedBytes: fileSize - r.validBytes, reason: r.reason, nextOffset, scannedFrom: start };
  }

  /**
   * Loads the persisted indexes and keeps the entries below `recoveryPoint`; returns the
   * position of the batch of the last kept offset entry (where validation resumes), or 0
   * when the indexes cannot be used.
   */
  private async trustedPrefix(recoveryPoint: bigint, fileSize: number): Promise<number> {
    if (!(await this.offsetIndex.load(fileSize)) || !(await this.timeIndex.load(fileSize))) return 0;
    const entry = this.offsetIndex.lookup(recoveryPoint - 1n);
    if (entry.position === 0) return 0;
    this.offsetIndex.truncateTo(entry.offset + 1n);
    this.timeIndex.truncateTo(entry.offset + 1n);
    const last = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = last.timestamp;
    this.offsetOfMaxTimestampSoFar = last.offset;
    this.bytesSinceLastIndexEntry = 0;
    return entry.position;
  }

  /**
   * Removes every batch with lastOffset >= offset (batches are removed whole); returns the
   * new size in bytes and the base offset of the first removed batch (null if none).
   */
  async truncateTo(offset: bigint): Promise<{ size: number; removedBaseOffset: bigint | null }> {
    await this.ensureLoaded();
    const at = await searchForOffset(this.log, offset, this.offsetIndex.lookup(offset).position, this.size);
    if (!at) return { size: this.size, removedBaseOffset: null };
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    if (this.txn || this.txnIndexOnDisk) await this.txnIndex.truncateTo(offset);
    await this.log.truncate(at.position);
    this.size = at.position;
    // Recompute the running index state from the last remaining entry.
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = lastTime.timestamp;
    this.offsetOfMaxTimestampSoFar = lastTime.offset;
    const from = this.offsetIndex.lastEntry().position;
    await this.scanTailFrom(from);
    if (this.size === 0) this.rollingBasedTimestamp = null;
    return { size: this.size, removedBaseOffset: at.baseOffset };
  }

  /** fsync of the data and the indexes (preallocated for the active segment, else trimmed). */
  async flush(opts: { active: boolean }): Promise<void> {
    await this.log.flush();
    if (this.txn) await this.txn.sync();
    if (this.isLoaded && (opts.active || this.offsetIndex.isDirty || this.timeIndex.isDirty)) {
      await this.offsetIndex.persist({ trim: !opts.active, sync: true });
      await this.timeIndex.persist({ trim: !opts.active, sync: true });
    }
  }

  /** Adds the segment's final time index entry (max timestamp so far), as at roll. */
  addFinalTimeEntry(): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
  }

  /** Called when a newer segment becomes active: final time entry, trimmed indexes, fsync. */
  async onBecomeInactive(): Promise<void> {
    await this.ensureLoaded();
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    await this.log.flush();
    if (this.txn) await this.txn.sync();
    await this.offsetIndex.persist({ trim: true, sync: true });
    await this.timeIndex.persist({ trim: true, sync: true });
  }

  /** Clean close: indexes trimmed and written if loaded, fd closed. */
  async close(opts: { active: boolean }): Promise<void> {
    if (this.isLoaded) {
      await this.loaded;
      if (opts.active) this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
      if (opts.active || this.offsetIndex.isDirty || this.timeIndex.isDirty) {
        await this.offsetIndex.persist({ trim: true, sync: false });
        await this.timeIndex.persist({ trim: true, sync: false });
      }
    }
    if (this.txn) await this.txn.flush();
    await this.log.close();
  }

  /**
   * Renames all four files to `*.deleted` (they are removed later); closes nothing. A compaction
   * swap keeps the txn index (`keepTxnIndex`): offsets do not change, so the cleaned segment
   * uses the same file.
   */
  async renameToDeleted(opts: { keepTxnIndex?: boolean } = {}): Promise<string[]> {
    const out: string[] = [];
    if (!opts.keepTxnIndex && (this.txn || this.txnIndexOnDisk)) {
      // through the index, so a queued write lands before the rename (or goes to the new name)
      const to = txnIndexFileName(this.dir, this.baseOffset, DELETED_SUFFIX);
      await this.txnIndex.renameTo(to);
      out.push(to);
    }
    for (const f of [this.log.file, this.offsetIndex.file, this.timeIndex.file]) {
      try {
        await fs.promises.rename(f, f + DELETED_SUFFIX);
        out.push(f + DELETED_SUFFIX);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return out;
  }

  /** Largest timestamp for time retention: max batch timestamp, else the file's mtime. */
  async largestTimestamp(): Promise<number> {
    await this.ensureLoaded();
    if (this.maxTimestampSoFar > 0n) return Number(this.maxTimestampSoFar);
    try {
      return (await fs.promises.stat(this.log.file)).mtimeMs;
    } catch {
      return this.created;
    }
  }
}
