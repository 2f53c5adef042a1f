/** Storage > LogManager: log dirs, checkpoints, clean shutdown marker, create/delete, background tasks. */
import * as fs from 'fs';
import * as path from 'path';
import { LogManager } from '../../storage/log-manager';
import { CLEAN_SHUTDOWN_MARKER } from '../../storage/log-file-names';
import { ManualClock, batch, config, openLog, readAll, rmDir, tmpDir } from './helpers';

describe('Storage > LogManager', () => {
  let root: string;
  let dirs: string[];
  beforeEach(() => {
    root = tmpDir();
    dirs = [path.join(root, 'a'), path.join(root, 'b')];
  });
  afterEach(() => rmDir(root));

  test('spreads logs over log dirs, writes meta.properties and checkpoints, reloads after a clean shutdown without scanning', async () => {
    const cfg = config({ segmentBytes: 2000 });
    const m = await LogManager.open({ logDirs: dirs, defaultConfig: cfg, brokerId: 1, clusterId: 'c1' });
    const logs = await Promise.all([0, 1, 2, 3].map((p) => m.getOrCreateLog('orders', p, cfg)));
    expect(new Set(logs.map((l) => m.logDirOf(l))).size).toBe(2);
    expect(await m.getOrCreateLog('orders', 0, cfg)).toBe(logs[0]);
    for (const l of logs) for (let i = 0; i < 20; i++) await l.appendAsLeader(batch(2, { valueSize: 50 }), { leaderEpoch: 1 });
    logs[0]!.highWatermark = 30n;
    await logs[1]!.deleteRecordsBefore(4n);
    await m.shutdown();
    for (const d of dirs) {
      expect(fs.readFileSync(path.join(d, 'meta.properties'), 'utf8')).toMatch(/broker\.id=1/);
      expect(fs.existsSync(path.join(d, CLEAN_SHUTDOWN_MARKER))).toBe(true);
      expect(fs.readFileSync(path.join(d, 'recovery-point-offset-checkpoint'), 'utf8')).toMatch(/^0\n2\norders \d 40\norders \d 40\n$/);
    }
    const m2 = await LogManager.open({ logDirs: dirs, defaultConfig: cfg, brokerId: 1, clusterId: 'c1' });
    expect(m2.startupStats).toMatchObject({ logs: 4, cleanDirs: 2, recoveredSegments: 0 });
    for (const d of dirs) expect(fs.existsSync(path.join(d, CLEAN_SHUTDOWN_MARKER))).toBe(false);
    expect(m2.getLog('orders', 0)!.highWatermark).toBe(30n);
    expect(m2.getLog('orders', 1)!.logStartOffset).toBe(4n);
    expect(m2.getLog('orders', 2)!.logEndOffset).toBe(40n);
    expect((await readAll(m2.getLog('orders', 3)!)).length).toBe(20);
    await expect(LogManager.open({ logDirs: dirs, defaultConfig: cfg, brokerId: 2 })).rejects.toThrow(/broker.id/);
    await m2.shutdown();
  });

  test('an unclean start recovers from the checkpointed recovery point', async () => {
    const cfg = config({ segmentBytes: 1000 });
    const m = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg });
    const log = await m.getOrCreateLog('t', 0, cfg);
    for (let i = 0; i < 30; i++) await log.appendAsLeader(batch(2, { valueSize: 50 }), { leaderEpoch: 1 });
    await log.flush();
    await m.checkpoint();
    const rpFile = path.join(dirs[0]!, 'recovery-point-offset-checkpoint');
    expect(fs.readFileSync(rpFile, 'utf8')).toBe('0\n1\nt 0 60\n');
    await log.truncateTo(50n); // lowering the recovery point rewrites the checkpoint at once
    expect(log.logEndOffset).toBe(50n);
    expect(fs.readFileSync(rpFile, 'utf8')).toBe('0\n1\nt 0 50\n');
    for (let i = 0; i < 10; i++) await log.appendAsLeader(batch(2, { valueSize: 50 }), { leaderEpoch: 1 });
    await log.closeForDelete(); // crash: no marker, no final checkpoint
    const m2 = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg });
    expect(m2.startupStats.cleanDirs).toBe(0);
    expect(m2.startupStats.recoveredSegments).toBeGreaterThanOrEqual(1);
    expect(m2.startupStats.recoveredSegments).toBeLessThan(log.segments.size);
    expect(m2.getLog('t', 0)!.logEndOffset).toBe(70n);
    await m2.shutdown();
  });

  test('deleteLog removes the directory; background retention runs on the clock', async () => {
    const clock = new ManualClock(5_000_000);
    const cfg = config({ segmentBytes: 500, retentionMs: 1000 });
    const m = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg, clock, retentionCheckIntervalMs: 100 });
    const a = await m.getOrCreateLog('a', 0, cfg);
    const b = await m.getOrCreateLog('b', 0, cfg);
    for (let i = 0; i < 20; i++) await a.appendAsLeader(batch(1, { ts: 5_000_000, valueSize: 100 }), { leaderEpoch: 0 });
    a.highWatermark = a.logEndOffset;
    await b.appendAsLeader(batch(1), { leaderEpoch: 0 });
    await m.deleteLog('b', 0);
    expect(m.getLog('b', 0)).toBeUndefined();
    expect(fs.existsSync(path.join(dirs[0]!, 'b-0'))).toBe(false);
    m.startBackgroundTasks();
    const segs = a.segments.size;
    clock.advance(2000);
    for (let i = 0; i < 50 && a.segments.size === segs; i++) await new Promise((r) => setTimeout(r, 10));
    expect(a.segments.size).toBe(1);
    await m.shutdown();
    const m2 = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg });
    expect(m2.allLogs().map((l) => l.topicPartition.topic)).toEqual(['a']);
    expect(m2.getLog('a', 0)!.logStartOffset).toBe(a.logStartOffset);
    await m2.shutdown();
  });

  test('high watermarks are checkpointed on their own interval (replica.high.watermark.checkpoint.interval.ms)', async () => {
    const clock = new ManualClock(5_000_000);
    const cfg = config();
    const m = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg, clock, checkpointIntervalMs: 3_600_000, highWatermarkCheckpointIntervalMs: 100 });
    const a = await m.getOrCreateLog('hw', 0, cfg);
    for (let i = 0; i < 3; i++) await a.appendAsLeader(batch(1), { leaderEpoch: 0 });
    a.highWatermark = 2n;
    m.startBackgroundTasks();
    const file = path.join(dirs[0]!, 'replication-offset-checkpoint');
    const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    expect(read()).not.toContain('hw 0 2');
    clock.advance(100);
    for (let i = 0; i < 50 && !read().includes('hw 0 2'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(read()).toContain('hw 0 2');
    // the other checkpoints wait for their own (hour-long) interval
    expect(fs.existsSync(path.join(dirs[0]!, 'recovery-point-offset-checkpoint'))).toBe(false);
    await m.shutdown();
  });

  test('a log without a checkpointed high watermark starts with the HW at its log start, not its end', async () => {
    const cfg = config();
    const m = await LogManager.open({ logDirs: [dirs[0]!], defaultConfig: cfg });
    const a = await m.getOrCreateLog('nohw', 0, cfg);
    for (let i = 0; i < 3; i++) await a.appendAsLeader(batch(1), { leaderEpoch: 0 });
    await a.close();
    const reopened = await openLog(path.join(dirs[0]!, 'nohw-0'));
    expect(reopened.logEndOffset).toBe(3n);
    expect(reopened.highWatermark).toBe(0n);
    await reopened.close();
    await m.shutdown().catch(() => undefined);
  });
});
