/** Storage > ListOffsets v0's offsets before a time (Kafka's UnifiedLog.legacyFetchOffsetsBefore). */
import * as fs from 'fs';
import { ErrorCode } from '../../protocol/errors';
import { Log } from '../../storage/log';
import { ManualClock, batch, config, openLog, rmDir, tmpDir } from './helpers';

const SEC = 1_000;

describe('Storage > legacy offsets before a time', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  /** Four segments (three full, the active one with data) whose files were last modified at 1000 s, 2000 s, 3000 s and 4000 s. */
  async function fourSegments(clock: ManualClock): Promise<{ log: Log; bases: bigint[] }> {
    const log = await openLog(dir, config({ segmentBytes: 500 }), { clock });
    while (log.segments.size < 4) await log.appendAsLeader(batch(1, { valueSize: 100 }), { leaderEpoch: 0 });
    await log.appendAsLeader(batch(1, { valueSize: 100 }), { leaderEpoch: 0 });
    await log.flush();
    log.segments.all().forEach((s, i) => fs.utimesSync(s.log.file, new Date((i + 1) * 1000 * SEC), new Date((i + 1) * 1000 * SEC)));
    return { log, bases: log.segments.all().map((s) => s.baseOffset) };
  }

  test('latest: the log end then segment bases, newest first, at most maxNumOffsets', async () => {
    const clock = new ManualClock(5000 * SEC);
    const { log, bases } = await fourSegments(clock);
    const leo = log.logEndOffset;
    expect(await log.legacyOffsetsBefore(-1n, 3)).toEqual([leo, bases[3], bases[2]]);
    expect(await log.legacyOffsetsBefore(-1n, 100)).toEqual([leo, bases[3], bases[2], bases[1], 0n]);
    expect(await log.legacyOffsetsBefore(-1n, 0)).toEqual([]);
    await log.close();
  });

  test('earliest: the oldest segment only (raised to the log start offset)', async () => {
    const clock = new ManualClock(5000 * SEC);
    const { log, bases } = await fourSegments(clock);
    expect(await log.legacyOffsetsBefore(-2n, 10)).toEqual([0n]);
    log.highWatermark = log.logEndOffset;
    await log.deleteRecordsBefore(bases[1]! + 1n);
    expect(await log.legacyOffsetsBefore(-2n, 10)).toEqual([bases[1]! + 1n]);
    await log.close();
  });

  test('a time: segments last modified at or before it, newest first', async () => {
    const clock = new ManualClock(5000 * SEC);
    const { log, bases } = await fourSegments(clock);
    expect(await log.legacyOffsetsBefore(BigInt(2500 * SEC), 10)).toEqual([bases[1], 0n]);
    expect(await log.legacyOffsetsBefore(BigInt(2000 * SEC), 10)).toEqual([bases[1], 0n]);
    expect(await log.legacyOffsetsBefore(BigInt(2000 * SEC - 1), 10)).toEqual([0n]);
    expect(await log.legacyOffsetsBefore(BigInt(999 * SEC), 10)).toEqual([]);
    // the log end counts as modified now
    expect(await log.legacyOffsetsBefore(BigInt(4500 * SEC), 1)).toEqual([bases[3]]);
    expect(await log.legacyOffsetsBefore(BigInt(5000 * SEC), 1)).toEqual([log.logEndOffset]);
    await log.close();
  });

  test('an empty active segment adds no log end entry; a negative maxNumOffsets fails like Kafka', async () => {
    const log = await openLog(dir, config(), { clock: new ManualClock() });
    expect(await log.legacyOffsetsBefore(-1n, 5)).toEqual([0n]);
    await log.appendAsLeader(batch(3), { leaderEpoch: 0 });
    expect(await log.legacyOffsetsBefore(-1n, 5)).toEqual([3n, 0n]);
    await expect(log.legacyOffsetsBefore(-1n, -1)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_SERVER_ERROR });
    await log.close();
  });
});
