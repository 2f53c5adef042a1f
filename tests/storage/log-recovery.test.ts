/** Storage > Log > recovery: torn and corrupted tails, zeroed/garbage indexes, clean vs unclean start. */
import * as fs from 'fs';
import { loadLog, LoadStats } from '../../storage/log-loader';
import { Log } from '../../storage/log';
import { indexFileName, logFileName, timeIndexFileName } from '../../storage/log-file-names';
import { NOOP_LOGGER } from '../../storage/types';
import { ManualClock, batch, config, openLog, readAll, rmDir, tmpDir } from './helpers';

const cfg = config({ segmentBytes: 6000, indexIntervalBytes: 200, segmentIndexBytes: 800 });

async function filled(dir: string, n = 40): Promise<{ log: Log; bufs: Buffer[] }> {
  const log = await openLog(dir, cfg);
  const bufs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const b = batch(1 + (i % 3), { tag: `x${i}`, valueSize: 50 + (i % 5) * 20 });
    bufs.push(b);
    await log.appendAsLeader(b, { leaderEpoch: 1 + Math.floor(i / 10) });
  }
  return { log, bufs };
}

/** Simulates a crash: files stay as they are (indexes of the active segment never written). */
async function crash(log: Log): Promise<void> {
  await log.closeForDelete();
}

async function reopen(dir: string, opts: { clean?: boolean; recoveryPoint?: bigint } = {}): Promise<{ log: Log; stats: LoadStats }> {
  const stats: LoadStats = { recoveredSegments: 0, truncatedBytes: 0, scannedBytes: 0 };
  const log = await loadLog(
    { dir, topicPartition: { topic: 't', partition: 0 }, config: cfg, clock: new ManualClock(), logger: NOOP_LOGGER, cleanShutdown: opts.clean ?? false, recoveryPoint: opts.recoveryPoint },
    stats,
  );
  return { log, stats };
}

/** Every offset reads back the batch containing it (indexes consistent with the data). */
async function checkConsistent(log: Log, bufs: Buffer[]): Promise<void> {
  const all = await readAll(log);
  expect(all.length).toBe(bufs.length);
  all.forEach((b, i) => expect(b.bytes.equals(bufs[i]!)).toBe(true));
  for (const b of all) {
    for (let o = b.base; o <= b.last; o++) {
      const r = await log.read(o, 1, { minOneBatch: true });
      expect(r.records.readBigInt64BE(0)).toBe(b.base);
    }
  }
}

