import {
  CompressionType,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  TimestampType,
  makeAttributes,
  compressionOf,
  timestampTypeOf,
  isControlAttr,
  isTransactionalAttr,
  hasDeleteHorizonAttr,
} from '../../../protocol/records/record-batch';
import { crc32c } from '../../../protocol/records/crc32c';
import { kafkajsBatch } from './kafkajs-batches';

const T0 = 1_700_000_000_000;

async function sampleBatch(): Promise<Buffer> {
  return kafkajsBatch({
    firstOffset: 0n,
    partitionLeaderEpoch: 0,
    producerId: 4242n,
    producerEpoch: 3,
    firstSequence: 17,
    transactional: true,
    records: [
      { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: T0 },
      { key: null, value: Buffer.from('v2'), headers: { h: 'x' }, timestamp: T0 + 5 },
      { key: Buffer.from('k3'), value: null, timestamp: T0 + 2 },
    ],
  });
}

describe('Protocol > Records > RecordBatchView', () => {
  test('getters read a kafkajs-built batch', async () => {
    const buf = await sampleBatch();
    const v = new RecordBatchView(buf);
    expect(v.baseOffset).toBe(0n);
    expect(v.batchLength).toBe(buf.length - 12);
    expect(v.sizeInBytes).toBe(buf.length);
    expect(v.partitionLeaderEpoch).toBe(0);
    expect(v.magic).toBe(2);
    expect(v.attributes).toBe(0x10);
    expect(v.compression).toBe(CompressionType.None);
    expect(v.timestampType).toBe(TimestampType.CreateTime);
    expect(v.isTransactional).toBe(true);
    expect(v.isControl).toBe(false);
    expect(v.hasDeleteHorizon).toBe(false);
    expect(v.lastOffsetDelta).toBe(2);
    expect(v.baseTimestamp).toBe(BigInt(T0));
    expect(v.maxTimestamp).toBe(BigInt(T0 + 5));
    expect(v.producerId).toBe(4242n);
    expect(v.producerEpoch).toBe(3);
    expect(v.baseSequence).toBe(17);
    expect(v.lastSequence).toBe(19);
    expect(v.recordCount).toBe(3);
    expect(v.lastOffset).toBe(2n);
    expect(v.nextOffset).toBe(3n);
    expect(v.recordsData.length).toBe(buf.length - RECORD_BATCH_OVERHEAD);
    expect(v.isValidCrc()).toBe(true);
    expect(v.crc).toBe(crc32c(buf.subarray(21)));
  });

  test('setBaseOffset / setLastOffset / setPartitionLeaderEpoch patch in place and keep the CRC valid', async () => {
    const buf = await sampleBatch();
    const crcBefore = buf.readUInt32BE(17);
    const v = new RecordBatchView(buf);
    v.setBaseOffset(1n << 40n);
    v.setPartitionLeaderEpoch(77);
    expect(buf.readBigInt64BE(0)).toBe(1n << 40n);
    expect(v.baseOffset).toBe(1n << 40n);
    expect(v.lastOffset).toBe((1n << 40n) + 2n);
    expect(v.partitionLeaderEpoch).toBe(77);
    expect(v.crc).toBe(crcBefore);
    expect(v.isValidCrc()).toBe(true);
    v.setLastOffset(100n);
    expect(v.baseOffset).toBe(98n);
  });

  test('setMaxTimestampAndType switches to LogAppendTime and recomputes the CRC', async () => {
    const buf = await sampleBatch();
    const v = new RecordBatchView(buf);
    v.setMaxTimestampAndType(123456789n, TimestampType.LogAppendTime);
    expect(v.maxTimestamp).toBe(123456789n);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.isTransactional).toBe(true); // other attribute bits preserved
    expect(v.isValidCrc()).toBe(true);
    expect(v.crc).toBe(crc32c(buf.subarray(21)));
    v.setMaxTimestampAndType(5n, TimestampType.CreateTime);
    expect(v.timestampType).toBe(TimestampType.CreateTime);
    expect(v.attributes).toBe(0x10);
    expect(v.isValidCrc()).toBe(true);
  });

  test('isValidCrc detects a flipped bit in the covered region, and ignores the uncovered header', async () => {
    const buf = await sampleBatch();
    const v = new RecordBatchView(buf);
    for (const pos of [21, 30, 60, buf.length - 1]) {
      buf[pos]! ^= 0x01;
      expect(v.isValidCrc()).toBe(false);
      buf[pos]! ^= 0x01;
      expect(v.isValidCrc()).toBe(true);
    }
    buf[13]! ^= 0xff; // partitionLeaderEpoch: outside the CRC
    expect(v.isValidCrc()).toBe(true);
  });

  test('isValidCrc is false when the buffer is shorter than the declared length', async () => {
    const buf = await sampleBatch();
    const v = new RecordBatchView(buf.subarray(0, buf.length - 1));
    expect(v.isValidCrc()).toBe(false);
  });

  test('constructor rejects buffers shorter than the header', () => {
    expect(() => new RecordBatchView(Buffer.alloc(60))).toThrow(RangeError);
  });

  test('attribute helpers', () => {
    for (const compression of [0, 1, 2, 3, 4] as CompressionType[]) {
      for (const timestampType of [TimestampType.CreateTime, TimestampType.LogAppendTime]) {
        for (const flags of [0, 1, 2, 3, 4, 5, 6, 7]) {
          const a = makeAttributes({
            compression,
            timestampType,
            isTransactional: (flags & 1) !== 0,
            isControl: (flags & 2) !== 0,
            hasDeleteHorizon: (flags & 4) !== 0,
          });
          expect(compressionOf(a)).toBe(compression);
          expect(timestampTypeOf(a)).toBe(timestampType);
          expect(isTransactionalAttr(a)).toBe((flags & 1) !== 0);
          expect(isControlAttr(a)).toBe((flags & 2) !== 0);
          expect(hasDeleteHorizonAttr(a)).toBe((flags & 4) !== 0);
        }
      }
    }
    expect(makeAttributes({ compression: CompressionType.Zstd, timestampType: TimestampType.LogAppendTime, isControl: true })).toBe(0x2c);
  });

  test('lastSequence wraps at int32 max', async () => {
    const buf = await sampleBatch();
    const v = new RecordBatchView(buf);
    buf.writeInt32BE(0x7fffffff - 1, 53); // baseSequence; lastOffsetDelta = 2
    expect(v.lastSequence).toBe(0);
    buf.writeInt32BE(-1, 53);
    expect(v.lastSequence).toBe(-1);
  });
});
