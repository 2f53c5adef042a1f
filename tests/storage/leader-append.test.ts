/**
 * Storage > leader append: record-level checks (timestamp window, keys on compacted topics,
 * record count), recompression to compression.type, header checks (base offset, sequence), and
 * the zero-copy fast path kept when none of that is asked for.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { buildRecordBatch, readRecords, RecordInput } from '../../protocol/records/record';
import { CompressionType, RecordBatchView, TimestampType } from '../../protocol/records/record-batch';
import { prepareLeaderAppend, LeaderAppendContext } from '../../storage/leader-append';
import { LogConfig } from '../../storage/log-config';
import { checkBatchRecords } from '../../storage/record-checks';
import { recordPolicyOf } from '../../storage/record-policy';
import { RecordValidationError } from '../../storage/record-validation-error';
import { ManualClock, batch, config, openLog, readAll, rmDir, tmpDir } from './helpers';

const NOW = 1_700_000_000_000;

function ctx(over: Partial<LeaderAppendContext> = {}): LeaderAppendContext {
  return { topicPartition: { topic: 't', partition: 0 }, nowMs: NOW, nextOffset: 0n, leaderEpoch: 3, origin: 'client', ...over };
}

function records(timestamps: number[], key: (i: number) => string | null = (i) => `k${i}`): RecordInput[] {
  return timestamps.map((t, i) => ({ key: key(i), value: `v${i}`, timestamp: t, headers: [{ key: 'h', value: `x${i}` }] }));
}

/** The error prepareLeaderAppend throws (it must throw). */
function refusal(buf: Buffer, cfg: LogConfig, c: LeaderAppendContext = ctx()): KafkaError {
  try {
    prepareLeaderAppend(buf, cfg, c);
  } catch (e) {
    if (e instanceof KafkaError) return e;
    throw e;
  }
  throw new Error('expected the append to be refused');
}

