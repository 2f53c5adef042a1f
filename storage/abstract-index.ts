/**
 * Shared part of the offset and time indexes: a fixed-size file of fixed-size entries
 * (Kafka's AbstractIndex), kept as an in-memory copy of the used entries.
 *
 * Invariants:
 * - The in-memory copy `mem[0, entries * entrySize)` is the truth while the segment is open;
 *   the file is rewritten from it by persist() (at flush, roll and close), never per append.
 * - On disk, an index is either preallocated to maxIndexSize (active segment; unused entries
 *   are zero) or trimmed to exactly its entries (inactive segment, clean close).
 * - Indexes are only trusted for data before the recovery point; anything after it is rebuilt
 *   from the log at startup, so a stale or zeroed file is never a correctness problem.
 */
import * as fs from 'fs';
import { fsClose, fsFstatSize, fsFtruncate, fsFsync, fsOpen, fsReadFully, fsWriteAll } from './fs-util';

const EMPTY = Buffer.alloc(0);
/** Index files up to this size are read whole (and their unused tail checked for zeros). */
const SMALL_INDEX_BYTES = 64 * 1024;

export abstract class AbstractIndex {
  protected mem: Buffer = EMPTY;
  protected count = 0;
  /** Entries that fit in a preallocated file of segment.index.bytes. */
  readonly maxEntries: number;
  private dirty = false;

  constructor(
    public file: string,
    readonly baseOffset: bigint,
    maxIndexSize: number,
    readonly entrySize: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexSize / entrySize));
  }

  get entries(): number {
    return this.count;
  }
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }
  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Returns the byte offset in `mem` of a new entry slot (grows the copy by doubling). */
  protected allocEntry(): number {
    const need = (this.count + 1) * this.entrySize;
    if (need > this.mem.length) {
      const grown = Buffer.alloc(Math.max(need, Math.min(this.mem.length * 2 || this.entrySize * 16, this.maxEntries * this.entrySize)));
      this.mem.copy(grown, 0, 0, this.count * this.entrySize);
      this.mem = grown;
    }
    const at = this.count * this.entrySize;
    this.count++;
    this.dirty = true;
    return at;
  }

  /** Keeps only the first n entries. */
  protected truncateToEntries(n: number): void {
    if (n < this.count) {
      this.count = n;
      this.dirty = true;
    }
  }

  reset(): void {
    this.count = 0;
    this.mem = EMPTY;
    this.dirty = true;
  }

  /**
   * Number of leading valid entries in `buf` (which holds `n` entries), or -1 when the file
   * is corrupt (an invalid entry followed by non-zero bytes).
   */
  protected abstract validPrefix(buf: Buffer, n: number, logSize: number): number;

  /**
   * Loads the file into memory. Returns false when it is missing or fails the sanity check
   * (caller rebuilds the index from the log). `logSize` bounds the positions it may hold.
   * A large (preallocated) file is not read whole: the end of its used entries is found by
   * a binary search for the first all-zero entry, then only the used part is read.
   */
  async load(logSize: number): Promise<boolean> {
    let fd: number;
    try {
      fd = await fsOpen(this.file, fs.constants.O_RDONLY);
    } catch {
      return false;
    }
    try {
      const size = await fsFstatSize(fd);
      if (size % this.entrySize !== 0) return false;
      const n = size / this.entrySize;
      let used = n;
      let checkTail = true;
      if (size > SMALL_INDEX_BYTES) {
        used = await this.countUsedEntries(fd, n);
        checkTail = false; // entry `used` is zero by construction; the rest is not read
      }
      const data = Buffer.alloc(checkTail ? size : used * this.entrySize);
      if ((await fsReadFully(fd, data, 0, data.length, 0)) !== data.length) return false;
      const valid = this.validPrefix(data, used, logSize);
      if (valid < 0) return false;
      if (checkTail) for (let i = valid * this.entrySize; i < data.length; i++) if (data[i] !== 0) return false;
      this.mem = Buffer.from(data.subarray(0, valid * this.entrySize));
      this.count = valid;
      this.dirty = false;
      return true;
    } finally {
      await fsClose(fd);
    }
  }

  /** Index of the first all-zero entry, assuming used entries are a non-zero prefix. */
  private async countUsedEntries(fd: number, n: number): Promise<number> {
    const e = Buffer.alloc(this.entrySize);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      await fsReadFully(fd, e, 0, this.entrySize, mid * this.entrySize);
      if (e.every((b) => b === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Writes the entries to the file: trimmed to its entries, or preallocated (sparse) to
   * maxEntries. With sync, fsyncs before returning.
   */
  async persist(opts: { trim: boolean; sync: boolean }): Promise<void> {
    const fd = await fsOpen(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT);
    try {
      const used = this.count * this.entrySize;
      if (used > 0) await fsWriteAll(fd, [this.mem.subarray(0, used)], 0);
      await fsFtruncate(fd, used);
      if (!opts.trim) await fsFtruncate(fd, this.maxEntries * this.entrySize);
      if (opts.sync) await fsFsync(fd);
      this.dirty = false;
    } finally {
      await fsClose(fd);
    }
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Releases the in-memory copy (for an inactive segment that is not being read). */
  unload(): void {
    this.mem = EMPTY;
    this.count = 0;
  }
}
