/** Storage > retention (time, size, log start) and compaction (correctness, crash safety). */
import * as fs from 'fs';
import { buildRecordBatch, readRecords } from '../../protocol/records/record';
import { CompressionType, RecordBatchView } from '../../protocol/records/record-batch';
import { cleanLog, CleanerCrashPoint } from '../../storage/log-cleaner';
import { applyRetention } from '../../storage/log-retention';
import { Log } from '../../storage/log';
import { CLEANED_SUFFIX, SWAP_SUFFIX, logFileName } from '../../storage/log-file-names';
import { ManualClock, batch, config, kvBatch, openLog, readAll, rmDir, tmpDir } from './helpers';

describe('Storage > retention', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  async function fill(log: Log, n: number, ts: (i: number) => number): Promise<void> {
    for (let i = 0; i < n; i++) await log.appendAsLeader(batch(1, { ts: ts(i), valueSize: 100 }), { leaderEpoch: 0 });
    log.highWatermark = log.logEndOffset;
  }

  test('by time: segments whose newest record is older than retention.ms, never the active one', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, config({ segmentBytes: 500, retentionMs: 1000 }), { clock });
    await fill(log, 20, (i) => 10_000_000 + i * 100); // ~3 batches per segment
    const before = log.segments.all().map((s) => s.baseOffset);
    clock.advance(1000 + 5 * 100 + 1); // records with ts <= 10_000_500 expire
    const n = await applyRetention(log, clock.now());
    expect(n).toBeGreaterThan(0);
    const first = log.segments.first()!;
    expect(log.logStartOffset).toBe(first.baseOffset);
    expect(first.baseOffset).toBe(before[n]);
    // everything kept is either young enough or in a segment that holds young records
    clock.advance(1_000_000);
    await applyRetention(log, clock.now());
    expect(log.segments.size).toBe(1); // only the active segment remains
    expect(log.segments.active().size).toBeGreaterThan(0);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBe(1);
    await log.close();
  });

  test('by size: oldest segments while the rest still holds retention.bytes', async () => {
    const log = await openLog(dir, config({ segmentBytes: 500, retentionBytes: 1200, retentionMs: -1 }));
    await fill(log, 20, () => Date.now());
    const total = log.size();
    await applyRetention(log, Date.now());
    expect(log.size()).toBeGreaterThanOrEqual(1200);
    expect(log.size()).toBeLessThan(total);
    const removedOne = log.size() - log.segments.first()!.size;
    expect(removedOne).toBeLessThan(1200); // removing one more would go below the limit
    await log.close();
  });

  test('does not delete above the high watermark; compact-only logs keep old segments', async () => {
    const clock = new ManualClock(10_000_000);
    const log = await openLog(dir, config({ segmentBytes: 500, retentionMs: 10 }), { clock });
    await fill(log, 20, () => 1);
    log.highWatermark = 0n;
    expect(await applyRetention(log, clock.now())).toBe(0);
    const c = await openLog(tmpDir(), config({ segmentBytes: 500, retentionMs: 10, cleanupPolicy: { delete: false, compact: true } }), { clock });
    // keyed: a compacted topic refuses records without a key
    for (let i = 0; i < 20; i++) await c.appendAsLeader(batch(1, { ts: 1, valueSize: 100, key: () => `k${i}` }), { leaderEpoch: 0 });
    c.highWatermark = c.logEndOffset;
    expect(await applyRetention(c, clock.now())).toBe(0);
    await c.close();
    await log.close();
  });
});

