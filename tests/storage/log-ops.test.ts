/** Storage > Log > roll, truncation, deleteRecordsBefore, timestamps, leader epochs. */
import * as fs from 'fs';
import { ErrorCode } from '../../protocol/errors';
import { buildRecordBatch } from '../../protocol/records/record';
import { RecordBatchView } from '../../protocol/records/record-batch';
import { logFileName } from '../../storage/log-file-names';
import { ManualClock, batch, config, openLog, readAll, rmDir, tmpDir } from './helpers';

describe('Storage > Log > roll', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('on segment.bytes: the next append starts a segment at its first offset', async () => {
    const b = batch(2, { valueSize: 100 });
    const log = await openLog(dir, config({ segmentBytes: b.length * 3 }));
    for (let i = 0; i < 7; i++) await log.appendAsLeader(batch(2, { valueSize: 100 }), { leaderEpoch: 0 });
    expect(log.segments.all().map((s) => s.baseOffset)).toEqual([0n, 6n, 12n]);
    expect(log.segments.all().map((s) => s.size)).toEqual([b.length * 3, b.length * 3, b.length]);
    await log.close();
    // rolled segments have trimmed indexes on disk
    expect(fs.existsSync(logFileName(dir, 6n))).toBe(true);
  });

  test('on segment.ms, measured from the first batch timestamp', async () => {
    const clock = new ManualClock(1_000_000);
    const log = await openLog(dir, config({ segmentMs: 1000 }), { clock });
    await log.appendAsLeader(batch(1, { ts: 1_000_000 }), { leaderEpoch: 0 });
    clock.advance(500);
    await log.appendAsLeader(batch(1, { ts: 1_000_500 }), { leaderEpoch: 0 });
    expect(log.segments.size).toBe(1);
    clock.advance(600);
    await log.appendAsLeader(batch(1, { ts: 1_001_100 }), { leaderEpoch: 0 });
    expect(log.segments.all().map((s) => s.baseOffset)).toEqual([0n, 2n]);
    await log.close();
  });

  test('on a full offset index or time index', async () => {
    const log = await openLog(dir, config({ segmentIndexBytes: 24, indexIntervalBytes: 1 }));
    for (let i = 0; i < 10; i++) await log.appendAsLeader(batch(1, { ts: 1000 + i }), { leaderEpoch: 0 });
    expect(log.segments.size).toBeGreaterThan(2);
    for (const s of log.segments.all()) expect(s.offsetIndex.entries).toBeLessThanOrEqual(3);
    expect((await readAll(log)).length).toBe(10);
    await log.close();
  });

  test('when offsets no longer fit a relative index entry (follower jump)', async () => {
    const log = await openLog(dir);
    await log.appendAsLeader(batch(1), { leaderEpoch: 0 });
    const far = batch(1);
    new RecordBatchView(far).setBaseOffset(0x80000005n);
    await log.appendAsFollower(far);
    expect(log.segments.all().map((s) => s.baseOffset)).toEqual([0n, 0x80000005n]);
    expect((await log.read(0x80000005n, 1000, { minOneBatch: true })).records.equals(far)).toBe(true);
    await log.close();
  });
});

describe('Storage > Log > truncation and log start', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  async function fill(n: number) {
    const log = await openLog(dir, config({ segmentBytes: 1000, indexIntervalBytes: 100 }));
    for (let i = 0; i < n; i++) await log.appendAsLeader(batch(2, { valueSize: 60 }), { leaderEpoch: Math.floor(i / 5) });
    return log;
  }

  test('truncateTo removes batches at/after the offset, across segments; indexes stay consistent', async () => {
    const log = await fill(30); // offsets 0..59
    const segsBefore = log.segments.size;
    await log.truncateTo(23n); // inside batch 22-23: the whole batch goes
    expect(log.logEndOffset).toBe(22n);
    expect(log.segments.size).toBeLessThan(segsBefore);
    const all = await readAll(log);
    expect(all[all.length - 1]!.last).toBe(21n);
    expect(log.latestEpoch()).toBe(2);
    await expect(log.read(22n, 100, { minOneBatch: true })).resolves.toMatchObject({ records: Buffer.alloc(0) });
    await expect(log.read(24n, 100, { minOneBatch: true })).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    const info = await log.appendAsLeader(batch(1), { leaderEpoch: 9 });
    expect(info.firstOffset).toBe(22n);
    for (let o = 0n; o < 23n; o++) {
      const r = await log.read(o, 1, { minOneBatch: true });
      const v = new RecordBatchView(r.records);
      expect(v.baseOffset <= o && v.lastOffset >= o).toBe(true);
    }
    await log.close();
    const again = await openLog(dir, config({ segmentBytes: 1000, indexIntervalBytes: 100 }), { clean: true });
    expect(again.logEndOffset).toBe(23n);
    expect(again.latestEpoch()).toBe(9);
    await again.close();
  });

  test('truncateTo at or beyond the end does nothing; below the first segment truncates fully', async () => {
    const log = await fill(10);
    await log.truncateTo(100n);
    expect(log.logEndOffset).toBe(20n);
    await log.truncateTo(0n);
    expect(log.logEndOffset).toBe(0n);
    expect(log.segments.size).toBe(1);
    await log.close();
  });

  test('truncateFullyAndStartAt restarts empty at the offset', async () => {
    const log = await fill(10);
    await log.truncateFullyAndStartAt(1000n);
    expect(log.logStartOffset).toBe(1000n);
    expect(log.logEndOffset).toBe(1000n);
    expect(log.latestEpoch()).toBeNull();
    expect((await log.appendAsLeader(batch(1), { leaderEpoch: 1 })).firstOffset).toBe(1000n);
    await log.close();
    const again = await openLog(dir, config(), { clean: true, logStartOffset: 1000n });
    expect(again.logStartOffset).toBe(1000n);
    expect(again.logEndOffset).toBe(1001n);
    await again.close();
  });

  test('deleteRecordsBefore moves the log start and deletes whole segments below it', async () => {
    const log = await fill(30);
    const segs = log.segments.all().map((s) => s.baseOffset);
    const target = segs[2]! + 1n;
    expect(await log.deleteRecordsBefore(target)).toBe(target);
    expect(log.logStartOffset).toBe(target);
    expect(log.segments.all()[0]!.baseOffset).toBe(segs[2]);
    await expect(log.read(target - 1n, 100, { minOneBatch: true })).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    const r = new RecordBatchView((await log.read(target, 100, { minOneBatch: true })).records);
    expect(r.lastOffset >= target).toBe(true);
    await expect(log.deleteRecordsBefore(log.logEndOffset + 1n)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect(await log.deleteRecordsBefore(5n)).toBe(target); // never moves back
    expect(log.epochCache.all()[0]!.startOffset).toBe(target);
    await log.close();
  });
});

