/**
 * The aborted-transaction index of one segment, `<base>.txnindex` (Kafka's TransactionIndex):
 * one entry per transaction aborted by a marker in that segment, in marker order. A
 * read_committed fetch returns the entries that overlap its range, so the consumer can drop the
 * aborted records.
 *
 * Entry layout (34 bytes, big-endian, Kafka's AbortedTxn version 0):
 *   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 (the marker) |
 *   lastStableOffset int64 (the LSO right after the abort)
 *
 * Invariants: entries are kept in memory and in the file in the same order, lastOffset strictly
 * increasing; file writes are queued in order (a crash may lose the tail, which recovery
 * rebuilds from the log). A missing file is an empty index.
 */
import * as fs from 'fs';
import * as path from 'path';
import { offsetPrefix } from '../log-file-names';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const ABORTED_TXN_SIZE = 34;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  lastStableOffset: bigint;
}

export interface TxnIndexSearchResult {
  aborted: AbortedTxn[];
  /** True when no later segment can hold a transaction overlapping the range. */
  isComplete: boolean;
}

export function txnIndexFileName(dir: string, baseOffset: bigint, suffix = ''): string {
  return path.join(dir, offsetPrefix(baseOffset) + TXN_INDEX_SUFFIX + suffix);
}

export function encodeAbortedTxn(t: AbortedTxn): Buffer {
  const b = Buffer.alloc(ABORTED_TXN_SIZE);
  b.writeInt16BE(0, 0);
  b.writeBigInt64BE(t.producerId, 2);
  b.writeBigInt64BE(t.firstOffset, 10);
  b.writeBigInt64BE(t.lastOffset, 18);
  b.writeBigInt64BE(t.lastStableOffset, 26);
  return b;
}

/** Whole entries of `buf`; stops at a torn tail or an unknown version (recovery rebuilds the rest). */
export function decodeAbortedTxns(buf: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let at = 0; at + ABORTED_TXN_SIZE <= buf.length; at += ABORTED_TXN_SIZE) {
    if (buf.readInt16BE(at) !== 0) break;
    out.push({ producerId: buf.readBigInt64BE(at + 2), firstOffset: buf.readBigInt64BE(at + 10), lastOffset: buf.readBigInt64BE(at + 18), lastStableOffset: buf.readBigInt64BE(at + 26) });
  }
  return out;
}

export class TransactionIndex {
  private entries: AbortedTxn[];
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  private constructor(
    private file: string,
    entries: AbortedTxn[],
  ) {
    this.entries = entries;
  }

  /** Reads the index file if there is one; a torn tail is cut off the file too. */
  static open(file: string): TransactionIndex {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new TransactionIndex(file, []);
      throw e;
    }
    const entries = decodeAbortedTxns(buf);
    if (entries.length * ABORTED_TXN_SIZE !== buf.length) fs.truncateSync(file, entries.length * ABORTED_TXN_SIZE);
    return new TransactionIndex(file, entries);
  }

  /** An index whose file does not exist yet (created by the first append). */
  static empty(file: string): TransactionIndex {
    return new TransactionIndex(file, []);
  }

  get path(): string {
    return this.file;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  get lastOffset(): bigint | null {
    const last = this.entries[this.entries.length - 1];
    return last ? last.lastOffset : null;
  }

  /** Adds an aborted transaction; its marker must come after every indexed one. */
  append(t: AbortedTxn): void {
    const last = this.lastOffset;
    if (last !== null && t.lastOffset <= last) {
      throw new Error(`aborted transaction at offset ${t.lastOffset} does not follow the last indexed one at ${last} (${this.file})`);
    }
    this.entries.push(t);
    const bytes = encodeAbortedTxn(t);
    const file = this.file; // the name when queued: a later rename is queued after this write
    this.enqueue(() => fs.promises.appendFile(file, bytes));
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset). */
  collect(fetchOffset: bigint, upperBoundOffset: bigint): TxnIndexSearchResult {
    const aborted: AbortedTxn[] = [];
    for (const t of this.entries) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) aborted.push(t);
      if (t.lastStableOffset >= upperBoundOffset) return { aborted, isComplete: true };
    }
    return { aborted, isComplete: false };
  }

  /** Drops entries whose marker is at or above `offset` (the log was truncated there). */
  truncateTo(offset: bigint): Promise<void> {
    const keep = this.entries.findIndex((t) => t.lastOffset >= offset);
    if (keep < 0) return this.flush();
    this.entries = this.entries.slice(0, keep);
    const size = keep * ABORTED_TXN_SIZE;
    const file = this.file;
    return this.queue(() => fs.promises.truncate(file, size).catch(ignoreMissing));
  }

  /** Resolves when every queued write has landed; rejects with the first write failure. */
  flush(): Promise<void> {
    return this.writing.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Waits for queued writes, then fsyncs the file if it exists (segment flush and finalization). */
  sync(): Promise<void> {
    const file = this.file;
    return this.queue(async () => {
      let fh: fs.promises.FileHandle;
      try {
        fh = await fs.promises.open(file, 'r+');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  /** Renames the file (segment deletion or swap); later writes go to the new name. */
  renameTo(file: string): Promise<void> {
    const from = this.file;
    this.file = file;
    return this.queue(() => fs.promises.rename(from, file).catch(ignoreMissing));
  }

  deleteFile(): Promise<void> {
    this.entries = [];
    const file = this.file;
    return this.queue(() => fs.promises.rm(file, { force: true }));
  }

  /** Queues a file operation; a failure is kept and reported by the next flush(). */
  private enqueue(op: () => Promise<void>): void {
    this.writing = this.writing.then(op).catch((e: Error) => {
      this.failure ??= e;
    });
  }

  private queue(op: () => Promise<void>): Promise<void> {
    this.enqueue(op);
    return this.flush();
  }
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}
