/** Reader bounds checking and Writer encodings, including zero-copy external chunks. */
import fc from 'fast-check';
import { Reader } from '../../protocol/primitives/reader';
import { EXTERNAL_MIN_BYTES, Writer, chunksLength, sizeOfCompactString, sizeOfString } from '../../protocol/primitives/writer';
import { readTaggedFields, sizeOfTaggedFields, writeTaggedFields } from '../../protocol/primitives/tagged-fields';
import { deepEqual } from '../../protocol/primitives/support';
import { ErrorCode, ProtocolDecodeError } from '../../protocol/errors';

const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

function decodeError(f: () => unknown): ProtocolDecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolDecodeError);
    return e as ProtocolDecodeError;
  }
  throw new Error('expected a ProtocolDecodeError');
}

describe('Protocol > primitives > Reader', () => {
  it('reads fixed-size big-endian values and reports truncation with the position', () => {
    const r = new Reader(hex('ff 00 01 00 00 00 02 ff ff ff ff ff ff ff fe 01'));
    expect(r.readInt8()).toBe(-1);
    expect(r.readInt16()).toBe(1);
    expect(r.readInt32()).toBe(2);
    expect(r.readInt64()).toBe(-2n);
    expect(r.readBool()).toBe(true);
    const e = decodeError(() => r.readInt8());
    expect(e.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(e.offset).toBe(16);
  });

  it('never reads past its window end', () => {
    const buf = hex('00 00 00 05 01 02 03 04 05');
    expect(() => new Reader(buf, 0, 8).readBytes()).toThrow(ProtocolDecodeError);
    expect(new Reader(buf, 0, 9).readBytes()).toEqual(hex('01 02 03 04 05'));
    expect(() => new Reader(buf, 5, 4)).toThrow(ProtocolDecodeError);
    const sub = new Reader(buf).subReader(4);
    expect(sub.readInt32()).toBe(5);
    expect(() => sub.readInt8()).toThrow(ProtocolDecodeError);
  });

  it('returns bytes as subarrays of the input (no copy)', () => {
    const buf = hex('00 00 00 03 0a 0b 0c');
    const b = new Reader(buf).readBytes();
    buf[4] = 0x7f;
    expect(b[0]).toBe(0x7f);
  });

  it('distinguishes null from non-nullable strings, bytes and arrays', () => {
    expect(new Reader(hex('ff ff')).readNullableString()).toBeNull();
    decodeError(() => new Reader(hex('ff ff')).readString());
    decodeError(() => new Reader(hex('ff fe')).readNullableString());
    expect(new Reader(hex('00')).readCompactNullableString()).toBeNull();
    decodeError(() => new Reader(hex('00')).readCompactString());
    expect(new Reader(hex('ff ff ff ff')).readNullableBytes()).toBeNull();
    decodeError(() => new Reader(hex('ff ff ff ff')).readBytes());
    decodeError(() => new Reader(hex('ff ff ff fe')).readNullableBytes());
    expect(new Reader(hex('ff ff ff ff')).readArrayCount(4, true)).toBe(-1);
    decodeError(() => new Reader(hex('ff ff ff ff')).readArrayCount(4, false));
    decodeError(() => new Reader(hex('80 00 00 00')).readArrayCount(1, true));
    expect(new Reader(hex('00')).readCompactArrayCount(1, true)).toBe(-1);
    decodeError(() => new Reader(hex('00')).readCompactArrayCount(1, false));
  });

  it('refuses a count whose elements cannot fit in the remaining bytes (before allocating)', () => {
    // 2^31-1 elements claimed with 8 bytes left
    decodeError(() => new Reader(hex('7f ff ff ff 00 00 00 00 00 00 00 00')).readArrayCount(4, false));
    expect(new Reader(hex('00 00 00 02 00 00 00 00 00 00 00 00')).readArrayCount(4, false)).toBe(2);
    decodeError(() => new Reader(hex('00 00 00 03 00 00 00 00 00 00 00 00')).readArrayCount(4, false));
    // min element size 0 still needs one byte per element
    decodeError(() => new Reader(hex('00 00 00 02 00')).readArrayCount(0, false));
    // compact count: 4 billion claimed
    decodeError(() => new Reader(hex('ff ff ff ff 0f 00')).readCompactArrayCount(1, false));
    decodeError(() => new Reader(hex('ff ff ff ff 0f 00')).readCompactBytes());
    decodeError(() => new Reader(hex('7f ff 00')).readString());
    // compact strings are limited to 32767 bytes like classic ones
    const long = Buffer.concat([hex('81 80 02'), Buffer.alloc(0x8000, 0x61)]);
    decodeError(() => new Reader(long).readCompactString());
    expect(new Reader(Buffer.concat([hex('80 80 02'), Buffer.alloc(0x7fff, 0x61)])).readCompactString().length).toBe(0x7fff);
  });

  it('reads uuids in Kafka string form (base64url, 22 chars)', () => {
    const r = new Reader(Buffer.alloc(16));
    expect(r.readUuid()).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    const w = new Writer(16);
    w.writeUuid('AAAAAAAAAAAAAAAAAAAAAQ');
    expect(w.finishConcat()).toEqual(hex('00000000000000000000000000000001'));
    expect(() => new Writer(16).writeUuid('not-a-uuid')).toThrow();
  });

  it('random bytes never produce anything but values or ProtocolDecodeError (property)', () => {
    const ops: ((r: Reader) => unknown)[] = [
      (r) => r.readString(),
      (r) => r.readCompactNullableString(),
      (r) => r.readBytes(),
      (r) => r.readCompactBytes(),
      (r) => r.readArrayCount(2, true),
      (r) => r.readCompactArrayCount(3, false),
      (r) => r.readVarlong(),
      (r) => r.readUuid(),
      (r) => readTaggedFields(r),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.integer({ min: 0, max: ops.length - 1 }), { maxLength: 8 }), (bytes, seq) => {
        const r = new Reader(Buffer.from(bytes));
        try {
          for (const i of seq) (ops[i] as (r: Reader) => unknown)(r);
        } catch (e) {
          if (!(e instanceof ProtocolDecodeError)) throw e;
        }
        expect(r.pos).toBeLessThanOrEqual(r.end);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Protocol > primitives > Writer', () => {
  it('encodes strings in classic and compact form, refusing null where not nullable', () => {
    const w = new Writer(sizeOfString('hé') + sizeOfCompactString('hé') + 2 + 1);
    w.writeString('hé');
    w.writeCompactString('hé');
    w.writeNullableString(null);
    w.writeCompactNullableString(null);
    expect(w.finishConcat()).toEqual(hex('0003 68c3a9 04 68c3a9 ffff 00'));
    expect(() => new Writer(10).writeString(null)).toThrow();
    expect(() => new Writer(4).writeArrayCount(null, false)).toThrow();
  });

  it('passes large bytes through as separate chunks without copying', () => {
    const big = Buffer.alloc(EXTERNAL_MIN_BYTES, 1);
    const small = Buffer.alloc(10, 2);
    const inline = 4 + 4 + 4 + small.length + 4;
    const w = new Writer(inline, true);
    w.writeInt32(7);
    w.writeBytes(big);
    w.writeBytes(small);
    w.writeInt32(-1);
    const chunks = w.finish();
    expect(chunks.length).toBe(3);
    expect(chunks[1]).toBe(big);
    expect(chunksLength(chunks)).toBe(inline + big.length);
    const r = new Reader(Buffer.concat(chunks));
    expect(r.readInt32()).toBe(7);
    expect(r.readBytes()).toEqual(big);
    expect(r.readBytes()).toEqual(small);
    expect(r.readInt32()).toBe(-1);
  });

  it('copies everything when external chunks are off, and detects size-pass mismatches', () => {
    const big = Buffer.alloc(EXTERNAL_MIN_BYTES, 1);
    const w = new Writer(4 + big.length);
    w.writeBytes(big);
    expect(w.finish().length).toBe(1);
    const short = new Writer(8);
    short.writeInt32(1);
    expect(() => short.finish()).toThrow(/mismatch/);
  });

  it('round-trips tagged-field sections', () => {
    const fields = [
      { tag: 0, data: hex('01') },
      { tag: 300, data: Buffer.alloc(200, 3) },
    ];
    const w = new Writer(sizeOfTaggedFields(fields));
    writeTaggedFields(w, fields);
    expect(readTaggedFields(new Reader(w.finishConcat()))).toEqual(fields);
  });

  it('deepEqual compares bigints, Buffers, arrays and objects by value', () => {
    expect(deepEqual({ a: 1n, b: [Buffer.from('x')] }, { a: 1n, b: [Buffer.from('x')] })).toBe(true);
    expect(deepEqual({ a: 1n }, { a: 2n })).toBe(false);
    expect(deepEqual({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(deepEqual({ a: 1, u: undefined }, { a: 1 })).toBe(true);
  });
});
