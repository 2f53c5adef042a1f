/**
 * FrameDecoder: turns a byte stream into frames of the Kafka wire (int32 size, then that many
 * bytes). Invariants:
 * - a size above maxFrameBytes, or negative, throws FrameSizeError as soon as the 4 size bytes
 *   are read, before any of the frame is buffered (the connection must then be closed; the
 *   decoder is left unusable);
 * - a frame lying inside one pushed chunk is returned as a subarray of it (no copy); a frame
 *   spanning chunks is copied once into a Buffer of exactly its size.
 */
import { ErrorCode, ProtocolDecodeError } from './errors';

export class FrameSizeError extends ProtocolDecodeError {
  constructor(
    readonly size: number,
    readonly maxFrameBytes: number,
  ) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds the maximum of ${maxFrameBytes}`, 0, ErrorCode.INVALID_REQUEST);
    this.name = 'FrameSizeError';
  }
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  /** Index of the first unconsumed chunk in chunks. */
  private head = 0;
  /** Bytes already consumed from chunks[head]. */
  private headOffset = 0;
  private buffered = 0;
  /** Payload size of the frame being read, or -1 while its size prefix is still incomplete. */
  private need = -1;
  private failed: FrameSizeError | null = null;

  constructor(readonly maxFrameBytes: number) {}

  /** Bytes received but not yet returned as part of a frame (excludes consumed size prefixes). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds one chunk; returns every frame payload completed by it, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed !== null) throw this.failed;
    const out: Buffer[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size < 0 || size > this.maxFrameBytes) {
          this.failed = new FrameSizeError(size, this.maxFrameBytes);
          this.chunks = [];
          this.buffered = 0;
          throw this.failed;
        }
        this.need = size;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    if (this.head > 0 && (this.head === this.chunks.length || this.head >= 32)) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Removes and returns the next n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.buffered -= n;
    const first = this.chunks[this.head] as Buffer;
    const avail = first.length - this.headOffset;
    if (n <= avail) {
      const b = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(n, first.length);
      return b;
    }
    const b = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head] as Buffer;
      const k = Math.min(n - filled, c.length - this.headOffset);
      c.copy(b, filled, this.headOffset, this.headOffset + k);
      filled += k;
      this.advance(k, c.length);
    }
    return b;
  }

  private advance(n: number, chunkLength: number): void {
    this.headOffset += n;
    if (this.headOffset === chunkLength) {
      this.chunks[this.head] = EMPTY;
      this.head++;
      this.headOffset = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
