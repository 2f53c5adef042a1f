/**
 * Writer: encodes into one Buffer allocated up front from a size pass.
 * Protocol:
 *   const ext: ExternalSize = { bytes: 0 };
 *   const total = sizeX(m, version, ext);          // total wire bytes; ext.bytes = zero-copy part
 *   const w = new Writer(total - ext.bytes, true); // one allocation for everything else
 *   writeX(w, m, version);
 *   const chunks = w.finish();                     // Buffer[]; concatenated they are the wire bytes
 * With `external` enabled, `bytes`/`records` values of at least EXTERNAL_MIN_BYTES are not copied:
 * they become their own chunk in finish()'s list. Size functions count such values in ext.bytes
 * with the same rule, so the inline buffer is filled exactly (finish() checks it).
 */
import { KafkaError, ErrorCode } from '../errors';
import { sizeOfUnsignedVarint, writeUnsignedVarintTo, writeVarlongTo, zigzagEncode32 } from './varint';

/** Values at least this long (bytes) are passed through as separate chunks when external is on. */
export const EXTERNAL_MIN_BYTES = 4096;

/** Accumulates the bytes of values a Writer with `external` on will not copy. */
export interface ExternalSize {
  bytes: number;
}

const UUID_RE = /^[A-Za-z0-9_-]{22}$/;