describe('Storage > Log > recovery', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('a log cut mid-batch recovers to the last whole batch and appends continue there', async () => {
    const { log, bufs } = await filled(dir);
    const active = log.segments.active();
    const file = active.log.file;
    const leo = log.logEndOffset;
    await crash(log);
    fs.truncateSync(file, fs.statSync(file).size - 17);
    const { log: l2, stats } = await reopen(dir);
    expect(stats.truncatedBytes).toBe(bufs[bufs.length - 1]!.length - 17);
    const lost = bufs.pop()!;
    expect(l2.logEndOffset).toBe(leo - BigInt(lost.readInt32BE(57)));
    await checkConsistent(l2, bufs);
    const b = batch(2);
    const info = await l2.appendAsLeader(b, { leaderEpoch: 9 });
    expect(info.firstOffset).toBe(l2.logEndOffset - 2n);
    bufs.push(b);
    await checkConsistent(l2, bufs);
    await l2.close();
  });

  test('a flipped bit in a middle segment truncates there and drops later segments', async () => {
    const { log, bufs } = await filled(dir, 90);
    const segs = log.segments.all();
    expect(segs.length).toBeGreaterThanOrEqual(3);
    const victim = segs[1]!;
    await crash(log);
    // corrupt the 3rd batch of segment 1 (inside its CRC-covered bytes)
    const data = fs.readFileSync(victim.log.file);
    let at = 0;
    for (let k = 0; k < 2; k++) at += data.readInt32BE(at + 8) + 12;
    const badBase = data.readBigInt64BE(at);
    data[at + 70] = data[at + 70]! ^ 0x10;
    fs.writeFileSync(victim.log.file, data);
    const { log: l2 } = await reopen(dir);
    expect(l2.logEndOffset).toBe(badBase);
    expect(l2.segments.size).toBe(2);
    expect(fs.existsSync(logFileName(dir, segs[2]!.baseOffset))).toBe(false);
    const keep = bufs.filter((b) => b.readBigInt64BE(0) < badBase);
    await checkConsistent(l2, keep);
    expect(l2.latestEpoch()).toBe(l2.epochCache.epochForOffset(badBase - 1n));
    await l2.close();
  });

  test('zeros after the last batch (preallocated tail) are cut', async () => {
    const { log, bufs } = await filled(dir, 10);
    const file = log.segments.active().log.file;
    await crash(log);
    fs.appendFileSync(file, Buffer.alloc(4096));
    const { log: l2, stats } = await reopen(dir);
    expect(stats.truncatedBytes).toBe(4096);
    await checkConsistent(l2, bufs);
    await l2.close();
  });

  test('zeroed preallocated indexes are rebuilt (unclean) or treated as empty (clean)', async () => {
    const { log, bufs } = await filled(dir, 40);
    await log.close();
    for (const s of log.segments.all()) {
      fs.writeFileSync(indexFileName(dir, s.baseOffset), Buffer.alloc(800));
      fs.writeFileSync(timeIndexFileName(dir, s.baseOffset), Buffer.alloc(804));
    }
    const { log: clean } = await reopen(dir, { clean: true });
    await checkConsistent(clean, bufs);
    await clean.closeForDelete();
    const { log: unclean, stats } = await reopen(dir);
    expect(stats.recoveredSegments).toBe(unclean.segments.size);
    await checkConsistent(unclean, bufs);
    expect(unclean.segments.all()[0]!.offsetIndex.entries).toBeGreaterThan(0);
    await unclean.close();
  });

  test('garbage index of an old segment is detected and rebuilt on clean start', async () => {
    const { log, bufs } = await filled(dir, 40);
    await log.close();
    const first = log.segments.all()[0]!;
    fs.writeFileSync(indexFileName(dir, first.baseOffset), Buffer.from('0123456789abcdef'));
    fs.rmSync(timeIndexFileName(dir, first.baseOffset));
    const { log: l2 } = await reopen(dir, { clean: true });
    await checkConsistent(l2, bufs);
    expect(l2.segments.all()[0]!.offsetIndex.entries).toBeGreaterThan(0);
    await l2.close();
  });

  test('clean start scans nothing; unclean start scans only from the recovery point', async () => {
    const { log, bufs } = await filled(dir, 60);
    const segs = log.segments.all().map((s) => s.baseOffset);
    await log.close();
    const { log: c, stats: cs } = await reopen(dir, { clean: true });
    expect(cs.recoveredSegments).toBe(0);
    expect(c.logEndOffset).toBe(log.logEndOffset);
    expect(c.segments.all()[0]!.isLoaded).toBe(false); // old segments untouched until read
    await c.closeForDelete();
    const rp = segs[segs.length - 2]! + 1n;
    const { log: u, stats: us } = await reopen(dir, { recoveryPoint: rp });
    expect(us.recoveredSegments).toBe(2);
    await checkConsistent(u, bufs);
    await u.close();
  });

  test('in the segment holding the recovery point only the bytes after its last index entry are checked', async () => {
    const big = config({ indexIntervalBytes: 200 });
    const log = await openLog(dir, big);
    const bufs: Buffer[] = [];
    const add = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const b = batch(2, { tag: `y${bufs.length}`, valueSize: 80 });
        bufs.push(b);
        await log.appendAsLeader(b, { leaderEpoch: 1 });
      }
    };
    await add(40);
    await log.flush();
    const rp = log.recoveryPoint;
    expect(rp).toBe(log.logEndOffset);
    await add(5);
    const size = log.segments.active().size;
    const file = log.segments.active().log.file;
    await crash(log);
    const { log: l2, stats } = await reopen(dir, { recoveryPoint: rp });
    expect(stats.recoveredSegments).toBe(1);
    expect(stats.scannedBytes).toBeLessThan(size / 2);
    expect(stats.scannedBytes).toBeGreaterThanOrEqual(5 * bufs[0]!.length);
    await checkConsistent(l2, bufs);
    await l2.closeForDelete();
    // a torn batch after the recovery point is still found
    const data = fs.readFileSync(file);
    const victim = data.length - bufs[0]!.length * 2 + 70;
    data[victim] = data[victim]! ^ 0xff;
    fs.writeFileSync(file, data);
    const { log: l3 } = await reopen(dir, { recoveryPoint: rp });
    expect(l3.logEndOffset).toBe(rp + 6n);
    await checkConsistent(l3, bufs.slice(0, 43));
    await l3.close();
  });

  test('a missing active segment file set restarts at the log start', async () => {
    const l = await openLog(dir, cfg, { logStartOffset: 500n });
    expect(l.logEndOffset).toBe(500n);
    expect(l.logStartOffset).toBe(500n);
    const info = await l.appendAsLeader(batch(1), { leaderEpoch: 0 });
    expect(info.firstOffset).toBe(500n);
    await l.close();
    expect(fs.existsSync(logFileName(dir, 500n))).toBe(true);
  });
});
