import fc from 'fast-check';
import { ErrorCode, ProtocolDecodeError } from '../../../protocol/errors';
import { compress, decompress } from '../../../protocol/records/compression';
import { CompressionType, RecordBatchView, TimestampType } from '../../../protocol/records/record-batch';
import { buildRecordBatch, decodeRecords, encodeRecords, readRecords, type RecordInput } from '../../../protocol/records/record';
import { kafkajsBatch } from './kafkajs-batches';

/* eslint-disable @typescript-eslint/no-require-imports */
const { CompressionCodecs, CompressionTypes } = require('kafkajs');
const KafkajsDecoder = require('kafkajs/src/protocol/decoder');
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');

// kafkajs codecs made from our adapters (kafkajs only ships gzip).
for (const [kType, ours] of [
  [CompressionTypes.Snappy, CompressionType.Snappy],
  [CompressionTypes.LZ4, CompressionType.Lz4],
  [CompressionTypes.ZSTD, CompressionType.Zstd],
] as const) {
  CompressionCodecs[kType] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(ours, encoder.buffer),
    decompress: async (buf: Buffer) => decompress(ours, buf),
  });
}

const T0 = 1_700_000_000_000;
const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

const sample: RecordInput[] = [
  { key: 'k1', value: 'v1', timestamp: T0, headers: [{ key: 'h1', value: 'a' }, { key: 'h1', value: null }] },
  { key: null, value: Buffer.alloc(3000, 'x'), timestamp: T0 + 1000 },
  { key: Buffer.from([0, 1, 2]), value: null, timestamp: T0 - 5, headers: { 'ünïcode': 'ä' } },
];

