/**
 * Storage > segment.jitter.ms (each active segment rolls up to the jitter before segment.ms) and
 * the cleaner's schedule (log.cleaner.enable, log.cleaner.backoff.ms read before every wait).
 */
import { randomSegmentJitterMs } from '../../storage/segment-roll';
import { LogManager } from '../../storage/log-manager';
import { ManualClock, config, kvBatch, openLog, rmDir, tmpDir } from './helpers';

describe('Storage > segment jitter and cleaner schedule', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmDir(dir));

  test('the jitter is drawn below min(segment.jitter.ms, segment.ms), and 0 without jitter', () => {
    expect(randomSegmentJitterMs(config({ segmentMs: 1000, segmentJitterMs: 0 }), () => 0.99)).toBe(0);
    expect(randomSegmentJitterMs(config({ segmentMs: 1000, segmentJitterMs: 400 }), () => 0.99)).toBe(396);
    expect(randomSegmentJitterMs(config({ segmentMs: 300, segmentJitterMs: 400 }), () => 0.5)).toBe(150);
    expect(randomSegmentJitterMs(config({ segmentMs: 300, segmentJitterMs: 400 }), () => 0)).toBe(0);
  });

  test('with segment.jitter.ms set, segments roll before segment.ms; without, only after it', async () => {
    const rollsBefore = async (jitterMs: number): Promise<boolean> => {
      const d = tmpDir();
      const clock = new ManualClock(10_000_000);
      const random = Math.random;
      Math.random = () => 0.999; // the active segment draws 0.999 * min(jitter, segment.ms) when the log opens
      const log = await openLog(d, config({ segmentMs: 10_000, segmentJitterMs: jitterMs }), { clock });
      let rolled = false;
      try {
        await log.appendAsLeader(kvBatch([['a', '1']], clock.now()), { leaderEpoch: 0 });
        const segs = log.segments.size;
        clock.t += 6_000; // past segment.ms minus the drawn jitter (~9990), below segment.ms
        await log.appendAsLeader(kvBatch([['a', '3']], clock.now()), { leaderEpoch: 0 });
        rolled = log.segments.size > segs;
      } finally {
        Math.random = random;
        await log.close();
        rmDir(d);
      }
      return rolled;
    };
    expect(await rollsBefore(9_990)).toBe(true);
    expect(await rollsBefore(0)).toBe(false);
  });

  test('log.cleaner.enable=false never runs the cleaner; the backoff is read before each wait', async () => {
    const runs = async (opts: { cleanerEnabled?: boolean; backoff: () => number }, advanceMs: number[]): Promise<number> => {
      const clock = new ManualClock(5_000_000);
      const m = await LogManager.open({ logDirs: [dir], defaultConfig: config(), clock, cleanerEnabled: opts.cleanerEnabled, cleanerBackoffMs: opts.backoff });
      let n = 0;
      m.runCleaner = async () => (n++, 0);
      m.startBackgroundTasks();
      for (const ms of advanceMs) {
        clock.advance(ms);
        await new Promise((r) => setTimeout(r, 20));
      }
      await m.shutdown();
      return n;
    };
    expect(await runs({ backoff: () => 1000 }, [1000, 1000])).toBe(2);
    expect(await runs({ cleanerEnabled: false, backoff: () => 1000 }, [1000, 1000, 1000])).toBe(0);
    // the backoff grows after the first pass: the second pass waits the new value
    let calls = 0;
    expect(await runs({ backoff: () => (calls++ === 0 ? 1000 : 5000) }, [1000, 1000, 1000])).toBe(1);
  });
});
