import { ErrorCode, KafkaError, ProtocolDecodeError } from '../../../protocol/errors';
import { compress, decompress } from '../../../protocol/records/compression';
import { buildEndTxnMarkerBatch, ControlRecordType } from '../../../protocol/records/control-record';
import { magicForFetchVersion, messageSetToRecordBatch, recordBatchesToMessageSet } from '../../../protocol/records/legacy-conversion';
import { buildMessageSet, readMessageSet, type LegacyMessageInput } from '../../../protocol/records/legacy-message-set';
import { CompressionType, RecordBatchView, TimestampType } from '../../../protocol/records/record-batch';
import { buildRecordBatch, readRecords } from '../../../protocol/records/record';

/* eslint-disable @typescript-eslint/no-require-imports */
const { CompressionCodecs, CompressionTypes } = require('kafkajs');
const KafkajsDecoder = require('kafkajs/src/protocol/decoder');
const KafkajsMessageSet = require('kafkajs/src/protocol/messageSet');
const decodeKafkajsMessageSet = require('kafkajs/src/protocol/messageSet/decoder');
const { lookupCodec } = require('kafkajs/src/protocol/message/compression');
const lz4Utils = require('lz4').utils;

for (const [kType, ours] of [
  [CompressionTypes.Snappy, CompressionType.Snappy],
  [CompressionTypes.LZ4, CompressionType.Lz4],
] as const) {
  CompressionCodecs[kType] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(ours, encoder.buffer),
    decompress: async (buf: Buffer) => decompress(ours, buf),
  });
}

const T0 = 1_600_000_000_000n;
const LEGACY_CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];
const msgs: LegacyMessageInput[] = [
  { offset: 100n, timestamp: T0, key: Buffer.from('k0'), value: Buffer.from('v0') },
  { offset: 101n, timestamp: T0 + 3n, key: null, value: Buffer.alloc(500, 'y') },
  { offset: 102n, timestamp: T0 + 1n, key: Buffer.from('k2'), value: null },
];

/** kafkajs's own legacy encoders (Produce v0-v2 path): plain, or a wrapper with inner offsets 0..n-1. */
async function kafkajsMessageSet(version: 0 | 1, compression: number): Promise<Buffer> {
  const entries = msgs.map((m) => ({ key: m.key, value: m.value, timestamp: Number(m.timestamp) }));
  if (compression === 0) return Buffer.from(KafkajsMessageSet({ messageVersion: version, compression: 0, entries }).buffer);
  const inner = KafkajsMessageSet({ messageVersion: version, compression, entries });
  const value = await lookupCodec(compression).compress(inner);
  return Buffer.from(KafkajsMessageSet({ messageVersion: version, entries: [{ compression, timestamp: Number(T0), value }] }).buffer);
}

function expectCode(f: () => unknown, code: ErrorCode): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaError);
    expect((e as KafkaError).code).toBe(code);
    return;
  }
  throw new Error(`expected error code ${code}`);
}

