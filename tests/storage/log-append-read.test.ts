/** Storage > Log > append and read semantics. */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { readRecords } from '../../protocol/records/record';
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../protocol/records/control-record';
import { CompressionType, RecordBatchView, TimestampType } from '../../protocol/records/record-batch';
import { Log } from '../../storage/log';
import { ManualClock, batch, config, openLog, readAll, rmDir, splitBatches, tmpDir } from './helpers';

async function code(p: Promise<unknown>): Promise<ErrorCode> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
  throw new Error('expected a KafkaError');
}

describe('Storage > Log > append', () => {
  let dir: string;
  let log: Log;
  beforeEach(async () => {
    dir = tmpDir();
    log = await openLog(dir);
  });
  afterEach(async () => {
    await log.close();
    rmDir(dir);
  });

  test('assigns offsets and leader epoch in place, returns append info', async () => {
    const b1 = batch(3);
    const i1 = await log.appendAsLeader(b1, { leaderEpoch: 7 });
    expect(i1).toMatchObject({ firstOffset: 0n, lastOffset: 2n, recordCount: 3, logAppendTimeMs: -1n, logStartOffset: 0n });
    const two = Buffer.concat([batch(2), batch(4)]);
    const i2 = await log.appendAsLeader(two, { leaderEpoch: 7 });
    expect(i2).toMatchObject({ firstOffset: 3n, lastOffset: 8n, recordCount: 6 });
    expect(new RecordBatchView(b1).partitionLeaderEpoch).toBe(7);
    expect(new RecordBatchView(two).baseOffset).toBe(3n);
    expect(log.logEndOffset).toBe(9n);
    const all = await readAll(log);
    expect(all.map((b) => [b.base, b.last])).toEqual([[0n, 2n], [3n, 4n], [5n, 8n]]);
    expect(Buffer.concat(all.map((b) => b.bytes)).equals(Buffer.concat([b1, two]))).toBe(true);
    expect(log.latestEpoch()).toBe(7);
  });

  test('concurrent appends are ordered and all acknowledged', async () => {
    const bufs = Array.from({ length: 200 }, (_, i) => batch(1 + (i % 5), { tag: `b${i}` }));
    const infos = await Promise.all(bufs.map((b) => log.appendAsLeader(b, { leaderEpoch: 1 })));
    let next = 0n;
    for (let i = 0; i < infos.length; i++) {
      expect(infos[i]!.firstOffset).toBe(next);
      next = infos[i]!.lastOffset + 1n;
    }
    const all = await readAll(log);
    expect(all.length).toBe(200);
    all.forEach((b, i) => expect(b.bytes.equals(bufs[i]!)).toBe(true));
  });

  test('rejects corrupt, oversized and inconsistent batches without advancing', async () => {
    await log.appendAsLeader(batch(1), { leaderEpoch: 0 });
    const flipped = batch(2);
    flipped[flipped.length - 1]! ^= 1;
    expect(await code(log.appendAsLeader(flipped, { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await code(log.appendAsLeader(batch(2).subarray(0, 70), { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await code(log.appendAsLeader(Buffer.concat([batch(1), Buffer.alloc(10)]), { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const magic1 = batch(1);
    magic1[16] = 1;
    expect(await code(log.appendAsLeader(magic1, { leaderEpoch: 0 }))).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    const small = await openLog(tmpDir(), config({ maxMessageBytes: 200 }));
    expect(await code(small.appendAsLeader(batch(1, { valueSize: 500 }), { leaderEpoch: 0 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    await small.close();
    const tiny = await openLog(tmpDir(), config({ segmentBytes: 100 }));
    expect(await code(tiny.appendAsLeader(Buffer.concat([batch(1), batch(1)]), { leaderEpoch: 0 }))).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
    await tiny.close();
    // the second batch is bad: nothing of the request is appended (a fresh copy: the append
    // above assigned `flipped` an offset before its deferred CRC check refused it)
    const flippedAgain = batch(2);
    flippedAgain[flippedAgain.length - 1]! ^= 1;
    const mixed = Buffer.concat([batch(1), flippedAgain]);
    expect(await code(log.appendAsLeader(mixed, { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.logEndOffset).toBe(1n);
    expect((await log.appendAsLeader(batch(1), { leaderEpoch: 0 })).firstOffset).toBe(1n);
  });

  test('empty input appends nothing', async () => {
    const info = await log.appendAsLeader(Buffer.alloc(0), { leaderEpoch: 0 });
    expect(info.firstOffset).toBe(-1n);
    expect(log.logEndOffset).toBe(0n);
  });

  test('LogAppendTime rewrites max timestamp and type, CRC stays valid', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const d = tmpDir();
    const l = await openLog(d, config({ messageTimestampType: 'LogAppendTime' }), { clock });
    const b = batch(3, { ts: 5 });
    const info = await l.appendAsLeader(b, { leaderEpoch: 0 });
    expect(info.logAppendTimeMs).toBe(1_800_000_000_000n);
    const v = new RecordBatchView((await l.read(0n, 1000, { minOneBatch: true })).records);
    expect(v.timestampType).toBe(TimestampType.LogAppendTime);
    expect(v.maxTimestamp).toBe(1_800_000_000_000n);
    expect(v.isValidCrc()).toBe(true);
    expect(readRecords(v).every((r) => r.timestamp === 1_800_000_000_000n)).toBe(true);
    await l.close();
    rmDir(d);
  });

  test('follower append keeps offsets, rejects overlaps, tracks epochs', async () => {
    const b = batch(3);
    new RecordBatchView(b).setBaseOffset(0n);
    new RecordBatchView(b).setPartitionLeaderEpoch(2);
    await log.appendAsFollower(b);
    const c = batch(2);
    new RecordBatchView(c).setBaseOffset(3n);
    new RecordBatchView(c).setPartitionLeaderEpoch(4);
    const info = await log.appendAsFollower(c);
    expect(info).toMatchObject({ firstOffset: 3n, lastOffset: 4n });
    expect(log.logEndOffset).toBe(5n);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 3n });
    const overlap = batch(1);
    new RecordBatchView(overlap).setBaseOffset(4n);
    expect(await code(log.appendAsFollower(overlap))).toBe(ErrorCode.INVALID_RECORD);
  });

  test('a write failure takes the log offline with KAFKA_STORAGE_ERROR', async () => {
    await log.appendAsLeader(batch(1), { leaderEpoch: 0 });
    await log.segments.active().log.close(); // the fd is gone: the next write fails
    expect(await code(log.appendAsLeader(batch(1), { leaderEpoch: 0 }))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(await code(log.appendAsLeader(batch(1), { leaderEpoch: 0 }))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(log.logEndOffset).toBe(1n);
  });

  test('control batches: rejected from clients, accepted from the coordinator', async () => {
    const marker = () => buildEndTxnMarkerBatch({ type: ControlRecordType.COMMIT, producerId: 5n, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 1n });
    expect(await code(log.appendAsLeader(marker(), { leaderEpoch: 0 }))).toBe(ErrorCode.INVALID_RECORD);
    const info = await log.appendAsLeader(marker(), { leaderEpoch: 0, origin: 'coordinator' });
    expect(info.firstOffset).toBe(0n);
  });

  test('compressed batches are stored and served unchanged', async () => {
    const b = batch(50, { compression: CompressionType.Gzip, valueSize: 100 });
    await log.appendAsLeader(b, { leaderEpoch: 0 });
    const r = (await log.read(17n, 10, { minOneBatch: true })).records;
    expect(r.equals(b)).toBe(true);
    expect(readRecords(new RecordBatchView(r)).map((x) => x.offset)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
  });

  test('flush.messages=1 fsyncs before acknowledging and moves the recovery point', async () => {
    const d = tmpDir();
    const l = await openLog(d, config({ flushMessages: 1 }));
    await l.appendAsLeader(batch(2), { leaderEpoch: 0 });
    expect(l.recoveryPoint).toBe(2n);
    await l.close();
    rmDir(d);
  });
});

describe('Storage > Log > read', () => {
  let dir: string;
  let log: Log;
  const sizes: number[] = [];
  beforeAll(async () => {
    dir = tmpDir();
    log = await openLog(dir, config({ segmentBytes: 5000, indexIntervalBytes: 300 }));
    for (let i = 0; i < 60; i++) {
      const b = batch(1 + (i % 4), { tag: `r${i}`, valueSize: 40 + (i % 7) * 30 });
      sizes.push(b.length);
      await log.appendAsLeader(b, { leaderEpoch: 1 });
    }
  });
  afterAll(async () => {
    await log.close();
    rmDir(dir);
  });

  test('the batch containing the offset comes back whole', async () => {
    const all = await readAll(log);
    expect(log.segments.size).toBeGreaterThan(3);
    for (const b of all) {
      if (b.last === b.base) continue;
      const mid = b.base + 1n;
      const r = splitBatches((await log.read(mid, 1, { minOneBatch: true })).records);
      expect(r[0]!.base).toBe(b.base);
      expect(r[0]!.bytes.equals(b.bytes)).toBe(true);
    }
  });

  test('maxBytes: whole batches only; first batch even if larger with minOneBatch', async () => {
    const first = (await log.read(0n, 1, { minOneBatch: true })).records;
    expect(first.length).toBe(sizes[0]);
    expect((await log.read(0n, 1, { minOneBatch: false })).records.length).toBe(0);
    const two = (await log.read(0n, sizes[0]! + sizes[1]! + 5, { minOneBatch: true })).records;
    expect(splitBatches(two).length).toBe(2);
    expect(two.length).toBe(sizes[0]! + sizes[1]!);
  });

  test('maxOffset excludes batches reaching it; reads stop at a segment end', async () => {
    const r = splitBatches((await log.read(0n, 1 << 20, { minOneBatch: true, maxOffset: 4n })).records);
    expect(r.every((b) => b.last < 4n)).toBe(true);
    expect(r.length).toBe(2); // offsets 0 and 1-2; the batch 3-5 reaches 4
    expect((await log.read(3n, 1 << 20, { minOneBatch: true, maxOffset: 4n })).records.length).toBe(0);
    const seg1 = log.segments.all()[1]!.baseOffset;
    const r2 = splitBatches((await log.read(0n, 1 << 20, { minOneBatch: true })).records);
    expect(r2[r2.length - 1]!.last + 1n).toBe(seg1);
  });

  test('OFFSET_OUT_OF_RANGE below the start and above the end; empty at the end', async () => {
    await expect(log.read(log.logEndOffset + 1n, 100, { minOneBatch: true })).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    await expect(log.read(-1n, 100, { minOneBatch: true })).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect((await log.read(log.logEndOffset, 100, { minOneBatch: true })).records.length).toBe(0);
  });

  test('random reads agree with a full scan', async () => {
    const all = await readAll(log);
    for (let k = 0; k < 100; k++) {
      const target = BigInt(Math.floor(Math.random() * Number(log.logEndOffset)));
      const r = splitBatches((await log.read(target, 1 + Math.floor(Math.random() * 2000), { minOneBatch: true })).records);
      const expected = all.find((b) => b.last >= target)!;
      expect(r[0]!.base).toBe(expected.base);
      expect(r[0]!.bytes.equals(expected.bytes)).toBe(true);
    }
  });
});
