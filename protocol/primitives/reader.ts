/**
 * Reader: a bounds-checked cursor over one Buffer window [offset, end).
 * Invariants:
 * - every read checks the bytes it needs against `end` first, and throws ProtocolDecodeError
 *   (code INVALID_REQUEST) when they are missing or malformed; nothing else is thrown;
 * - `bytes`/`records` values are subarrays of the underlying Buffer (never copied);
 * - every length or count is checked against the remaining bytes before anything is allocated,
 *   so a reader never allocates more than the bytes present.
 */
import { ProtocolDecodeError } from '../errors';
import { readVarlongFrom, zigzagDecode32 } from './varint';

const UUID_BYTES = 16;

export class Reader {
  readonly buf: Buffer;
  /** Current position, as an absolute index into buf. */
  pos: number;
  /** Exclusive end of the readable window, as an absolute index into buf. */
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (!(offset >= 0 && offset <= end && end <= buf.length)) {
      throw new ProtocolDecodeError(`bad reader window [${offset}, ${end}) of ${buf.length} bytes`, offset);
    }
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): ProtocolDecodeError {
    return new ProtocolDecodeError(message, this.pos);
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw this.fail(`needed ${n} bytes but only ${this.end - this.pos} remain`);
  }

  readInt8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  readUInt8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  readBool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  readInt16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readUInt16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readInt32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readUInt32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readInt64(): bigint {
    this.need(8);
    const buf = this.buf;
    const p = this.pos;
    this.pos += 8;
    const hi = buf.readInt32BE(p);
    // fast path: |value| < 2^53 is exact as a double
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + buf.readUInt32BE(p + 4));
    return buf.readBigInt64BE(p);
  }

  readFloat64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Kafka's Uuid string form: 16 bytes as unpadded base64url (22 characters). */
  readUuid(): string {
    this.need(UUID_BYTES);
    const s = this.buf.toString('base64url', this.pos, this.pos + UUID_BYTES);
    this.pos += UUID_BYTES;
    return s;
  }

  /** Unsigned varint of at most 5 bytes; value in 0 .. 2^32-1. */
  readUnsignedVarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= this.end) throw this.fail('truncated unsigned varint');
      const b = buf[pos++] as number;
      if (i === 4 && b > 0x0f) throw this.fail('unsigned varint exceeds 32 bits');
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return value;
      }
      mul *= 128;
    }
    throw this.fail('unsigned varint longer than 5 bytes');
  }

  /** Zigzag int32 varint. */
  readVarint(): number {
    return zigzagDecode32(this.readUnsignedVarint());
  }

  /** Zigzag int64 varlong. */
  readVarlong(): bigint {
    const d = readVarlongFrom(this.buf, this.pos, this.end);
    this.pos = d.offset;
    return d.value;
  }

  /** n raw bytes as a subarray (no copy). */
  readRawBytes(n: number): Buffer {
    if (!(n >= 0)) throw this.fail(`negative length ${n}`);
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A Reader over the next n bytes; this reader skips past them. */
  subReader(n: number): Reader {
    this.need(n);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private utf8(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** int16 length + UTF-8; null (-1) is rejected. */
  readString(): string {
    const n = this.readInt16();
    if (n < 0) throw this.fail(n === -1 ? 'non-nullable string was null' : `invalid string length ${n}`);
    return this.utf8(n);
  }

  readNullableString(): string | null {
    const n = this.readInt16();
    if (n === -1) return null;
    if (n < 0) throw this.fail(`invalid string length ${n}`);
    return this.utf8(n);
  }

  /** Unsigned varint length+1 and UTF-8; null (0) is rejected. */
  readCompactString(): string {
    const n = this.readUnsignedVarint();
    if (n === 0) throw this.fail('non-nullable compact string was null');
    return this.compactUtf8(n - 1);
  }

  readCompactNullableString(): string | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    return this.compactUtf8(n - 1);
  }

  /** Strings are at most 32767 bytes in every encoding (as Kafka enforces). */
  private compactUtf8(n: number): string {
    if (n > 0x7fff) throw this.fail(`string length ${n} exceeds 32767`);
    return this.utf8(n);
  }

  /** int32 length + bytes (subarray); null (-1) is rejected. */
  readBytes(): Buffer {
    const n = this.readInt32();
    if (n < 0) throw this.fail(n === -1 ? 'non-nullable bytes were null' : `invalid bytes length ${n}`);
    return this.readRawBytes(n);
  }

  readNullableBytes(): Buffer | null {
    const n = this.readInt32();
    if (n === -1) return null;
    if (n < 0) throw this.fail(`invalid bytes length ${n}`);
    return this.readRawBytes(n);
  }

  readCompactBytes(): Buffer {
    const n = this.readUnsignedVarint();
    if (n === 0) throw this.fail('non-nullable compact bytes were null');
    return this.readRawBytes(n - 1);
  }

  readCompactNullableBytes(): Buffer | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    return this.readRawBytes(n - 1);
  }

  /**
   * int32 element count of an array, -1 meaning null (returned as -1 only when nullable).
   * minElementBytes is the smallest encoding of one element; the count is refused unless
   * count * max(1, minElementBytes) bytes remain, so callers may allocate `count` slots.
   */
  readArrayCount(minElementBytes: number, nullable: boolean): number {
    const n = this.readInt32();
    if (n === -1) {
      if (nullable) return -1;
      throw this.fail('non-nullable array was null');
    }
    if (n < 0) throw this.fail(`invalid array length ${n}`);
    this.checkCount(n, minElementBytes);
    return n;
  }

  /** Compact (unsigned varint count+1) form of readArrayCount. */
  readCompactArrayCount(minElementBytes: number, nullable: boolean): number {
    const u = this.readUnsignedVarint();
    if (u === 0) {
      if (nullable) return -1;
      throw this.fail('non-nullable compact array was null');
    }
    const n = u - 1;
    this.checkCount(n, minElementBytes);
    return n;
  }

  private checkCount(n: number, minElementBytes: number): void {
    const min = minElementBytes > 1 ? minElementBytes : 1;
    if (n * min > this.end - this.pos) {
      throw this.fail(`array of ${n} elements cannot fit in ${this.end - this.pos} remaining bytes`);
    }
  }
}
