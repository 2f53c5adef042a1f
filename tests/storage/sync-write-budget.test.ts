/**
 * Storage > Log > append write paths: an append of at most 1 MiB is written synchronously, up to
 * 4 MiB per event-loop turn; larger appends, and those beyond the turn's budget, are written in
 * the thread pool while later appends queue behind them. Appends made in one turn that cross
 * the budget must land whole, in order, at consecutive offsets, and survive an unclean restart.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { buildRecordBatch } from '../../protocol/records/record';
import { Log } from '../../storage/log';
import { logFileName } from '../../storage/log-file-names';
import { config, openLog, readAll, rmDir, tmpDir } from './helpers';

/** One batch of `records` records with random values totalling about `bytes`. */
function randomBatch(records: number, bytes: number): Buffer {
  const size = Math.floor(bytes / records);
  return buildRecordBatch({ records: Array.from({ length: records }, () => ({ value: crypto.randomBytes(size), timestamp: 1_700_000_000_000 })) });
}

describe('Storage > Log > appends across the synchronous write budget', () => {
  const cfg = config({ maxMessageBytes: 8 << 20 });
  const dirs: string[] = [];
  const logs: Log[] = [];
  async function open(): Promise<Log> {
    const dir = tmpDir();
    dirs.push(dir);
    const log = await openLog(dir, cfg);
    logs.push(log);
    return log;
  }
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close();
    for (const d of dirs.splice(0)) rmDir(d);
  });

  test('one turn, six partitions of 0.9 MiB: four written synchronously, the rest in the thread pool; all land', async () => {
    const parts = await Promise.all(Array.from({ length: 6 }, () => open()));
    const batches = parts.map(() => randomBatch(9, 900 * 1024));
    const pending = parts.map((l, i) => l.appendAsLeader(batches[i]!, { leaderEpoch: 0 }));
    // within the 4 MiB budget of this turn: already in the files when the calls return
    for (let i = 0; i < 4; i++) expect(fs.statSync(logFileName(dirs[i]!, 0n)).size).toBe(batches[i]!.length);
    await Promise.all(pending);
    for (let i = 0; i < parts.length; i++) {
      expect(fs.readFileSync(logFileName(dirs[i]!, 0n)).equals(batches[i]!)).toBe(true);
      expect(parts[i]!.logEndOffset).toBe(9n);
    }
  });

  test('one partition, one turn: the first append is written at once, the rest together after it, in order', async () => {
    const log = await open();
    const dir = dirs[0]!;
    const batches = [...Array.from({ length: 5 }, () => randomBatch(9, 900 * 1024)), randomBatch(3, 1536 * 1024), randomBatch(9, 900 * 1024)];
    const pending = batches.map((b) => log.appendAsLeader(b, { leaderEpoch: 0 }));
    expect(fs.statSync(logFileName(dir, 0n)).size).toBeGreaterThanOrEqual(batches[0]!.length);
    const results = await Promise.all(pending);
    let next = 0n;
    results.forEach((r, i) => {
      expect(r.firstOffset).toBe(next);
      next = r.lastOffset + 1n;
      expect(r.lastOffset - r.firstOffset + 1n).toBe(BigInt(batches[i]!.readInt32BE(57)));
    });
    const all = Buffer.concat(batches);
    expect(Buffer.concat((await readAll(log)).map((b) => b.bytes)).equals(all)).toBe(true);
    expect(fs.readFileSync(logFileName(dir, 0n)).equals(all)).toBe(true);

    await log.closeForDelete();
    logs.splice(0);
    const reopened = await openLog(dir, cfg);
    logs.push(reopened);
    expect(reopened.logEndOffset).toBe(next);
    expect(Buffer.concat((await readAll(reopened)).map((b) => b.bytes)).equals(all)).toBe(true);
  });
});