describe('Storage > leader append > CreateTime timestamp window', () => {
  const windowed = config({ messageTimestampBeforeMaxMs: 1000, messageTimestampAfterMaxMs: 500 });

  test.each([CompressionType.None, CompressionType.Gzip])('every record is checked and each bad one is named (codec %i)', (compression) => {
    // header max timestamp (NOW) is inside the window: only the records tell
    const buf = buildRecordBatch({ compression, records: records([NOW, NOW - 1001, NOW + 100, NOW + 501, NOW - 1000]) });
    const e = refusal(buf, windowed);
    expect(e).toBeInstanceOf(RecordValidationError);
    expect(e.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(e.message).toBe('One or more records have been rejected due to invalid timestamp');
    expect((e as RecordValidationError).recordErrors).toEqual([
      { batchIndex: 1, batchIndexErrorMessage: `Timestamp ${NOW - 1001} of message with offset 1 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 500}]` },
      { batchIndex: 3, batchIndexErrorMessage: `Timestamp ${NOW + 501} of message with offset 3 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 500}]` },
    ]);
  });

  test('records at the window edges and without a timestamp (-1) are accepted', () => {
    const buf = buildRecordBatch({ records: records([NOW - 1000, NOW + 500, -1]), maxTimestamp: BigInt(NOW + 500) });
    const p = prepareLeaderAppend(buf, windowed, ctx());
    expect(p.summary.lastOffset).toBe(2n);
  });

  test('only one side bounded: the other prints as Kafka prints Long.MAX_VALUE arithmetic', () => {
    const afterOnly = config({ messageTimestampAfterMaxMs: 3_600_000 });
    const e = refusal(buildRecordBatch({ records: records([NOW + 3_600_001]) }), afterOnly) as RecordValidationError;
    const lowest = BigInt.asIntN(64, BigInt(NOW) - 0x7fffffffffffffffn);
    expect(e.recordErrors[0]!.batchIndexErrorMessage).toBe(
      `Timestamp ${NOW + 3_600_001} of message with offset 0 is out of range. The timestamp should be within [${lowest}, ${NOW + 3_600_000}]`,
    );
    // far in the past is fine when only the future is bounded
    expect(() => prepareLeaderAppend(buildRecordBatch({ records: records([1]) }), afterOnly, ctx())).not.toThrow();
  });

  test('the header max timestamp is corrected to the largest record timestamp, CRC kept valid', () => {
    const buf = buildRecordBatch({ records: records([NOW - 10, NOW - 5]), maxTimestamp: BigInt(NOW + 400) });
    const p = prepareLeaderAppend(buf, windowed, ctx());
    const v = new RecordBatchView(p.records);
    expect(v.maxTimestamp).toBe(BigInt(NOW - 5));
    expect(v.isValidCrc()).toBe(true);
  });

  test('a LogAppendTime topic ignores the window', () => {
    const lat = config({ messageTimestampType: 'LogAppendTime', messageTimestampBeforeMaxMs: 1000 });
    const p = prepareLeaderAppend(buildRecordBatch({ records: records([1, 2]) }), lat, ctx());
    expect(new RecordBatchView(p.records).maxTimestamp).toBe(BigInt(NOW));
  });

  test('without a window nothing is decoded: the bytes are the caller\'s and the lone CRC stays deferred', () => {
    const buf = buildRecordBatch({ compression: CompressionType.Gzip, records: records([1, NOW * 2]) });
    const p = prepareLeaderAppend(buf, config(), ctx());
    expect(p.records).toBe(buf);
    expect(p.pendingCrc?.buf).toBe(buf);
    // with record-level work the CRC is checked before the records are read
    const w = prepareLeaderAppend(buildRecordBatch({ records: records([NOW]) }), windowed, ctx());
    expect(w.pendingCrc).toBeNull();
  });

  test('a record pass checks the CRC before reading records', () => {
    const buf = buildRecordBatch({ records: records([NOW]) });
    buf[buf.length - 1]! ^= 1;
    expect(refusal(buf, windowed).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('Storage > leader append > batches claiming LogAppendTime', () => {
  const claiming = (maxTimestamp: bigint) => buildRecordBatch({ timestampType: TimestampType.LogAppendTime, maxTimestamp, records: records([NOW, NOW]) });

  test('a LogAppendTime topic refuses them, every record named', () => {
    const e = refusal(claiming(BigInt(NOW)), config({ messageTimestampType: 'LogAppendTime' })) as RecordValidationError;
    expect(e.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(e.recordErrors.map((r) => r.batchIndex)).toEqual([0, 1]);
    expect(e.recordErrors[0]!.batchIndexErrorMessage).toBe(
      `Invalid timestamp type in message DefaultRecord(offset=0, timestamp=${NOW}, key=2 bytes, value=2 bytes). Producer should not set timestamp type to LogAppendTime.`,
    );
  });

  test('a CreateTime topic refuses them when they carry no timestamp, else stores them as CreateTime', () => {
    expect(refusal(claiming(-1n), config()).code).toBe(ErrorCode.INVALID_TIMESTAMP);
    const p = prepareLeaderAppend(claiming(BigInt(NOW - 7)), config(), ctx());
    const v = new RecordBatchView(p.records);
    expect(v.timestampType).toBe(TimestampType.CreateTime);
    expect(v.isValidCrc()).toBe(true);
  });
});

describe('Storage > leader append > compacted topics', () => {
  const compacted = config({ cleanupPolicy: { delete: false, compact: true } });

  test.each([CompressionType.None, CompressionType.Lz4])('records without a key refuse the batch, each named (codec %i)', (compression) => {
    const buf = buildRecordBatch({ compression, records: records([NOW, NOW, NOW, NOW, NOW], (i) => (i === 0 ? 'a' : null)) });
    const e = refusal(buf, compacted) as RecordValidationError;
    expect(e.code).toBe(ErrorCode.INVALID_RECORD);
    expect(e.recordErrors.map((r) => r.batchIndex)).toEqual([1, 2, 3, 4]);
    const m = 'Compacted topic cannot accept message without key in topic partition t-0';
    expect(e.recordErrors[0]!.batchIndexErrorMessage).toBe(m);
    expect(e.message).toBe(
      `One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${m}'), RecordError(batchIndex=2, message='${m}'), RecordError(batchIndex=3, message='${m}')]`,
    );
  });

  test('keyed records are accepted; a key error and a timestamp error together answer INVALID_TIMESTAMP', () => {
    expect(() => prepareLeaderAppend(buildRecordBatch({ records: records([NOW, NOW]) }), compacted, ctx())).not.toThrow();
    const both = { ...compacted, messageTimestampBeforeMaxMs: 10 };
    const e = refusal(buildRecordBatch({ records: records([NOW, 1], (i) => (i === 0 ? null : 'k')) }), both) as RecordValidationError;
    expect(e.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(e.recordErrors.map((r) => r.batchIndex)).toEqual([0, 1]);
  });

  test('a refused batch leaves the log as it was', async () => {
    const dir = tmpDir();
    const log = await openLog(dir, compacted);
    await expect(log.appendAsLeader(batch(2), { leaderEpoch: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_RECORD });
    expect(log.logEndOffset).toBe(0n);
    expect((await log.appendAsLeader(batch(2, { key: (i) => `k${i}` }), { leaderEpoch: 0 })).firstOffset).toBe(0n);
    await log.close();
    rmDir(dir);
  });
});

describe('Storage > leader append > declared count vs the records present', () => {
  const compacted = config({ cleanupPolicy: { delete: false, compact: true } });

  /** A batch of `built` records re-declared as `declared` records (count and delta), CRC fixed. */
  function redeclared(built: number, declared: number, compression = CompressionType.None): Buffer {
    const buf = buildRecordBatch({ compression, records: records(Array.from({ length: built }, () => NOW)) });
    buf.writeInt32BE(declared - 1, 23);
    buf.writeInt32BE(declared, 57);
    new RecordBatchView(buf).updateCrc();
    return buf;
  }

  test.each([CompressionType.None, CompressionType.Zstd])('fewer or more records than declared are INVALID_RECORD (codec %i)', (compression) => {
    const short = refusal(redeclared(2, 3, compression), compacted);
    expect([short.code, short.message]).toEqual([ErrorCode.INVALID_RECORD, 'Incorrect declared batch size, premature EOF reached']);
    const long = refusal(redeclared(3, 2, compression), compacted);
    expect([long.code, long.message]).toEqual([ErrorCode.INVALID_RECORD, 'Incorrect declared batch size, records still remaining in file']);
  });

  test('a malformed record is INVALID_RECORD', () => {
    const buf = buildRecordBatch({ records: records([NOW]) });
    buf.writeInt8(0x7e, 61); // record length varint: 63, more than the record's bytes
    new RecordBatchView(buf).updateCrc();
    const e = refusal(buf, compacted);
    expect(e.code).toBe(ErrorCode.INVALID_RECORD);
    expect(e.message).toMatch(/^Found invalid record structure/);
  });

  test('decompression stays bounded', () => {
    const buf = buildRecordBatch({ compression: CompressionType.Gzip, records: [{ key: 'k', value: Buffer.alloc(100_000), timestamp: NOW }] });
    const policy = recordPolicyOf(compacted);
    expect(() => checkBatchRecords(new RecordBatchView(buf), policy, { topicPartition: { topic: 't', partition: 0 }, nowMs: NOW, maxDecompressedBytes: 10_000 })).toThrow(
      expect.objectContaining({ code: ErrorCode.MESSAGE_TOO_LARGE }),
    );
  });
});

describe('Storage > leader append > compression.type', () => {
  const produced = (compression: CompressionType) =>
    buildRecordBatch({
      compression,
      producerId: 42n,
      producerEpoch: 3,
      baseSequence: 17,
      isTransactional: true,
      baseTimestamp: BigInt(NOW - 50),
      records: records([NOW - 50, NOW - 70, NOW - 10]),
    });

  test.each([
    ['zstd', CompressionType.Zstd],
    ['lz4', CompressionType.Lz4],
    ['snappy', CompressionType.Snappy],
    ['uncompressed', CompressionType.None],
    ['gzip', CompressionType.Gzip],
  ] as const)('a batch is recompressed to %s, keeping producer fields, bits, timestamps and records', (name, type) => {
    const source = type === CompressionType.Gzip ? CompressionType.Lz4 : CompressionType.Gzip;
    const sent = produced(source);
    const before = readRecords(new RecordBatchView(Buffer.from(sent)));
    const p = prepareLeaderAppend(sent, config({ compressionType: name }), ctx({ nextOffset: 100n }));
    expect(p.records).not.toBe(sent);
    expect(p.pendingCrc).toBeNull();
    const v = new RecordBatchView(p.records);
    expect(v.compression).toBe(type);
    expect([v.baseOffset, v.partitionLeaderEpoch, v.lastOffsetDelta, v.recordCount]).toEqual([100n, 3, 2, 3]);
    expect([v.producerId, v.producerEpoch, v.baseSequence, v.isTransactional, v.isControl]).toEqual([42n, 3, 17, true, false]);
    expect([v.baseTimestamp, v.maxTimestamp, v.timestampType]).toEqual([BigInt(NOW - 50), BigInt(NOW - 10), TimestampType.CreateTime]);
    expect(v.isValidCrc()).toBe(true);
    const after = readRecords(v);
    expect(after.map((r) => [r.offset - 100n, r.timestamp, r.key, r.value, r.headers])).toEqual(before.map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers]));
    expect(p.summary).toMatchObject({ firstOffset: 100n, lastOffset: 102n, recordCount: 3, maxTimestamp: BigInt(NOW - 10) });
  });

  test('the same codec (or producer) keeps the producer\'s bytes', () => {
    const sent = produced(CompressionType.Zstd);
    const copy = Buffer.from(sent);
    expect(prepareLeaderAppend(sent, config({ compressionType: 'zstd', compressionZstdLevel: 19 }), ctx()).records).toBe(sent);
    expect(prepareLeaderAppend(copy, config({ compressionType: 'producer' }), ctx()).records).toBe(copy);
  });

  test('the topic\'s level is used', () => {
    const big = buildRecordBatch({ records: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(40 + (i % 7)), timestamp: NOW })) });
    const size = (level: number) => prepareLeaderAppend(Buffer.from(big), config({ compressionType: 'zstd', compressionZstdLevel: level }), ctx()).records.length;
    expect(size(-5)).toBeGreaterThan(size(19));
    const gz = (level: number) => prepareLeaderAppend(Buffer.from(big), config({ compressionType: 'gzip', compressionGzipLevel: level }), ctx()).records.length;
    expect(gz(1)).toBeGreaterThan(gz(9));
    const lz = (level: number) => prepareLeaderAppend(Buffer.from(big), config({ compressionType: 'lz4', compressionLz4Level: level }), ctx()).records.length;
    expect(lz(9)).toBeGreaterThan(lz(17));
  });

  test('LogAppendTime topics stamp the recompressed batch', () => {
    const p = prepareLeaderAppend(produced(CompressionType.Gzip), config({ compressionType: 'zstd', messageTimestampType: 'LogAppendTime' }), ctx());
    const v = new RecordBatchView(p.records);
    expect([v.compression, v.timestampType, v.maxTimestamp, v.isValidCrc()]).toEqual([CompressionType.Zstd, TimestampType.LogAppendTime, BigInt(NOW), true]);
    expect(p.logAppendTimeMs).toBe(BigInt(NOW));
  });

  test('a recompressed batch over max.message.bytes is MESSAGE_TOO_LARGE', () => {
    const sent = buildRecordBatch({ compression: CompressionType.Gzip, records: [{ key: 'k', value: Buffer.alloc(5000, 7), timestamp: NOW }] });
    const e = refusal(sent, config({ compressionType: 'uncompressed', maxMessageBytes: 1000 }));
    expect(e.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(e.message).toMatch(/^Message batch size is \d+ bytes in append topartition t-0 which exceeds the maximum configured size of 1000\.$/);
  });

  test('a recompressed request over segment.bytes is RECORD_LIST_TOO_LARGE', () => {
    const sent = buildRecordBatch({ compression: CompressionType.Gzip, records: [{ key: 'k', value: Buffer.alloc(5000, 7), timestamp: NOW }] });
    const e = refusal(sent, config({ compressionType: 'uncompressed', segmentBytes: 2000 }));
    expect(e.code).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
    expect(e.message).toMatch(/^Message batch size is \d+ bytes in append to partition t-0, which exceeds the maximum configured segment size of 2000\.$/);
  });

  test('a compressed batch with offset deltas other than 0, 1, 2 is rebuilt when its records are read', () => {
    const sent = buildRecordBatch({ compression: CompressionType.Gzip, lastOffsetDelta: 1, records: [{ key: 'a', value: '1', timestamp: NOW, offsetDelta: 0 }, { key: 'b', value: '2', timestamp: NOW, offsetDelta: 5 }] });
    const p = prepareLeaderAppend(sent, config({ cleanupPolicy: { delete: false, compact: true } }), ctx());
    const v = new RecordBatchView(p.records);
    expect(v.compression).toBe(CompressionType.Gzip);
    expect(readRecords(v).map((r) => r.offsetDelta)).toEqual([0, 1]);
  });

  test('control batches are not recompressed', async () => {
    const { buildEndTxnMarkerBatch, ControlRecordType } = await import('../../protocol/records/control-record');
    const marker = buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, producerId: 5n, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 1n });
    const p = prepareLeaderAppend(marker, config({ compressionType: 'zstd' }), ctx({ origin: 'coordinator' }));
    expect(p.records).toBe(marker);
  });

  test('followers store the leader\'s bytes whatever compression.type says', async () => {
    const dir = tmpDir();
    const log = await openLog(dir, config({ compressionType: 'zstd', cleanupPolicy: { delete: false, compact: true } }), { clock: new ManualClock(NOW) });
    const b = buildRecordBatch({ compression: CompressionType.Gzip, records: records([NOW], () => null) });
    const copy = Buffer.from(b);
    await log.appendAsFollower(b);
    const [stored] = await readAll(log);
    expect(stored!.bytes.equals(copy)).toBe(true);
    await log.close();
    rmDir(dir);
  });
});

describe('Storage > leader append > header checks', () => {
  test('a client batch must have base offset 0', () => {
    const buf = batch(2);
    new RecordBatchView(buf).setBaseOffset(7n);
    const e = refusal(buf, config());
    expect([e.code, e.message]).toEqual([ErrorCode.INVALID_RECORD, 'The baseOffset of the record batch in the append to t-0 should be 0, but it is 7']);
    expect(prepareLeaderAppend(buf, config(), ctx({ origin: 'coordinator', nextOffset: 3n })).summary.firstOffset).toBe(3n);
  });

  test('a client batch with a producer id needs a sequence', () => {
    const buf = buildRecordBatch({ producerId: 9n, producerEpoch: 0, baseSequence: -1, records: records([NOW]) });
    const e = refusal(buf, config());
    expect([e.code, e.message]).toEqual([ErrorCode.INVALID_RECORD, 'Invalid sequence number -1 in record batch with producerId 9 in topic partition t-0']);
    expect(() => prepareLeaderAppend(buildRecordBatch({ producerId: 9n, producerEpoch: 0, baseSequence: 0, records: records([NOW]) }), config(), ctx())).not.toThrow();
  });

  test('offset range, count and size messages are Kafka\'s', () => {
    const inconsistent = batch(3);
    inconsistent.writeInt32BE(1, 23);
    new RecordBatchView(inconsistent).updateCrc();
    expect(refusal(inconsistent, config()).message).toBe('Inconsistent batch offset range [0, 1] and count of records 3 in topic partition t-0');
    const big = batch(1, { valueSize: 500 });
    expect(refusal(big, config({ maxMessageBytes: 200 })).message).toBe(
      `The record batch size in the append to t-0 is ${big.length} bytes which exceeds the maximum configured value of 200.`,
    );
  });
});
