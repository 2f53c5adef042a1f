/**
 * Sparse offset index (Kafka's OffsetIndex): 8-byte entries of int32 offset relative to the
 * segment's base offset and int32 byte position of a batch in the .log file.
 *
 * An entry (rel, pos) says: the batch starting at `pos` has last offset base+rel. Entries are
 * strictly increasing in both fields; a position of 0 is never indexed (the first batch of a
 * segment needs no entry), so an all-zero entry marks the unused preallocated tail.
 */
import { AbstractIndex } from './abstract-index';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export class OffsetIndex extends AbstractIndex {
  constructor(file: string, baseOffset: bigint, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE);
  }

  protected validPrefix(buf: Buffer, n: number, logSize: number): number {
    let prevRel = -1;
    let prevPos = 0;
    for (let i = 0; i < n; i++) {
      const rel = buf.readInt32BE(i * 8);
      const pos = buf.readInt32BE(i * 8 + 4);
      if (rel === 0 && pos === 0) return i;
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return -1;
      prevRel = rel;
      prevPos = pos;
    }
    return n;
  }

  relativeOffset(i: number): number {
    return this.mem.readInt32BE(i * 8);
  }
  position(i: number): number {
    return this.mem.readInt32BE(i * 8 + 4);
  }

  lastEntry(): OffsetPosition {
    if (this.count === 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + BigInt(this.relativeOffset(this.count - 1)), position: this.position(this.count - 1) };
  }

  /** Appends (offset, position) if both are beyond the last entry; returns whether it did. */
  append(offset: bigint, position: number): boolean {
    const rel = Number(offset - this.baseOffset);
    if (this.count > 0 && (rel <= this.relativeOffset(this.count - 1) || position <= this.position(this.count - 1))) return false;
    if (position <= 0 || this.isFull()) return false;
    const at = this.allocEntry();
    this.mem.writeInt32BE(rel, at);
    this.mem.writeInt32BE(position, at + 4);
    return true;
  }

  /** Index of the largest entry with offset <= target, or -1. */
  private floorIndex(target: bigint): number {
    const rel = target - this.baseOffset;
    if (rel < 0n || this.count === 0) return -1;
    const r = rel > 0x7fffffffn ? 0x7fffffff : Number(rel);
    let lo = 0;
    let hi = this.count - 1;
    if (this.relativeOffset(0) > r) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.relativeOffset(mid) <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The entry with the largest offset <= target, else (baseOffset, 0): scanning batches from
   * that position finds the batch containing target.
   */
  lookup(target: bigint): OffsetPosition {
    const i = this.floorIndex(target);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + BigInt(this.relativeOffset(i)), position: this.position(i) };
  }

  /** Removes every entry with offset >= `offset`. */
  truncateTo(offset: bigint): void {
    const i = this.floorIndex(offset - 1n);
    this.truncateToEntries(i + 1);
  }
}
