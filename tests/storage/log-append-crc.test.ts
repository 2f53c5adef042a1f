/**
 * Storage > Log > append: the CRC-32C of a single-batch append is checked while its write is
 * in flight. A bad CRC must be refused with CORRUPT_MESSAGE and leave no trace: not in
 * reads, not in the file (its bytes are cut off before any later append lands), not after a
 * restart; later appends get the refused append's offsets and succeed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { FileRecords } from '../../storage/file-records';
import { Log } from '../../storage/log';
import { logFileName } from '../../storage/log-file-names';
import { LogAppendInfo } from '../../storage/types';
import { batch, config, openLog, readAll, rmDir, tmpDir } from './helpers';

function corrupt(b: Buffer): Buffer {
  const bad = Buffer.from(b);
  bad[bad.length - 1]! ^= 0x01; // last record byte: inside the CRC-covered region
  return bad;
}

async function outcome(p: Promise<LogAppendInfo>): Promise<LogAppendInfo | ErrorCode> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}

function logFile(dir: string): string {
  return logFileName(dir, 0n);
}

describe('Storage > Log > append with a bad CRC', () => {
  let dir: string;
  let log: Log;
  beforeEach(async () => {
    dir = tmpDir();
    // batches over 1 MiB (written through the thread pool, see FileRecords.writeAt) must be allowed
    log = await openLog(dir, config({ maxMessageBytes: 8 << 20 }));
  });
  afterEach(async () => {
    await log.close();
    rmDir(dir);
  });

  test('refused while its write is in flight: no trace in reads or on disk; the next append reuses its offsets', async () => {
    const good = [batch(2, { tag: 'a' }), batch(3, { tag: 'b' }), batch(1, { tag: 'c' })];
    await log.appendAsLeader(good[0]!, { leaderEpoch: 0 });
    const sizeBefore = fs.statSync(logFile(dir)).size;
    // the queue is idle: the bad batch's write is issued before its CRC is checked (over 1 MiB,
    // so it goes to the thread pool and is still in flight while the next append arrives)
    const bad = log.appendAsLeader(corrupt(batch(50, { valueSize: 25_000 })), { leaderEpoch: 0 });
    // appended in the same tick, while the bad bytes may be in the file: queued behind their removal
    const next = log.appendAsLeader(good[1]!, { leaderEpoch: 0 });
    expect(log.logEndOffset).toBe(2n);
    expect((await log.read(2n, 1 << 20, { minOneBatch: true })).records.length).toBe(0);
    expect(await outcome(bad)).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(await outcome(next)).toMatchObject({ firstOffset: 2n, lastOffset: 4n });
    expect((await log.appendAsLeader(good[2]!, { leaderEpoch: 0 })).firstOffset).toBe(5n);

    const all = await readAll(log);
    expect(all.map((b) => [b.base, b.last])).toEqual([[0n, 1n], [2n, 4n], [5n, 5n]]);
    const onDisk = fs.readFileSync(logFile(dir));
    expect(onDisk.equals(Buffer.concat(good))).toBe(true);
    expect(onDisk.length).toBe(sizeBefore + good[1]!.length + good[2]!.length);
    expect(log.size()).toBe(onDisk.length);

    // and after an unclean restart (full recovery scan) the log is the same
    await log.closeForDelete();
    log = await openLog(dir, config({ maxMessageBytes: 8 << 20 }));
    expect(log.logEndOffset).toBe(6n);
    expect(Buffer.concat((await readAll(log)).map((b) => b.bytes)).equals(Buffer.concat(good))).toBe(true);
  });

  test('a bad batch in the middle of a group commit is refused alone; earlier and later appends land', async () => {
    // 20 appends in one tick: the first (over 1 MiB, so written through the thread pool) is
    // issued at once, the others wait and are written together; every 5th has a bad CRC (one
    // of them is the very first)
    const bufs = Array.from({ length: 20 }, (_, i) => batch(1 + (i % 4), { tag: `g${i}` }));
    const sent = bufs.map((b, i) => (i % 5 === 0 ? corrupt(batch(2, { valueSize: 600_000 })) : b));
    const results = await Promise.all(sent.map((b) => outcome(log.appendAsLeader(b, { leaderEpoch: 1 }))));
    let next = 0n;
    const kept: Buffer[] = [];
    results.forEach((r, i) => {
      if (i % 5 === 0) {
        expect(r).toBe(ErrorCode.CORRUPT_MESSAGE);
        return;
      }
      expect(r).toMatchObject({ firstOffset: next });
      next = (r as LogAppendInfo).lastOffset + 1n;
      kept.push(bufs[i]!);
    });
    expect(log.logEndOffset).toBe(next);
    const all = await readAll(log);
    expect(Buffer.concat(all.map((b) => b.bytes)).equals(Buffer.concat(kept))).toBe(true);
    expect(fs.readFileSync(logFile(dir)).equals(Buffer.concat(kept))).toBe(true);
    // a bad batch once the queue is idle again, then more appends
    expect(await outcome(log.appendAsLeader(corrupt(batch(3, { valueSize: 500 })), { leaderEpoch: 1 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const last = batch(2);
    expect((await log.appendAsLeader(last, { leaderEpoch: 1 })).firstOffset).toBe(next);
    expect(fs.readFileSync(logFile(dir)).equals(Buffer.concat([...kept, last]))).toBe(true);
    expect(log.latestEpoch()).toBe(1);
  });

  test('a refused first append leaves an empty log and no leader epoch', async () => {
    expect(await outcome(log.appendAsLeader(corrupt(batch(4)), { leaderEpoch: 9 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.logEndOffset).toBe(0n);
    expect(log.latestEpoch()).toBeNull();
    expect(fs.statSync(logFile(dir)).size).toBe(0);
    expect((await log.appendAsLeader(batch(1), { leaderEpoch: 2 })).firstOffset).toBe(0n);
    expect(log.latestEpoch()).toBe(2);
  });

  test('follower appends: a bad CRC is refused the same way', async () => {
    // leader-assigned base offset and epoch (both outside the CRC)
    const led = (b: Buffer, base: bigint): Buffer => {
      b.writeBigInt64BE(base, 0);
      b.writeInt32BE(4, 12);
      return b;
    };
    const f0 = led(batch(2), 0n);
    await log.appendAsFollower(f0);
    expect(await outcome(log.appendAsFollower(led(corrupt(batch(3, { valueSize: 400 })), 2n)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const f1 = led(batch(3), 2n);
    expect(await outcome(log.appendAsFollower(f1))).toMatchObject({ firstOffset: 2n, lastOffset: 4n });
    expect(fs.readFileSync(logFile(dir)).equals(Buffer.concat([f0, f1]))).toBe(true);
    expect(log.latestEpoch()).toBe(4);
  });

  test('a bad CRC that forces a segment roll is refused before the roll', async () => {
    const small = await openLog(tmpDir(), config({ segmentBytes: 300 }));
    try {
      await small.appendAsLeader(batch(1, { valueSize: 150 }), { leaderEpoch: 0 });
      expect(await outcome(small.appendAsLeader(corrupt(batch(1, { valueSize: 150 })), { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(small.segments.all().length).toBe(1);
      expect((await small.appendAsLeader(batch(1, { valueSize: 150 }), { leaderEpoch: 0 })).firstOffset).toBe(1n);
      expect(small.segments.all().length).toBe(2);
    } finally {
      await small.close();
      rmDir(small.dir);
    }
  });

  test('if the bad bytes cannot be cut off, the append is refused and the log goes offline', async () => {
    await log.appendAsLeader(batch(1), { leaderEpoch: 0 });
    const seg = log.segments.active();
    const truncate = jest.spyOn(FileRecords.prototype, 'truncate').mockImplementation(function (this: FileRecords) {
      return this === seg.log ? Promise.reject(new Error('EIO (injected)')) : Promise.resolve();
    });
    try {
      expect(await outcome(log.appendAsLeader(corrupt(batch(2)), { leaderEpoch: 0 }))).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(await outcome(log.appendAsLeader(batch(1), { leaderEpoch: 0 }))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(log.logEndOffset).toBe(1n);
    } finally {
      truncate.mockRestore();
    }
    // recovery drops the bad tail that is still in the file
    await log.closeForDelete();
    expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBeGreaterThan(batch(1).length);
    log = await openLog(dir);
    expect(log.logEndOffset).toBe(1n);
    expect((await readAll(log)).length).toBe(1);
  });
});
