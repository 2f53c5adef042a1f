/** Varint / varlong / unsigned varint: known vectors and property tests. */
import fc from 'fast-check';
import {
  readUnsignedVarintFrom,
  readVarintFrom,
  readVarlongFrom,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarintTo,
  writeVarintTo,
  writeVarlongTo,
} from '../../protocol/primitives/varint';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { ProtocolDecodeError } from '../../protocol/errors';

const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

describe('Protocol > primitives > varint', () => {
  const unsigned: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '80 01'],
    [300, 'ac 02'],
    [16383, 'ff 7f'],
    [16384, '80 80 01'],
    [2 ** 31, '80 80 80 80 08'],
    [2 ** 32 - 1, 'ff ff ff ff 0f'],
  ];
  it.each(unsigned)('unsigned varint %d <-> %s', (value, h) => {
    const buf = Buffer.alloc(5);
    expect(buf.subarray(0, writeUnsignedVarintTo(buf, 0, value))).toEqual(hex(h));
    expect(sizeOfUnsignedVarint(value)).toBe(hex(h).length);
    expect(readUnsignedVarintFrom(hex(h), 0, hex(h).length)).toEqual({ value, offset: hex(h).length });
    expect(new Reader(hex(h)).readUnsignedVarint()).toBe(value);
  });

  const signed: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [63, '7e'],
    [-64, '7f'],
    [64, '80 01'],
    [2147483647, 'fe ff ff ff 0f'],
    [-2147483648, 'ff ff ff ff 0f'],
  ];
  it.each(signed)('zigzag varint %d <-> %s', (value, h) => {
    const buf = Buffer.alloc(5);
    expect(buf.subarray(0, writeVarintTo(buf, 0, value))).toEqual(hex(h));
    expect(sizeOfVarint(value)).toBe(hex(h).length);
    expect(readVarintFrom(hex(h), 0, hex(h).length).value).toBe(value);
  });

  const longs: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 63n - 1n, 'fe ff ff ff ff ff ff ff ff 01'],
    [-(2n ** 63n), 'ff ff ff ff ff ff ff ff ff 01'],
  ];
  it.each(longs)('zigzag varlong %d <-> %s', (value, h) => {
    const buf = Buffer.alloc(10);
    expect(buf.subarray(0, writeVarlongTo(buf, 0, value))).toEqual(hex(h));
    expect(sizeOfVarlong(value)).toBe(hex(h).length);
    expect(readVarlongFrom(hex(h), 0, hex(h).length).value).toBe(value);
  });

  it('rejects truncated, overlong and out-of-range encodings', () => {
    expect(() => readUnsignedVarintFrom(hex('80'), 0, 1)).toThrow(ProtocolDecodeError);
    expect(() => readUnsignedVarintFrom(hex('ff ff ff ff 1f'), 0, 5)).toThrow(/32 bits/);
    expect(() => readUnsignedVarintFrom(hex('80 80 80 80 80 01'), 0, 6)).toThrow(ProtocolDecodeError);
    expect(() => new Reader(hex('ff ff ff ff ff 01')).readUnsignedVarint()).toThrow(ProtocolDecodeError);
    expect(() => readVarlongFrom(hex('ff ff ff ff ff ff ff ff ff 02'), 0, 10)).toThrow(/64 bits/);
    expect(() => readVarlongFrom(hex('ff ff'), 0, 2)).toThrow(ProtocolDecodeError);
    // the end bound is honoured even when the buffer continues
    expect(() => readUnsignedVarintFrom(hex('80 01'), 0, 1)).toThrow(ProtocolDecodeError);
  });

  it('round-trips every uint32 / int32 / int64 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (u, s, l) => {
        const w = new Writer(sizeOfUnsignedVarint(u) + sizeOfVarint(s) + sizeOfVarlong(l));
        w.writeUnsignedVarint(u);
        w.writeVarint(s);
        w.writeVarlong(l);
        const r = new Reader(w.finishConcat());
        expect(r.readUnsignedVarint()).toBe(u);
        expect(r.readVarint()).toBe(s);
        expect(r.readVarlong()).toBe(l);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
