/**
 * Storage > the cleanable range (Kafka's LogCleanerManager.cleanableOffsets and the
 * grabFilthiestCompactedLog filter): high watermark, min.compaction.lag.ms,
 * max.compaction.lag.ms, the strict dirty ratio, checkpoint reset; the roll at
 * min(max.compaction.lag.ms, segment.ms) for compacted logs; mtimes kept by the cleaner.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readRecords } from '../../protocol/records/record';
import { RecordBatchView } from '../../protocol/records/record-batch';
import { cleanableRange } from '../../storage/cleanable-range';
import { OffsetCheckpointFile } from '../../storage/checkpoint-file';
import { cleanLog } from '../../storage/log-cleaner';
import { CLEANER_CHECKPOINT } from '../../storage/log-file-names';
import { Log } from '../../storage/log';
import { LogManager } from '../../storage/log-manager';
import { ManualClock, config, kvBatch, openLog, readAll, rmDir, tmpDir } from './helpers';

const compact = config({ segmentBytes: 400, cleanupPolicy: { delete: false, compact: true }, minCleanableDirtyRatio: 0.1, deleteRetentionMs: 1000 });

/** Every record's (offset, key) in the log. */
async function keys(log: Log): Promise<[bigint, string][]> {
  const out: [bigint, string][] = [];
  for (const b of await readAll(log)) for (const r of readRecords(new RecordBatchView(Buffer.from(b.bytes)))) out.push([r.offset, r.key!.toString()]);
  return out;
}

/** Appends `n` one-record batches with key `k${i % 2}` at the clock's time, `stepMs` apart. */
async function appendKeyed(log: Log, clock: ManualClock, n: number, stepMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await log.appendAsLeader(kvBatch([[`k${i % 2}`, `value-${String(i).padStart(4, '0')}`]], clock.now()), { leaderEpoch: 0 });
    clock.t += stepMs;
  }
  log.highWatermark = log.logEndOffset;
}