describe('Protocol > Records > record codec', () => {
  test.each(CODECS)('buildRecordBatch -> readRecords round trip (codec %i)', (compression) => {
    const buf = buildRecordBatch({
      baseOffset: 1000n,
      partitionLeaderEpoch: 4,
      producerId: 99n,
      producerEpoch: 2,
      baseSequence: 10,
      compression,
      records: sample,
    });
    const v = new RecordBatchView(buf);
    expect(v.isValidCrc()).toBe(true);
    expect(v.compression).toBe(compression);
    expect(v.recordCount).toBe(3);
    expect(v.lastOffsetDelta).toBe(2);
    expect(v.baseTimestamp).toBe(BigInt(T0));
    expect(v.maxTimestamp).toBe(BigInt(T0 + 1000));
    expect(v.producerId).toBe(99n);
    expect(v.partitionLeaderEpoch).toBe(4);
    const recs = readRecords(buf);
    expect(recs.map((r) => r.offset)).toEqual([1000n, 1001n, 1002n]);
    expect(recs.map((r) => r.timestamp)).toEqual([BigInt(T0), BigInt(T0 + 1000), BigInt(T0 - 5)]);
    expect(recs[0]!.key!.toString()).toBe('k1');
    expect(recs[0]!.headers).toEqual([
      { key: 'h1', value: Buffer.from('a') },
      { key: 'h1', value: null },
    ]);
    expect(recs[1]!.key).toBeNull();
    expect(recs[1]!.value!.equals(Buffer.alloc(3000, 'x'))).toBe(true);
    expect(recs[2]!.value).toBeNull();
    expect(recs[2]!.headers).toEqual([{ key: 'ünïcode', value: Buffer.from('ä') }]);
  });

  test.each(CODECS)('kafkajs-built batch decodes with ours (codec %i)', async (compression) => {
    const buf = await kafkajsBatch({
      compression,
      firstOffset: 5n,
      records: [
        { key: Buffer.from('a'), value: Buffer.from('first'), headers: { x: 'y', multi: ['1', '2'] }, timestamp: T0 },
        { key: null, value: Buffer.alloc(10_000, 'payload '), timestamp: T0 + 7 },
      ],
    });
    const v = new RecordBatchView(buf);
    expect(v.isValidCrc()).toBe(true);
    expect(v.compression).toBe(compression);
    const recs = readRecords(v);
    expect(recs).toHaveLength(2);
    expect(recs[0]!.offset).toBe(5n);
    expect(recs[1]!.offset).toBe(6n);
    expect(recs[0]!.headers.map((h) => [h.key, h.value?.toString()])).toEqual([
      ['x', 'y'],
      ['multi', '1'],
      ['multi', '2'],
    ]);
    expect(recs[1]!.timestamp).toBe(BigInt(T0 + 7));
    expect(recs[1]!.value!.equals(Buffer.alloc(10_000, 'payload '))).toBe(true);
  });

  test.each(CODECS)('our batch decodes with kafkajs (codec %i)', async (compression) => {
    const buf = buildRecordBatch({ baseOffset: 42n, compression, records: sample });
    const decoded = await decodeKafkajsBatch(new KafkajsDecoder(buf));
    expect(decoded.firstOffset).toBe('42');
    expect(decoded.records.map((r: { offset: string }) => r.offset)).toEqual(['42', '43', '44']);
    expect(decoded.records[0].key.toString()).toBe('k1');
    expect(decoded.records[0].headers.h1).toEqual([Buffer.from('a'), null]);
    expect(decoded.records[1].value.equals(Buffer.alloc(3000, 'x'))).toBe(true);
    expect(decoded.records[2].timestamp).toBe(String(T0 - 5));
  });

  test('LogAppendTime batches report maxTimestamp as every record timestamp', () => {
    const buf = buildRecordBatch({ records: sample });
    new RecordBatchView(buf).setMaxTimestampAndType(12345n, TimestampType.LogAppendTime);
    expect(readRecords(buf).map((r) => r.timestamp)).toEqual([12345n, 12345n, 12345n]);
  });

  test('records round trip with arbitrary keys, values, headers, extreme timestamps and offset gaps', () => {
    const header = fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(fc.uint8Array({ maxLength: 8 }).map(Buffer.from)) });
    const rec = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 20 }).map(Buffer.from)),
      value: fc.option(fc.uint8Array({ maxLength: 50 }).map(Buffer.from)),
      headers: fc.array(header, { maxLength: 3 }),
      timestamp: fc.bigInt(-(1n << 62n), 1n << 62n),
      gap: fc.integer({ min: 1, max: 1 << 20 }),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 8 }), fc.bigInt(0n, 1n << 62n), (recs, baseOffset) => {
        let delta = -1;
        const input = recs.map((r) => ({ ...r, offsetDelta: (delta += r.gap) }));
        const buf = buildRecordBatch({ baseOffset, records: input, lastOffsetDelta: recs.length === 0 ? 0 : undefined });
        const out = readRecords(buf);
        expect(out).toHaveLength(recs.length);
        out.forEach((o, i) => {
          expect(o.offset).toBe(baseOffset + BigInt(input[i]!.offsetDelta));
          expect(o.timestamp).toBe(input[i]!.timestamp);
          expect(o.key).toEqual(input[i]!.key);
          expect(o.value).toEqual(input[i]!.value);
          expect(o.headers).toEqual(input[i]!.headers);
        });
      }),
      { numRuns: 300 },
    );
  });

  test('varlong timestamp deltas at the int64 edges', () => {
    const deltas = [0n, -1n, 1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 49n, -(1n << 49n), (1n << 56n) + 3n];
    for (const d of deltas) {
      const data = encodeRecords([{ offsetDelta: 0, timestampDelta: d, key: null, value: null, headers: [] }]);
      const [r] = decodeRecords(data, 1, 0n, 0n);
      expect(r!.timestampDelta).toBe(d);
    }
  });

  test('malformed records are CORRUPT_MESSAGE', () => {
    const good = encodeRecords([{ offsetDelta: 0, timestampDelta: 0n, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }]);
    const expectCorrupt = (f: () => unknown): void => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolDecodeError);
        expect((e as ProtocolDecodeError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
        return;
      }
      throw new Error('expected a CORRUPT_MESSAGE error');
    };
    expectCorrupt(() => decodeRecords(good, 2, 0n, 0n)); // count larger than data
    expectCorrupt(() => decodeRecords(Buffer.concat([good, Buffer.from([0])]), 1, 0n, 0n)); // trailing bytes
    expectCorrupt(() => decodeRecords(good, -1, 0n, 0n));
    expectCorrupt(() => decodeRecords(good.subarray(0, good.length - 1), 1, 0n, 0n));
    expectCorrupt(() => decodeRecords(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0]), 1, 0n, 0n)); // varint too long
    expectCorrupt(() => decodeRecords(Buffer.alloc(14, 0), 0x7fffffff, 0n, 0n)); // absurd count
    const wrongLen = Buffer.from(good);
    wrongLen[0] = wrongLen[0]! - 2; // body shorter than its fields
    expectCorrupt(() => decodeRecords(wrongLen, 1, 0n, 0n));
    expectCorrupt(() => readRecords(Buffer.alloc(20)));
    const notV2 = buildRecordBatch({ records: sample });
    notV2[16] = 1;
    expectCorrupt(() => readRecords(notV2));
  });

  test('empty batch keeps offsets (compaction leftover)', () => {
    const buf = buildRecordBatch({ baseOffset: 10n, lastOffsetDelta: 4, records: [] });
    const v = new RecordBatchView(buf);
    expect(v.recordCount).toBe(0);
    expect(v.lastOffset).toBe(14n);
    expect(v.isValidCrc()).toBe(true);
    expect(readRecords(buf)).toEqual([]);
  });

  test('rejects non-increasing offset deltas when building', () => {
    expect(() => buildRecordBatch({ records: [{ offsetDelta: 1 }, { offsetDelta: 1 }] })).toThrow(RangeError);
  });

  test('builder options: delete horizon, control, timestamp type, explicit timestamps', () => {
    const buf = buildRecordBatch({
      baseTimestamp: 5000n,
      hasDeleteHorizon: true,
      isControl: true,
      timestampType: TimestampType.LogAppendTime,
      maxTimestamp: 9000n,
      records: [{ key: 'a', value: null, timestamp: 6000 }],
    });
    const v = new RecordBatchView(buf);
    expect(v.hasDeleteHorizon).toBe(true);
    expect(v.isControl).toBe(true);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.baseTimestamp).toBe(5000n);
    expect(v.maxTimestamp).toBe(9000n);
    expect(v.isValidCrc()).toBe(true);
    expect(readRecords(buf)[0]!.timestampDelta).toBe(1000n);
  });

  test('the barrel exports the public surface', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const api = require('../../../protocol/records');
    for (const name of ['crc32c', 'RecordBatchView', 'walkBatches', 'readRecords', 'buildRecordBatch', 'compress', 'decompress', 'readMessageSet', 'recordBatchesToMessageSet', 'buildEndTxnMarkerBatch']) {
      expect(typeof api[name]).toBe('function');
    }
  });
});
