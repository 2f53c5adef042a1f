/**
 * Variable-length integers of the Kafka protocol.
 * - unsigned varint: 7 bits per byte, little-endian groups, at most 5 bytes (values 0 .. 2^32-1);
 *   used for compact lengths and tags of flexible versions.
 * - varint: zigzag-encoded int32 (protobuf sint32), at most 5 bytes; used inside records.
 * - varlong: zigzag-encoded int64 (protobuf sint64), at most 10 bytes, as bigint.
 * Decoders take (buf, offset, end) and throw ProtocolDecodeError on truncation or overlong input.
 */
import { ProtocolDecodeError } from '../errors';

/** Result of a decode: the value and the offset just past it. */
export interface Decoded<T> {
  value: T;
  offset: number;
}

export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export function zigzagEncode32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

export function zigzagDecode32(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigzagEncode32(value));
}

export function zigzagEncode64(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

export function zigzagDecode64(value: bigint): bigint {
  return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
}

/** Zigzag value of a varlong below 2^51 in magnitude, computed without BigInt (the common case). */
const SAFE_VARLONG = 0x8000000000000n;

export function sizeOfVarlong(value: bigint): number {
  if (value >= -SAFE_VARLONG && value < SAFE_VARLONG) {
    const n = Number(value);
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    let size = 1;
    while (z >= 128) {
      z = Math.floor(z / 128);
      size++;
    }
    return size;
  }
  let v = zigzagEncode64(value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Writes value (0 .. 2^32-1) at offset; returns the offset after it. The caller ensures room. */
export function writeUnsignedVarintTo(buf: Buffer, offset: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

export function writeVarintTo(buf: Buffer, offset: number, value: number): number {
  return writeUnsignedVarintTo(buf, offset, zigzagEncode32(value));
}

export function writeVarlongTo(buf: Buffer, offset: number, value: bigint): number {
  if (value >= -SAFE_VARLONG && value < SAFE_VARLONG) {
    const n = Number(value);
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 128) {
      buf[offset++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    buf[offset++] = z;
    return offset;
  }
  let v = zigzagEncode64(value);
  while (v >= 0x80n) {
    buf[offset++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[offset++] = Number(v);
  return offset;
}

/** Reads an unsigned varint of at most 5 bytes (value fits in uint32). */
export function readUnsignedVarintFrom(buf: Buffer, offset: number, end: number): Decoded<number> {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (offset >= end) throw new ProtocolDecodeError('truncated varint', offset);
    const b = buf[offset++] as number;
    if (i === 4 && b > 0x0f) throw new ProtocolDecodeError('varint exceeds 32 bits', offset - 1);
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, offset };
    shift += 7;
  }
  throw new ProtocolDecodeError('varint longer than 5 bytes', offset);
}

export function readVarintFrom(buf: Buffer, offset: number, end: number): Decoded<number> {
  const d = readUnsignedVarintFrom(buf, offset, end);
  d.value = zigzagDecode32(d.value);
  return d;
}

/** Reads a zigzag varlong of at most 10 bytes. */
export function readVarlongFrom(buf: Buffer, offset: number, end: number): Decoded<bigint> {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (offset >= end) throw new ProtocolDecodeError('truncated varlong', offset);
    const b = buf[offset++] as number;
    if (i === 9 && b > 0x01) throw new ProtocolDecodeError('varlong exceeds 64 bits', offset - 1);
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: zigzagDecode64(value), offset };
    shift += 7n;
  }
  throw new ProtocolDecodeError('varlong longer than 10 bytes', offset);
}