describe('Storage > cleanable range and compaction lags', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('nothing at or above the high watermark is cleaned: the range ends at the segment holding it', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, compact, { clock });
    await appendKeyed(log, clock, 30, 1);
    const segs = log.segments.all();
    expect(segs.length).toBeGreaterThan(3);
    const hwSegment = segs[2]!;
    log.highWatermark = hwSegment.baseOffset + 1n;
    const range = await cleanableRange(log, undefined, clock.now());
    expect(range.firstUncleanableOffset).toBe(hwSegment.baseOffset);
    const before = (await keys(log)).filter(([o]) => o >= hwSegment.baseOffset);
    expect(await cleanLog(log, undefined, { now: clock.now() })).toMatchObject({ firstDirtyOffset: hwSegment.baseOffset });
    const after = await keys(log);
    expect(after.filter(([o]) => o >= hwSegment.baseOffset)).toEqual(before);
    expect(after.filter(([o]) => o < hwSegment.baseOffset).length).toBe(2); // one per key below it
    await log.close();
  });

  test('min.compaction.lag.ms: segments with records newer than the lag stay uncompacted until they age', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, { ...compact, minCompactionLagMs: 5_000 }, { clock });
    await appendKeyed(log, clock, 15, 1); // old enough once the clock moves on
    clock.t += 10_000;
    const youngFrom = log.logEndOffset;
    await appendKeyed(log, clock, 15, 1);
    const young = log.segments.floor(youngFrom)!;
    const range = await cleanableRange(log, undefined, clock.now());
    expect(range.firstUncleanableOffset).toBe(young.baseOffset);
    const r = await cleanLog(log, undefined, { now: clock.now() });
    expect(r!.firstDirtyOffset).toBe(young.baseOffset);
    const kept = await keys(log);
    // every record from the young segment on is still there
    expect(kept.filter(([o]) => o >= young.baseOffset).length).toBe(Number(log.logEndOffset - young.baseOffset));
    // once the lag has passed, the next clean reaches the active segment
    clock.t += 6_000;
    const again = await cleanLog(log, r!.firstDirtyOffset, { now: clock.now() });
    expect(again!.firstDirtyOffset).toBe(log.segments.active().baseOffset);
    await log.close();
  });

  test('max.compaction.lag.ms: a dirty record older than the lag is cleaned below min.cleanable.dirty.ratio', async () => {
    const clock = new ManualClock(10_000_000);
    const lazy = { ...compact, minCleanableDirtyRatio: 0.99 };
    const log = await openLog(dir, lazy, { clock });
    await appendKeyed(log, clock, 20, 1);
    const firstClean = await cleanLog(log, undefined, { now: clock.now(), force: true });
    await appendKeyed(log, clock, 12, 1); // a little dirty data after the clean part
    const checkpoint = firstClean!.firstDirtyOffset;
    expect(await cleanLog(log, checkpoint, { now: clock.now() })).toBeNull(); // ratio too low
    log.updateConfig({ ...lazy, maxCompactionLagMs: 60_000 });
    expect(await cleanLog(log, checkpoint, { now: clock.now() })).toBeNull(); // not yet past the max lag
    clock.t += 61_000;
    expect((await cleanableRange(log, checkpoint, clock.now())).needCompactionNow).toBe(true);
    expect(await cleanLog(log, checkpoint, { now: clock.now() })).not.toBeNull();
    await log.close();
  });

  test('the dirty ratio must exceed min.cleanable.dirty.ratio, not just reach it', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, { ...compact, minCleanableDirtyRatio: 0.5 }, { clock });
    await appendKeyed(log, clock, 30, 0); // equal-sized batches: equal-sized full segments
    const [s0, s1] = log.segments.all();
    expect(s0!.size).toBe(s1!.size);
    // checkpoint at the second segment: clean bytes = s0, dirty bytes = s1 (and the range ends before s2)
    log.highWatermark = log.segments.all()[2]!.baseOffset;
    const range = await cleanableRange(log, s1!.baseOffset, clock.now());
    expect([range.cleanBytes, range.cleanableBytes]).toEqual([s0!.size, s1!.size]);
    expect(await cleanLog(log, s1!.baseOffset, { now: clock.now() })).toBeNull();
    log.updateConfig({ ...compact, minCleanableDirtyRatio: 0.49 });
    expect(await cleanLog(log, s1!.baseOffset, { now: clock.now() })).not.toBeNull();
    await log.close();
  });

  test('a checkpoint outside [log start, log end] restarts from the log start', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, compact, { clock });
    await appendKeyed(log, clock, 30, 1);
    expect((await cleanableRange(log, 10_000n, clock.now())).firstDirtyOffset).toBe(0n);
    expect(await cleanLog(log, 10_000n, { now: clock.now() })).not.toBeNull();
    await log.close();
  });

  test('the LogManager replaces an invalid cleaner checkpoint with the log start', async () => {
    const clock = new ManualClock(10_000_000);
    await new OffsetCheckpointFile(path.join(dir, CLEANER_CHECKPOINT)).write([{ topic: 'c', partition: 0, offset: 999n }]);
    fs.mkdirSync(path.join(dir, 'c-0'));
    const m = await LogManager.open({ logDirs: [dir], defaultConfig: compact, clock });
    expect(m.getLog('c', 0)!.logEndOffset).toBe(0n);
    await m.runCleaner();
    await m.checkpoint();
    expect(await new OffsetCheckpointFile(path.join(dir, CLEANER_CHECKPOINT)).read()).toEqual(new Map([['c-0', 0n]]));
    await m.shutdown();
  });

  test('a compacted log rolls at max.compaction.lag.ms when that is shorter than segment.ms; other logs do not', async () => {
    for (const cleanupPolicy of [{ delete: false, compact: true }, { delete: true, compact: false }]) {
      const d = path.join(dir, cleanupPolicy.compact ? 'compact' : 'delete');
      fs.mkdirSync(d);
      const clock = new ManualClock(10_000_000);
      const log = await openLog(d, config({ cleanupPolicy, maxCompactionLagMs: 1_000 }), { clock });
      await log.appendAsLeader(kvBatch([['a', '1']], clock.now()), { leaderEpoch: 0 });
      clock.t += 1_500;
      await log.appendAsLeader(kvBatch([['a', '2']], clock.now()), { leaderEpoch: 0 });
      expect(log.segments.size).toBe(cleanupPolicy.compact ? 2 : 1);
      await log.close();
    }
  });

  test('a cleaned segment keeps the mtime of the segment it replaces', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, compact, { clock });
    await appendKeyed(log, clock, 30, 1);
    const first = log.segments.all()[0]!.log.file;
    await log.drainWrites();
    const old = new Date(1_600_000_000_000);
    fs.utimesSync(first, old, old);
    expect(await cleanLog(log, undefined, { now: clock.now(), force: true })).not.toBeNull();
    expect(log.segments.all()[0]!.log.file).toBe(first);
    expect(Math.floor(fs.statSync(first).mtimeMs)).toBe(old.getTime());
    await log.close();
  });
});