describe('Storage > compaction', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  const cc = config({ segmentBytes: 600, cleanupPolicy: { delete: false, compact: true }, minCleanableDirtyRatio: 0.1, deleteRetentionMs: 1000 });

  /** key -> latest value across the log, plus every (offset,key,value) seen. */
  async function contents(log: Log): Promise<{ offset: bigint; key: string; value: string | null }[]> {
    const out: { offset: bigint; key: string; value: string | null }[] = [];
    for (const b of await readAll(log)) {
      const v = new RecordBatchView(Buffer.from(b.bytes));
      expect(v.isValidCrc()).toBe(true);
      for (const r of readRecords(v)) out.push({ offset: r.offset, key: r.key!.toString(), value: r.value?.toString() ?? null });
    }
    return out;
  }

  async function writeHistory(log: Log, clock: ManualClock): Promise<Map<string, { offset: bigint; value: string | null }>> {
    const latest = new Map<string, { offset: bigint; value: string | null }>();
    for (let i = 0; i < 60; i++) {
      const pairs: [string, string | null][] = [
        [`k${i % 7}`, `v${i}`],
        [`k${(i * 3) % 11}`, i % 13 === 0 ? null : `w${i}`],
      ];
      const info = await log.appendAsLeader(kvBatch(pairs, clock.now()), { leaderEpoch: 1 });
      pairs.forEach(([k, v], j) => latest.set(k, { offset: info.firstOffset + BigInt(j), value: v }));
    }
    log.highWatermark = log.logEndOffset;
    return latest;
  }

  test('keeps the latest record per key, preserves offsets, drops old tombstones', async () => {
    const clock = new ManualClock(50_000_000);
    const log = await openLog(dir, cc, { clock });
    const latest = await writeHistory(log, clock);
    const activeBase = log.segments.active().baseOffset;
    const leo = log.logEndOffset;
    const before = await contents(log);
    const r = await cleanLog(log, 0n, { now: clock.now() });
    expect(r).not.toBeNull();
    expect(r!.bytesAfter).toBeLessThan(r!.bytesBefore);
    const after = await contents(log);
    expect(log.logEndOffset).toBe(leo);
    // every record kept is an original record at its original offset
    const orig = new Map(before.map((x) => [x.offset, x]));
    for (const x of after) expect(orig.get(x.offset)).toEqual(x);
    // below the active segment: exactly the latest record of each key within that range
    const latestBelow = new Map<string, bigint>();
    for (const x of before) if (x.offset < activeBase) latestBelow.set(x.key, x.offset);
    const cleanPart = after.filter((x) => x.offset < activeBase);
    expect(cleanPart.map((x) => x.offset)).toEqual([...latestBelow.values()].sort((a, b) => (a < b ? -1 : 1)));
    // the active segment is untouched
    expect(after.filter((x) => x.offset >= activeBase)).toEqual(before.filter((x) => x.offset >= activeBase));
    void latest;
    // tombstones are young: kept
    expect(cleanPart.some((x) => x.value === null) || ![...latest.values()].some((l) => l.value === null && l.offset < activeBase)).toBe(true);
    // a later clean after delete.retention.ms removes the tombstones
    clock.advance(10_000);
    await cleanLog(log, 0n, { now: clock.now(), force: true });
    expect((await contents(log)).filter((x) => x.offset < activeBase && x.value === null)).toEqual([]);
    // reads by offset still work for removed offsets: they return the next batch
    for (let o = 0n; o < leo; o += 7n) {
      const got = (await log.read(o, 1, { minOneBatch: true })).records;
      expect(got.length).toBeGreaterThan(0);
      expect(new RecordBatchView(got).lastOffset >= o).toBe(true);
    }
    const final = await contents(log);
    await log.close();
    const again = await openLog(dir, cc, { clean: true });
    expect(await contents(again)).toEqual(final);
    await again.close();
  });

  test('a partly kept compressed batch is re-encoded with its codec and header fields', async () => {
    const clock = new ManualClock(50_000_000);
    const log = await openLog(dir, cc, { clock });
    const records = ['a', 'b', 'c', 'd'].map((k, i) => ({ key: k, value: `old-${i}`, timestamp: clock.now() }));
    const first = buildRecordBatch({ records, compression: CompressionType.Gzip, producerId: 9n, producerEpoch: 2, baseSequence: 0 });
    await log.appendAsLeader(first, { leaderEpoch: 3 });
    await log.appendAsLeader(kvBatch([['b', 'new'], ['d', 'new']], clock.now()), { leaderEpoch: 3 });
    for (let i = 0; i < 12; i++) await log.appendAsLeader(kvBatch([[`x${i}`, 'filler'.repeat(20)]], clock.now()), { leaderEpoch: 3 });
    log.highWatermark = log.logEndOffset;
    expect(log.segments.size).toBeGreaterThan(1);
    await cleanLog(log, 0n, { now: clock.now(), force: true });
    const v = new RecordBatchView((await log.read(0n, 10_000, { minOneBatch: true })).records);
    expect(v.isValidCrc()).toBe(true);
    expect(v.compression).toBe(CompressionType.Gzip);
    expect([v.baseOffset, v.lastOffsetDelta, v.producerId, v.producerEpoch, v.partitionLeaderEpoch]).toEqual([0n, 3, 9n, 2, 3]);
    expect(readRecords(v).map((r) => [r.offset, r.key!.toString(), r.value!.toString()])).toEqual([
      [0n, 'a', 'old-0'],
      [2n, 'c', 'old-2'],
    ]);
    await log.close();
  });

  test('not cleaned while the dirty ratio is below min.cleanable.dirty.ratio', async () => {
    const clock = new ManualClock();
    const log = await openLog(dir, { ...cc, minCleanableDirtyRatio: 0.99 }, { clock });
    await writeHistory(log, clock);
    const end = log.segments.all()[log.segments.size - 2]!.baseOffset;
    expect(await cleanLog(log, end, { now: clock.now() })).toBeNull();
    await log.close();
  });

  test.each<CleanerCrashPoint>(['after-cleaned', 'after-swap-rename', 'after-old-deleted'])(
    'a crash %s recovers to a consistent log',
    async (crashAt) => {
      const clock = new ManualClock(50_000_000);
      const log = await openLog(dir, cc, { clock });
      await writeHistory(log, clock);
      const before = await contents(log);
      await expect(cleanLog(log, 0n, { now: clock.now(), crashAt })).rejects.toThrow(/simulated crash/);
      await log.closeForDelete();
      const names = fs.readdirSync(dir);
      expect(names.some((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(SWAP_SUFFIX))).toBe(true);
      const again = await openLog(dir, cc, { clock });
      expect(fs.readdirSync(dir).some((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(SWAP_SUFFIX) || n.endsWith('.deleted'))).toBe(false);
      const after = await contents(again);
      const orig = new Map(before.map((x) => [x.offset, x]));
      for (const x of after) expect(orig.get(x.offset)).toEqual(x);
      if (crashAt === 'after-cleaned') expect(after).toEqual(before); // the swap never committed
      else expect(after.length).toBeLessThan(before.length); // the first segment's swap committed
      expect(again.logEndOffset).toBe(log.logEndOffset);
      expect(fs.existsSync(logFileName(dir, 0n))).toBe(true);
      // and the log can be cleaned to completion afterwards
      await cleanLog(again, 0n, { now: clock.now(), force: true });
      await again.close();
    },
  );
});