describe('Protocol > Records > legacy message sets', () => {
  test.each([0, 1] as const)('magic %i: byte layout of a plain message', (magic) => {
    const buf = buildMessageSet([msgs[0]!], { magic });
    expect(buf.readBigInt64BE(0)).toBe(100n);
    expect(buf.readInt32BE(8)).toBe(buf.length - 12);
    expect(buf[16]).toBe(magic);
    expect(buf[17]).toBe(0);
    if (magic === 1) expect(buf.readBigInt64BE(18)).toBe(T0);
    expect(buf.length).toBe(12 + (magic === 1 ? 22 : 14) + 4);
  });

  for (const magic of [0, 1] as const) {
    test.each(LEGACY_CODECS)(`magic ${magic}: round trip with codec %i`, (compression) => {
      const buf = buildMessageSet(msgs, { magic, compression });
      const r = readMessageSet(buf);
      expect(r.partial).toBe(false);
      expect(r.validBytes).toBe(buf.length);
      expect(r.messages.map((m) => m.offset)).toEqual([100n, 101n, 102n]);
      expect(r.messages.map((m) => m.timestamp)).toEqual(magic === 1 ? [T0, T0 + 3n, T0 + 1n] : [-1n, -1n, -1n]);
      expect(r.messages[0]!.key).toEqual(Buffer.from('k0'));
      expect(r.messages[1]!.key).toBeNull();
      expect(r.messages[2]!.value).toBeNull();
      if (compression !== CompressionType.None) {
        expect(buf.readBigInt64BE(0)).toBe(102n); // wrapper offset = last inner absolute offset
        expect(buf[17]! & 7).toBe(compression);
        if (magic === 1) expect(buf.readBigInt64BE(18)).toBe(T0 + 3n); // wrapper timestamp = max
      }
    });

    test.each(LEGACY_CODECS)(`magic ${magic}: kafkajs's encoder output reads with ours (codec %i)`, async (compression) => {
      const buf = await kafkajsMessageSet(magic, compression);
      const r = readMessageSet(buf);
      expect(r.messages.map((m) => m.value?.length ?? null)).toEqual([2, 500, null]);
      if (magic === 1) expect(r.messages.map((m) => m.timestamp)).toEqual([T0, T0 + 3n, T0 + 1n]);
      const batch = messageSetToRecordBatch(buf);
      const v = new RecordBatchView(batch);
      expect(v.isValidCrc()).toBe(true);
      expect(v.compression).toBe(compression);
      const recs = readRecords(batch);
      expect(recs.map((x) => x.offset)).toEqual([0n, 1n, 2n]);
      expect(recs.map((x) => x.key?.toString() ?? null)).toEqual(['k0', null, 'k2']);
      expect(recs.map((x) => x.timestamp)).toEqual(magic === 1 ? [T0, T0 + 3n, T0 + 1n] : [-1n, -1n, -1n]);
    });

    test.each(LEGACY_CODECS)(`magic ${magic}: our output reads with kafkajs's decoder (codec %i)`, async (compression) => {
      const buf = buildMessageSet(msgs, { magic, compression });
      const decoded = await decodeKafkajsMessageSet(new KafkajsDecoder(buf), buf.length);
      expect(decoded.map((m: { offset: string }) => m.offset)).toEqual(['100', '101', '102']);
      expect(decoded[1].value.equals(Buffer.alloc(500, 'y'))).toBe(true);
    });
  }

  test('v1 LogAppendTime wrapper: inner messages take the wrapper timestamp', () => {
    const buf = buildMessageSet(msgs, { magic: 1, compression: CompressionType.Gzip, timestampType: TimestampType.LogAppendTime, logAppendTime: 77n });
    expect(buf[17]! & 0x08).toBe(0x08);
    const r = readMessageSet(buf);
    expect(r.messages.map((m) => m.timestamp)).toEqual([77n, 77n, 77n]);
    expect(r.messages.every((m) => m.timestampType === TimestampType.LogAppendTime)).toBe(true);
  });

  test('partial trailing entry stops the read; CRC and structure errors are CORRUPT_MESSAGE', () => {
    const one = buildMessageSet([msgs[0]!], { magic: 1 });
    const two = Buffer.concat([one, buildMessageSet([msgs[1]!], { magic: 1 })]);
    for (let cut = one.length + 1; cut < two.length; cut++) {
      const r = readMessageSet(two.subarray(0, cut));
      expect(r).toMatchObject({ partial: true, validBytes: one.length });
      expect(r.messages).toHaveLength(1);
    }
    const badCrc = Buffer.from(one);
    badCrc[badCrc.length - 1]! ^= 1;
    expectCode(() => readMessageSet(badCrc), ErrorCode.CORRUPT_MESSAGE);
    expect(readMessageSet(badCrc, { verifyCrc: false }).messages).toHaveLength(1);
    const badMagic = Buffer.from(one);
    badMagic[16] = 2;
    expectCode(() => readMessageSet(badMagic, { verifyCrc: false }), ErrorCode.CORRUPT_MESSAGE);
    const tiny = Buffer.from(one);
    tiny.writeInt32BE(3, 8);
    expectCode(() => readMessageSet(tiny), ErrorCode.CORRUPT_MESSAGE);
    // a wrapper whose inner message is itself compressed
    const inner = buildMessageSet(msgs, { magic: 0, compression: CompressionType.Gzip });
    const nested = buildMessageSet([{ offset: 0n, key: null, value: compress(CompressionType.Gzip, inner) }], { magic: 0 });
    nested[17] = 1;
    expectCode(() => readMessageSet(nested, { verifyCrc: false }), ErrorCode.CORRUPT_MESSAGE);
    expectCode(() => buildMessageSet(msgs, { magic: 1, compression: CompressionType.Zstd }), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expectCode(() => messageSetToRecordBatch(Buffer.alloc(0)), ErrorCode.CORRUPT_MESSAGE);
    expectCode(() => messageSetToRecordBatch(two.subarray(0, two.length - 1)), ErrorCode.CORRUPT_MESSAGE);
  });

  test('magic-0 lz4 uses the old Kafka header checksum and still reads back', () => {
    const buf = buildMessageSet(msgs, { magic: 0, compression: CompressionType.Lz4 });
    const frame = buf.subarray(26); // offset, size, crc, magic, attributes, key length (-1), value length
    expect(buf.readInt32BE(22)).toBe(frame.length);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    // header checksum = second byte of xxh32 over magic + FLG + BD (Kafka's magic-0 bug), not FLG + BD
    expect(frame[6]).toBe(lz4Utils.descriptorChecksum(frame.subarray(0, 6)));
    expect(frame[6]).not.toBe(lz4Utils.descriptorChecksum(frame.subarray(4, 6)));
    expect(readMessageSet(buf).messages).toHaveLength(3);
  });
});

describe('Protocol > Records > down-conversion for old fetches', () => {
  const batchA = buildRecordBatch({
    baseOffset: 10n,
    compression: CompressionType.None,
    records: [
      { key: 'a', value: 'A', timestamp: 1000, headers: { dropped: 'x' } },
      { key: 'b', value: 'B', timestamp: 1001 },
    ],
  });
  const marker = buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 0, producerId: 1n, producerEpoch: 0, baseOffset: 12n });

  test.each([CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4])('v2 -> v0/v1 with codec %i', (compression) => {
    const batchB = buildRecordBatch({ baseOffset: 13n, compression, records: [{ key: null, value: 'C', timestamp: 2000 }, { value: 'D', timestamp: 1999 }] });
    const fetched = Buffer.concat([batchA, marker, batchB, batchB.subarray(0, 30)]);
    for (const toMagic of [0, 1] as const) {
      const set = recordBatchesToMessageSet(fetched, toMagic);
      const r = readMessageSet(set);
      expect(r.partial).toBe(false);
      expect(r.messages.map((m) => m.offset)).toEqual([10n, 11n, 13n, 14n]);
      expect(r.messages.map((m) => m.value!.toString())).toEqual(['A', 'B', 'C', 'D']);
      expect(r.messages.every((m) => m.magic === toMagic)).toBe(true);
      expect(r.messages.map((m) => m.timestamp)).toEqual(toMagic === 1 ? [1000n, 1001n, 2000n, 1999n] : [-1n, -1n, -1n, -1n]);
      if (compression !== CompressionType.None) {
        const wrapperPos = recordBatchesToMessageSet(batchA, toMagic).length; // the marker batch is dropped
        expect(set[wrapperPos + 17]! & 7).toBe(compression);
      }
    }
  });

  test('LogAppendTime batches keep their append time in v1', () => {
    const b = buildRecordBatch({ baseOffset: 0n, compression: CompressionType.Gzip, records: [{ value: 'x', timestamp: 5 }] });
    new RecordBatchView(b).setMaxTimestampAndType(999n, TimestampType.LogAppendTime);
    const r = readMessageSet(recordBatchesToMessageSet(b, 1));
    expect(r.messages[0]).toMatchObject({ timestamp: 999n, timestampType: TimestampType.LogAppendTime });
  });

  test('zstd batches cannot be down-converted', () => {
    const z = buildRecordBatch({ compression: CompressionType.Zstd, records: [{ value: 'x' }] });
    expectCode(() => recordBatchesToMessageSet(z, 1), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  test('legacy entries pass through or are re-encoded to a lower magic', () => {
    const v1 = buildMessageSet(msgs, { magic: 1, compression: CompressionType.Snappy });
    expect(recordBatchesToMessageSet(v1, 1).equals(v1)).toBe(true);
    const v0 = recordBatchesToMessageSet(v1, 0);
    const r = readMessageSet(v0);
    expect(r.messages.map((m) => [m.magic, m.offset])).toEqual([
      [0, 100n],
      [0, 101n],
      [0, 102n],
    ]);
  });

  test('garbage is CORRUPT_MESSAGE', () => {
    const bad = Buffer.from(batchA);
    bad.writeInt32BE(5, 8);
    expect(() => recordBatchesToMessageSet(bad, 1)).toThrow(ProtocolDecodeError);
  });

  test('fetch version -> record format', () => {
    expect([0, 1, 2, 3, 4, 11, 17].map(magicForFetchVersion)).toEqual([0, 0, 1, 1, 2, 2, 2]);
  });
});
