/**
 * The ordered segments of one log (Kafka's LogSegments): sorted by base offset, floor lookup
 * by offset. The last segment is the active one.
 */
import { LogSegment } from './log-segment';

export class LogSegments {
  private list: LogSegment[] = [];

  get size(): number {
    return this.list.length;
  }
  all(): readonly LogSegment[] {
    return this.list;
  }
  first(): LogSegment | undefined {
    return this.list[0];
  }
  active(): LogSegment {
    const s = this.list[this.list.length - 1];
    if (!s) throw new Error('log has no segments');
    return s;
  }

  /** Adds or replaces (same base offset) a segment, keeping the order. */
  add(seg: LogSegment): void {
    const i = this.indexOfFloor(seg.baseOffset);
    if (i >= 0 && this.list[i]!.baseOffset === seg.baseOffset) this.list[i] = seg;
    else this.list.splice(i + 1, 0, seg);
  }

  remove(seg: LogSegment): void {
    const i = this.list.indexOf(seg);
    if (i >= 0) this.list.splice(i, 1);
  }

  clear(): void {
    this.list = [];
  }

  /** Index of the segment with the largest base offset <= offset, or -1. */
  private indexOfFloor(offset: bigint): number {
    let lo = 0;
    let hi = this.list.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid]!.baseOffset <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  floor(offset: bigint): LogSegment | undefined {
    const i = this.indexOfFloor(offset);
    return i >= 0 ? this.list[i] : undefined;
  }

  /** The segment after `seg`, or undefined. */
  next(seg: LogSegment): LogSegment | undefined {
    const i = this.list.indexOf(seg);
    return i >= 0 ? this.list[i + 1] : undefined;
  }

  /** Base offset of the segment after `seg` (its exclusive end offset), or null for the last. */
  nextBaseOffset(seg: LogSegment): bigint | null {
    return this.next(seg)?.baseOffset ?? null;
  }

  /** Segments from the one containing `from` onwards. */
  from(offset: bigint): LogSegment[] {
    const i = Math.max(0, this.indexOfFloor(offset));
    return this.list.slice(i);
  }

  totalBytes(): number {
    let n = 0;
    for (const s of this.list) n += s.size;
    return n;
  }
}