function encodingError(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

/** Adds a bytes/records value's length to ext when a Writer would pass it through uncopied. */
export function countExternal(ext: ExternalSize | undefined, b: Buffer | null): void {
  if (ext !== undefined && b !== null && b.length >= EXTERNAL_MIN_BYTES) ext.bytes += b.length;
}

export function sizeOfString(s: string): number {
  return 2 + Buffer.byteLength(s, 'utf8');
}

export function sizeOfNullableString(s: string | null): number {
  return s === null ? 2 : 2 + Buffer.byteLength(s, 'utf8');
}

export function sizeOfCompactString(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  return sizeOfUnsignedVarint(n + 1) + n;
}

export function sizeOfCompactNullableString(s: string | null): number {
  return s === null ? 1 : sizeOfCompactString(s);
}

export function sizeOfBytes(b: Buffer | null): number {
  return b === null ? 4 : 4 + b.length;
}

export function sizeOfCompactBytes(b: Buffer | null): number {
  return b === null ? 1 : sizeOfUnsignedVarint(b.length + 1) + b.length;
}

export class Writer {
  readonly buf: Buffer;
  pos = 0;
  private readonly external: boolean;
  private chunks: Buffer[] | null = null;
  private chunkStart = 0;

  /** size: bytes to allocate (total minus ext.bytes when external is on). */
  constructor(size: number, external = false) {
    this.buf = Buffer.allocUnsafe(size);
    this.external = external;
  }

  /** The encoded chunks; throws if the size pass and the write pass disagreed. */
  finish(): Buffer[] {
    if (this.pos !== this.buf.length) {
      throw new Error(`Writer: wrote ${this.pos} bytes into a buffer of ${this.buf.length} (size pass mismatch)`);
    }
    if (this.chunks === null) return [this.buf];
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    return this.chunks;
  }

  /** finish() joined into one Buffer (copies external chunks; for tests and small messages). */
  finishConcat(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  writeInt8(v: number): void {
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  writeUInt8(v: number): void {
    this.buf[this.pos++] = v;
  }

  writeBool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  writeInt16(v: number): void {
    if (v !== ((v << 16) >> 16)) throw encodingError(`int16 out of range: ${v}`);
    const p = this.pos;
    this.buf[p] = v >>> 8;
    this.buf[p + 1] = v;
    this.pos = p + 2;
  }

  writeUInt16(v: number): void {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  writeInt32(v: number): void {
    if (v !== (v | 0)) throw encodingError(`int32 out of range: ${v}`);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v >>> 24;
    buf[p + 1] = v >>> 16;
    buf[p + 2] = v >>> 8;
    buf[p + 3] = v;
    this.pos = p + 4;
  }

  writeUInt32(v: number): void {
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  writeInt64(v: bigint): void {
    const n = Number(v);
    if (Number.isSafeInteger(n)) {
      // fast path (|v| < 2^53): split into a signed high word and an unsigned low word
      const hi = Math.floor(n / 4294967296);
      const lo = n - hi * 4294967296;
      const buf = this.buf;
      const p = this.pos;
      buf[p] = hi >>> 24;
      buf[p + 1] = hi >>> 16;
      buf[p + 2] = hi >>> 8;
      buf[p + 3] = hi;
      buf[p + 4] = lo >>> 24;
      buf[p + 5] = lo >>> 16;
      buf[p + 6] = lo >>> 8;
      buf[p + 7] = lo;
    } else {
      this.buf.writeBigInt64BE(v, this.pos);
    }
    this.pos += 8;
  }

  writeFloat64(v: number): void {
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Kafka's Uuid string form (22 base64url characters) as 16 bytes. */
  writeUuid(s: string): void {
    if (!UUID_RE.test(s)) throw encodingError(`invalid uuid ${JSON.stringify(s)}`);
    this.buf.write(s, this.pos, 16, 'base64url');
    this.pos += 16;
  }

  writeUnsignedVarint(v: number): void {
    this.pos = writeUnsignedVarintTo(this.buf, this.pos, v);
  }

  writeVarint(v: number): void {
    this.pos = writeUnsignedVarintTo(this.buf, this.pos, zigzagEncode32(v));
  }

  writeVarlong(v: bigint): void {
    this.pos = writeVarlongTo(this.buf, this.pos, v);
  }

  /** Copies b (always inline). */
  writeRaw(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Copies b, or passes it through as its own chunk (see EXTERNAL_MIN_BYTES). */
  private writeData(b: Buffer): void {
    if (this.external && b.length >= EXTERNAL_MIN_BYTES) {
      if (this.chunks === null) this.chunks = [];
      if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.chunks.push(b);
      this.chunkStart = this.pos;
      return;
    }
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  private writeUtf8(s: string, n: number): void {
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  writeString(s: string | null): void {
    if (s === null || s === undefined) throw encodingError('non-nullable string is null');
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw encodingError(`string of ${n} bytes is longer than 32767`);
    this.writeInt16(n);
    this.writeUtf8(s, n);
  }

  writeNullableString(s: string | null): void {
    if (s === null) this.writeInt16(-1);
    else this.writeString(s);
  }

  writeCompactString(s: string | null): void {
    if (s === null || s === undefined) throw encodingError('non-nullable string is null');
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw encodingError(`string of ${n} bytes is longer than 32767`);
    this.writeUnsignedVarint(n + 1);
    this.writeUtf8(s, n);
  }

  writeCompactNullableString(s: string | null): void {
    if (s === null) this.writeUnsignedVarint(0);
    else this.writeCompactString(s);
  }

  writeBytes(b: Buffer | null): void {
    if (b === null || b === undefined) throw encodingError('non-nullable bytes are null');
    this.writeInt32(b.length);
    this.writeData(b);
  }

  writeNullableBytes(b: Buffer | null): void {
    if (b === null) this.writeInt32(-1);
    else this.writeBytes(b);
  }

  writeCompactBytes(b: Buffer | null): void {
    if (b === null || b === undefined) throw encodingError('non-nullable bytes are null');
    this.writeUnsignedVarint(b.length + 1);
    this.writeData(b);
  }

  writeCompactNullableBytes(b: Buffer | null): void {
    if (b === null) this.writeUnsignedVarint(0);
    else this.writeCompactBytes(b);
  }

  /** int32 count, or -1 for null (only if nullable). */
  writeArrayCount(a: readonly unknown[] | null, nullable: boolean): void {
    if (a === null) {
      if (!nullable) throw encodingError('non-nullable array is null');
      this.writeInt32(-1);
    } else {
      this.writeInt32(a.length);
    }
  }

  writeCompactArrayCount(a: readonly unknown[] | null, nullable: boolean): void {
    if (a === null) {
      if (!nullable) throw encodingError('non-nullable array is null');
      this.writeUnsignedVarint(0);
    } else {
      this.writeUnsignedVarint(a.length + 1);
    }
  }
}

/** Sum of the chunk lengths. */
export function chunksLength(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