describe('Storage > Log > timestamps and epochs', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('offsetForTimestamp returns the first record with timestamp >= target', async () => {
    const log = await openLog(dir, config({ segmentBytes: 2000, indexIntervalBytes: 100 }));
    // batch i holds records with timestamps 1000 + 10*i + j, j = 0..2
    for (let i = 0; i < 40; i++) {
      const records = [0, 1, 2].map((j) => ({ value: `v${i}-${j}`, timestamp: 1000 + 10 * i + j }));
      await log.appendAsLeader(buildRecordBatch({ records }), { leaderEpoch: 4 });
    }
    expect(log.segments.size).toBeGreaterThan(2);
    expect(await log.offsetForTimestamp(0n)).toEqual({ offset: 0n, timestamp: 1000n, leaderEpoch: 4 });
    expect(await log.offsetForTimestamp(1001n)).toEqual({ offset: 1n, timestamp: 1001n, leaderEpoch: 4 });
    expect(await log.offsetForTimestamp(1003n)).toEqual({ offset: 3n, timestamp: 1010n, leaderEpoch: 4 });
    expect(await log.offsetForTimestamp(1252n)).toEqual({ offset: 77n, timestamp: 1252n, leaderEpoch: 4 });
    expect(await log.offsetForTimestamp(5000n)).toBeNull();
    expect(await log.offsetForTimestamp(-2n)).toMatchObject({ offset: 0n });
    expect(await log.offsetForTimestamp(-1n)).toMatchObject({ offset: 120n });
    expect(await log.maxTimestampAndOffset()).toEqual({ offset: 119n, timestamp: 1392n, leaderEpoch: 4 });
    await log.close();
    const again = await openLog(dir, config({ segmentBytes: 2000, indexIntervalBytes: 100 }), { clean: true });
    expect(await again.offsetForTimestamp(1252n)).toEqual({ offset: 77n, timestamp: 1252n, leaderEpoch: 4 });
    expect(await again.maxTimestampAndOffset()).toEqual({ offset: 119n, timestamp: 1392n, leaderEpoch: 4 });
    await again.close();
  });

  test('maxTimestampAndOffset finds an out-of-order maximum; empty log gives null', async () => {
    const log = await openLog(dir);
    expect(await log.maxTimestampAndOffset()).toBeNull();
    await log.appendAsLeader(buildRecordBatch({ records: [{ value: 'a', timestamp: 50 }, { value: 'b', timestamp: 900 }, { value: 'c', timestamp: 60 }] }), { leaderEpoch: 1 });
    await log.appendAsLeader(buildRecordBatch({ records: [{ value: 'd', timestamp: 70 }] }), { leaderEpoch: 2 });
    expect(await log.maxTimestampAndOffset()).toEqual({ offset: 1n, timestamp: 900n, leaderEpoch: 1 });
    await log.close();
  });

  test('endOffsetForEpoch follows the epochs of appended batches and survives restart', async () => {
    const log = await openLog(dir);
    await log.appendAsLeader(batch(3), { leaderEpoch: 1 });
    await log.appendAsLeader(batch(2), { leaderEpoch: 3 });
    await log.appendAsLeader(batch(2), { leaderEpoch: 3 });
    await log.appendAsLeader(batch(1), { leaderEpoch: 6 });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 3n });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 3n });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 7n });
    expect(log.endOffsetForEpoch(6)).toEqual({ epoch: 6, endOffset: 8n });
    expect(log.endOffsetForEpoch(7)).toBeNull();
    await log.flush();
    await log.closeForDelete(); // crash: recovery re-derives epochs from the batches
    const again = await openLog(dir);
    expect(again.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 7n });
    expect(again.latestEpoch()).toBe(6);
    await again.close();
  });
});
