/**
 * Bounded cursor and writers for the zigzag varints inside v2 records (protobuf sint32/sint64).
 * Reads never go past `end`; failures throw ProtocolDecodeError(CORRUPT_MESSAGE) with the position.
 */
import { ErrorCode, ProtocolDecodeError } from '../errors';

export class RecordCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  fail(message: string): never {
    throw new ProtocolDecodeError(message, this.pos, ErrorCode.CORRUPT_MESSAGE);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  readInt8(): number {
    if (this.pos >= this.end) this.fail('record truncated');
    return this.buf.readInt8(this.pos++);
  }

  /** Zigzag varint, at most 5 bytes (Kafka ByteUtils.readVarint). */
  readVarint(): number {
    let raw = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) this.fail('varint truncated');
      const b = this.buf[this.pos++]!;
      raw |= (b & 0x7f) << shift;
      if (b < 0x80) return (raw >>> 1) ^ -(raw & 1);
    }
    return this.fail('varint too long');
  }

  /** Zigzag varlong, at most 10 bytes (Kafka ByteUtils.readVarlong), as bigint. */
  readVarlong(): bigint {
    // Fast path: up to 7 bytes (49 bits) fit a double exactly.
    let raw = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) this.fail('varlong truncated');
      const b = this.buf[this.pos++]!;
      raw += (b & 0x7f) * mul;
      if (b < 0x80) return BigInt(raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);
      mul *= 128;
    }
    let big = BigInt(raw);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.fail('varlong truncated');
      const b = this.buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        big = BigInt.asUintN(64, big);
        return BigInt.asIntN(64, (big >> 1n) ^ -(big & 1n));
      }
    }
    return this.fail('varlong too long');
  }

  /** `len` bytes as a subarray (no copy); len was checked by the caller to be >= 0. */
  readSlice(len: number): Buffer {
    if (len > this.end - this.pos) this.fail('length exceeds record');
    const s = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

export { sizeOfVarint, writeVarintTo as writeVarint, sizeOfVarlong, writeVarlongTo as writeVarlong } from '../primitives/varint';
