/**
 * Time index (Kafka's TimeIndex): 12-byte entries of int64 timestamp (ms) and int32 offset
 * relative to the segment's base offset. Timestamps strictly increase; offsets never decrease.
 * An entry (ts, rel) says: the largest timestamp in batches up to offset base+rel is ts.
 */
import { AbstractIndex } from './abstract-index';

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  timestamp: bigint;
  offset: bigint;
}

export class TimeIndex extends AbstractIndex {
  constructor(file: string, baseOffset: bigint, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE);
  }

  protected validPrefix(buf: Buffer, n: number): number {
    let prevTs = -1n;
    let prevRel = -1;
    for (let i = 0; i < n; i++) {
      const ts = buf.readBigInt64BE(i * 12);
      const rel = buf.readInt32BE(i * 12 + 8);
      if (ts === 0n && rel === 0) return i;
      if (ts <= prevTs || rel < prevRel || rel < 0) return -1;
      prevTs = ts;
      prevRel = rel;
    }
    return n;
  }

  timestamp(i: number): bigint {
    return this.mem.readBigInt64BE(i * 12);
  }
  relativeOffset(i: number): number {
    return this.mem.readInt32BE(i * 12 + 8);
  }

  /** Last entry, or (-1, baseOffset) when empty. */
  lastEntry(): TimestampOffset {
    if (this.count === 0) return { timestamp: -1n, offset: this.baseOffset };
    return { timestamp: this.timestamp(this.count - 1), offset: this.baseOffset + BigInt(this.relativeOffset(this.count - 1)) };
  }

  /**
   * Appends (timestamp, offset) when timestamp is larger than the last entry's. `skipFullCheck`
   * lets the roll/close path add the final entry even to a full index (one slot is kept for it).
   */
  maybeAppend(timestamp: bigint, offset: bigint, skipFullCheck = false): boolean {
    if (!skipFullCheck && this.count >= this.maxEntries - 1) return false;
    if (this.count >= this.maxEntries) return false;
    const rel = Number(offset - this.baseOffset);
    if (this.count > 0 && (timestamp <= this.timestamp(this.count - 1) || rel < this.relativeOffset(this.count - 1))) return false;
    if (timestamp < 0n || rel < 0) return false;
    const at = this.allocEntry();
    this.mem.writeBigInt64BE(timestamp, at);
    this.mem.writeInt32BE(rel, at + 8);
    return true;
  }

  override isFull(): boolean {
    // One slot stays free for the final entry written at roll (see maybeAppend).
    return this.count >= this.maxEntries - 1;
  }

  /** The entry with the largest timestamp <= target, else (-1, baseOffset). */
  lookup(target: bigint): TimestampOffset {
    if (this.count === 0 || this.timestamp(0) > target) return { timestamp: -1n, offset: this.baseOffset };
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.timestamp(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return { timestamp: this.timestamp(lo), offset: this.baseOffset + BigInt(this.relativeOffset(lo)) };
  }

  /** Removes every entry with offset >= `offset`. */
  truncateTo(offset: bigint): void {
    let n = this.count;
    while (n > 0 && this.baseOffset + BigInt(this.relativeOffset(n - 1)) >= offset) n--;
    this.truncateToEntries(n);
  }
}
