/**
 * Replication > pieces: the truncation rule (truncation.ts) on a real Log's epoch cache, the
 * per-partition operation chain (fetch-state.ts) and the records prepared for an append.
 */
import type { Log } from '../../storage/log';
import type { FollowerReplica } from '../../replication/follower-replica';
import { recordsToAppend } from '../../replication/fetch-builder';
import { PartitionFetchState } from '../../replication/fetch-state';
import { truncationTarget } from '../../replication/truncation';
import { LogReplica, appendAsLeader, openTestLog, rmDir, sleep, tmpDir } from './helpers';
import { batch } from '../storage/helpers';

describe('Replication > truncationTarget', () => {
  let dir: string;
  let log: Log;
  let replica: LogReplica;

  beforeAll(async () => {
    dir = tmpDir('gregor-replication-');
    log = await openTestLog(dir, 't', 0);
    // epochs: 1 -> [0,4), 3 -> [4,10), 5 -> [10,12); LEO 12
    await appendAsLeader(log, 1, 2);
    await appendAsLeader(log, 3, 3);
    await appendAsLeader(log, 5, 1);
    replica = new LogReplica(log, 't', 0, 'AAAAAAAAAAAAAAAAAAAAAQ', 5);
    replica.hw = 7n;
  });

  afterAll(async () => {
    await log.close();
    rmDir(dir);
  });

  test.each([
    // [leader epoch, leader end offset, expected offset, complete]
    ['same epoch, leader ended it earlier', 3, 8n, 8n, true],
    ['same epoch, we ended it earlier', 3, 20n, 10n, true],
    ['same (latest) epoch, leader ahead: keep our end', 5, 30n, 12n, true],
    ['epoch we never had: cut to the end of our smaller one, ask again', 4, 11n, 10n, false],
    ['epoch we never had, leader end below ours: bounded by the leader', 4, 9n, 9n, false],
    ['epoch below all of ours: our first epoch start bounds it', 0, 3n, 0n, true],
    ['UNDEFINED epoch with an offset: min(leader end, LEO)', -1, 9n, 9n, true],
    ['UNDEFINED epoch with an offset beyond us: keep', -1, 99n, 12n, true],
    ['UNDEFINED offset: fall back to the high watermark', -1, -1n, 7n, true],
  ])('%s', (_name, epoch, end, offset, complete) => {
    expect(truncationTarget(replica, epoch as number, end as bigint)).toEqual({ offset, complete });
  });

  test('UNDEFINED offset without a high watermark on the replica: keep the log', () => {
    const noHw: FollowerReplica = {
      topic: 't',
      partition: 0,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      leaderEpoch: 5,
      logStartOffset: () => 0n,
      logEndOffset: () => 12n,
      latestEpoch: () => 5,
      endOffsetForEpoch: () => null,
      appendAsFollower: async () => undefined,
      truncateTo: async () => undefined,
      truncateFullyAndStartAt: async () => undefined,
      updateFromLeader: () => undefined,
    };
    expect(truncationTarget(noHw, -1, -1n)).toEqual({ offset: 12n, complete: true });
  });
});

describe('Replication > PartitionFetchState', () => {
  const replica = { topic: 't', partition: 3 } as unknown as LogReplica;

  test('operations run one at a time; after deactivate none starts, and its promise waits for the running one', async () => {
    const s = new PartitionFetchState(replica, 7);
    const events: string[] = [];
    const first = s.run(async () => {
      events.push('first start');
      await sleep(80);
      events.push('first end');
      return 1;
    });
    const second = s.run(async () => {
      events.push('second');
      return 2;
    });
    await sleep(10);
    const stopped = s.deactivate().then(() => events.push('deactivated'));
    await expect(first).resolves.toEqual({ ran: true, value: 1 });
    await expect(second).resolves.toEqual({ ran: false });
    await stopped;
    expect(events).toEqual(['first start', 'first end', 'deactivated']);
    await expect(s.run(async () => 3)).resolves.toEqual({ ran: false });
  });

  test('an inherited chain delays the first operation; a failing operation rejects its caller only', async () => {
    let release!: () => void;
    const inherited = new Promise<void>((r) => (release = r));
    const s = new PartitionFetchState(replica, 0, inherited);
    let ran = false;
    const p = s.run(async () => {
      ran = true;
    });
    await sleep(20);
    expect(ran).toBe(false);
    release();
    await p;
    expect(ran).toBe(true);
    await expect(s.run(() => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    await expect(s.run(async () => 'next')).resolves.toEqual({ ran: true, value: 'next' });
  });

  test('back-off: delay() does not extend a running back-off', () => {
    const s = new PartitionFetchState(replica, 0);
    expect(s.isDelayed(1000)).toBe(false);
    s.delay(1000, 100);
    expect(s.isDelayed(1099)).toBe(true);
    s.delay(1050, 100);
    expect(s.delayLeft(1050)).toBe(50);
    expect(s.isDelayed(1100)).toBe(false);
  });
});

describe('Replication > recordsToAppend', () => {
  test('drops a trailing batch cut short, returns a subarray of the received bytes, keeps malformed data for the log to refuse', () => {
    const a = batch(2);
    const b = batch(3);
    const whole = Buffer.concat([a, b]);
    expect(recordsToAppend(whole)).toBe(whole);
    const cut = whole.subarray(0, a.length + 20);
    const out = recordsToAppend(cut);
    expect(out.length).toBe(a.length);
    expect(out.buffer).toBe(cut.buffer); // no copy
    expect(recordsToAppend(null).length).toBe(0);
    const garbage = Buffer.concat([a, Buffer.alloc(70, 0xff)]);
    expect(recordsToAppend(garbage)).toBe(garbage);
  });
});
