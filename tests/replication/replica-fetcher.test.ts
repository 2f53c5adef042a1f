/**
 * Replication > ReplicaFetcher: followers backed by real storage Logs copy an in-memory leader
 * (FakeLeader, also over real Logs): catch-up, KIP-101/279 truncation after failovers,
 * KIP-320 diverging epochs, out-of-range resets, back-off on partition and connection errors,
 * failing appends.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { systemClock } from '../../storage/clock';
import type { Log } from '../../storage/log';
import { ReplicaFetcherManager } from '../../replication/replica-fetcher-manager';
import { CaptureLogger, FakeLeader, LogReplica, TEST_CONFIG, appendAsLeader, batchesOf, openTestLog, rmDir, sleep, tmpDir, waitFor } from './helpers';

jest.setTimeout(20_000);

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const LEADER = { brokerId: 1, host: 'leader-1', port: 9092 };
const FOLLOWER_ID = 2;

describe('Replication > ReplicaFetcher', () => {
  let dir: string;
  let logs: Log[];
  let leader: FakeLeader;
  let logger: CaptureLogger;
  let manager: ReplicaFetcherManager;

  beforeEach(() => {
    dir = tmpDir('gregor-replication-');
    logs = [];
    leader = new FakeLeader();
    logger = new CaptureLogger();
    manager = new ReplicaFetcherManager({
      brokerId: FOLLOWER_ID,
      numFetchers: 1,
      endpointFor: () => leader.open(),
      config: TEST_CONFIG,
      clock: systemClock,
      logger,
    });
  });

  afterEach(async () => {
    await manager.shutdown();
    for (const l of logs) await l.close();
    rmDir(dir);
  });

  async function newLog(topic = 't', partition = 0): Promise<Log> {
    const l = await openTestLog(dir, topic, partition);
    logs.push(l);
    return l;
  }

  /** Leader partition at `epoch`, built by `fill`; follower replica (own log, built by `fillFollower`) at the same epoch. */
  async function setup(opts: { epoch: number; fill?: (l: Log) => Promise<void>; fillFollower?: (l: Log) => Promise<void>; topic?: string; partition?: number }) {
    const topic = opts.topic ?? 't';
    const partition = opts.partition ?? 0;
    const leaderLog = await newLog(topic, partition);
    if (opts.fill) await opts.fill(leaderLog);
    leader.add(topic, partition, TOPIC_ID, leaderLog, opts.epoch);
    const followerLog = await newLog(topic, partition);
    if (opts.fillFollower) await opts.fillFollower(followerLog);
    const replica = new LogReplica(followerLog, topic, partition, TOPIC_ID, opts.epoch);
    return { leaderLog, followerLog, replica };
  }

  const caughtUp = (r: LogReplica, l: Log) => () => r.logEndOffset() === l.logEndOffset && r.hw === l.logEndOffset;
  const truncations = (r: LogReplica) => r.calls.filter((c) => c.startsWith('truncate'));

  async function expectSameLog(follower: Log, leaderLog: Log): Promise<void> {
    const a = await batchesOf(follower);
    const b = await batchesOf(leaderLog);
    expect(a.map((x) => [x.base, x.last, x.epoch])).toEqual(b.map((x) => [x.base, x.last, x.epoch]));
    expect(Buffer.concat(a.map((x) => x.bytes)).equals(Buffer.concat(b.map((x) => x.bytes)))).toBe(true);
    expect(follower.latestEpoch()).toBe(leaderLog.latestEpoch());
  }

  test('catches up from an empty log, byte for byte, with the configured Fetch fields, then follows new appends', async () => {
    const { leaderLog, followerLog, replica } = await setup({
      epoch: 1,
      fill: async (l) => {
        await appendAsLeader(l, 0, 6);
        await appendAsLeader(l, 1, 4);
      },
    });
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    await expectSameLog(followerLog, leaderLog);
    expect(leader.epochQueries).toEqual([]); // an empty log has no epoch to ask about
    expect(truncations(replica)).toEqual([]);
    expect(leader.fetches.length).toBeGreaterThan(3); // 400-byte partition limit: several rounds

    const req = leader.fetches.find((r) => r.topics[0]!.partitions[0]!.fetchOffset > 0n)!;
    expect(req).toMatchObject({ replicaId: -1, maxWaitMs: 40, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1 });
    expect(req.replicaState.replicaId).toBe(FOLLOWER_ID);
    expect(req.topics).toHaveLength(1);
    expect(req.topics[0]!.topicId).toBe(TOPIC_ID);
    const p = req.topics[0]!.partitions[0]!;
    expect(p).toMatchObject({ partition: 0, currentLeaderEpoch: 1, partitionMaxBytes: 400, logStartOffset: 0n });
    expect(p.lastFetchedEpoch).toBe(0); // the follower's latest epoch when it fetched there

    await leader.produce('t', 0, 3);
    await waitFor(caughtUp(replica, leaderLog), 'new appends replicated');
    await expectSameLog(followerLog, leaderLog);
    expect(replica.maxConcurrent).toBe(1);
    expect(manager.assignment('t', 0)).toEqual({ leaderId: 1, fetcherId: 0, phase: 'fetching' });
  });

  test('KIP-101: a follower ahead in the same epoch truncates to where the new leader ended that epoch', async () => {
    // both had epoch 2 from the old leader; the follower got 2 more batches than the new leader
    const { leaderLog, followerLog, replica } = await setup({
      epoch: 3,
      fill: async (l) => {
        await appendAsLeader(l, 2, 5);
        await appendAsLeader(l, 3, 3);
      },
      fillFollower: (l) => appendAsLeader(l, 2, 7),
    });
    expect(followerLog.logEndOffset).toBe(14n);
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    expect(leader.epochQueries.map((q) => q.map((x) => [x.leaderEpoch, x.currentLeaderEpoch]))).toEqual([[[2, 3]]]);
    expect(truncations(replica)).toEqual(['truncateTo 10']);
    await expectSameLog(followerLog, leaderLog);
  });

  test('KIP-279 after a double failover: truncates exactly to the agreed offset in two epoch rounds, then copies the leader', async () => {
    // agreed history: epoch 0 [0,6), epoch 1 [6,8). The follower then led epoch 3 alone
    // ([8,12), never replicated); the leader led epochs 2 ([8,16)) and 4 ([16,20)).
    const common = async (l: Log) => {
      await appendAsLeader(l, 0, 3);
      await appendAsLeader(l, 1, 1);
    };
    const { leaderLog, followerLog, replica } = await setup({
      epoch: 4,
      fill: async (l) => {
        await common(l);
        await appendAsLeader(l, 2, 4);
        await appendAsLeader(l, 4, 2);
      },
      fillFollower: async (l) => {
        await common(l);
        await appendAsLeader(l, 3, 2);
      },
    });
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    // round 1: ours 3 -> leader says epoch 2 ends at 16; we never had 2: cut to the end of our 1 (8), ask again
    // round 2: ours 1 -> leader says epoch 1 ends at 8: agreed, done
    expect(leader.epochQueries.map((q) => q[0]!.leaderEpoch)).toEqual([3, 1]);
    expect(truncations(replica)).toEqual(['truncateTo 8']);
    await expectSameLog(followerLog, leaderLog);
    for (const e of [0, 1, 2, 3, 4]) expect(followerLog.endOffsetForEpoch(e)).toEqual(leaderLog.endOffsetForEpoch(e));
  });

  test('KIP-320: a divergingEpoch in a fetch response truncates to the agreed offset, then fetching resumes', async () => {
    // a leader that answers OffsetForLeaderEpoch without an epoch (offset beyond our end: keep),
    // but detects divergence on fetch from lastFetchedEpoch
    leader.divergence = true;
    leader.epochAnswer = (q) => ({ topic: q.topic, partition: q.partition, errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: 1000n });
    const { leaderLog, followerLog, replica } = await setup({
      epoch: 2,
      fill: async (l) => {
        await appendAsLeader(l, 0, 3);
        await appendAsLeader(l, 2, 3);
      },
      fillFollower: async (l) => {
        await appendAsLeader(l, 0, 3);
        await appendAsLeader(l, 1, 2);
      },
    });
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    expect(leader.epochQueries).toHaveLength(1);
    const first = leader.fetches[0]!.topics[0]!.partitions[0]!;
    expect([first.fetchOffset, first.lastFetchedEpoch]).toEqual([10n, 1]);
    expect(truncations(replica)).toEqual(['truncateTo 6']);
    await expectSameLog(followerLog, leaderLog);
  });

  test("out of range below the leader's log start: restarts empty at the leader's start and copies from there", async () => {
    const { leaderLog, followerLog, replica } = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 5) });
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    // the leader's log start moves past the follower's end (retention while the follower lagged)
    leader.fetchDelayMs = 0;
    await leaderLog.truncateFullyAndStartAt(100n);
    await leader.produce('t', 0, 3);
    await waitFor(() => replica.logEndOffset() === 106n, 'restart at 100');
    expect(truncations(replica)).toEqual(['truncateFully 100']);
    expect(leader.listOffsets.map((x) => x.kind)).toEqual(['latest', 'earliest']);
    expect(followerLog.logStartOffset).toBe(100n);
    await waitFor(caughtUp(replica, leaderLog), 'hw');
    await expectSameLog(followerLog, leaderLog);
  });

  test("out of range above the leader's log end (unclean leader): truncates to the leader's end, then copies", async () => {
    const { leaderLog, followerLog, replica } = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 10) });
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up');
    await leaderLog.truncateTo(12n);
    await waitFor(() => truncations(replica).length > 0, 'truncation');
    expect(truncations(replica)).toEqual(['truncateTo 12']);
    expect(leader.listOffsets.map((x) => x.kind)).toEqual(['latest']);
    await leader.produce('t', 0, 2);
    await waitFor(caughtUp(replica, leaderLog), 'copy after the reset');
    await expectSameLog(followerLog, leaderLog);
  });

  test('NOT_LEADER_OR_FOLLOWER: backs off (logged once), resumes when the leader serves the partition again', async () => {
    const { leaderLog, followerLog, replica } = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 4) });
    leader.get('t', 0).error = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await sleep(400);
    // 400 ms at a 60 ms back-off: about 7 attempts, not a busy loop
    expect(leader.fetches.length).toBeGreaterThanOrEqual(3);
    expect(leader.fetches.length).toBeLessThanOrEqual(15);
    expect(replica.logEndOffset()).toBe(0n);
    expect(logger.loud('leader refused the partition')).toHaveLength(1);
    expect(logger.loud('leader refused the partition')[0]!.obj).toMatchObject({ topic: 't', partition: 0, error: 'NOT_LEADER_OR_FOLLOWER' });
    leader.get('t', 0).error = null;
    await waitFor(caughtUp(replica, leaderLog), 'resume');
    await expectSameLog(followerLog, leaderLog);
  });

  test('FENCED_LEADER_EPOCH: waits until re-added with the new epoch, then catches up', async () => {
    const { leaderLog, followerLog, replica } = await setup({ epoch: 6, fill: (l) => appendAsLeader(l, 6, 4) });
    replica.leaderEpoch = 5; // the controller's news has not reached this broker yet
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await sleep(300);
    expect(replica.logEndOffset()).toBe(0n);
    expect(leader.fetches.every((f) => f.topics[0]!.partitions[0]!.currentLeaderEpoch === 5)).toBe(true);
    expect(leader.fetches.length).toBeLessThanOrEqual(12);
    expect(logger.loud('leader refused the partition')).toHaveLength(1);
    replica.leaderEpoch = 6; // LeaderAndIsr arrives: the broker re-adds the partition
    manager.addFetcherForPartitions([{ replica, leader: LEADER }]);
    await waitFor(caughtUp(replica, leaderLog), 'catch-up at the new epoch');
    await expectSameLog(followerLog, leaderLog);
    expect(manager.fetcherCount()).toBe(1);
  });

  test('connection errors back every partition off (one warning), and fetching resumes when the leader answers', async () => {
    const a = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 3), partition: 0 });
    const b = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 5), partition: 1 });
    leader.failWith = new Error('connect ECONNREFUSED 10.0.0.1:9092');
    manager.addFetcherForPartitions([
      { replica: a.replica, leader: LEADER },
      { replica: b.replica, leader: LEADER },
    ]);
    await sleep(400);
    expect(leader.fetches.length).toBeGreaterThanOrEqual(3);
    expect(leader.fetches.length).toBeLessThanOrEqual(15);
    // both partitions ride in each (failing) request: one connection, one back-off
    expect(leader.fetches.every((f) => f.topics[0]!.partitions.length === 2)).toBe(true);
    const warned = logger.loud('request to the leader failed');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.obj).toMatchObject({ api: 'Fetch', error: 'connect ECONNREFUSED 10.0.0.1:9092', leaderId: 1 });
    leader.failWith = null;
    await waitFor(() => caughtUp(a.replica, a.leaderLog)() && caughtUp(b.replica, b.leaderLog)(), 'both caught up');
    expect(logger.loud('leader answers again')).toHaveLength(1);
    await expectSameLog(a.followerLog, a.leaderLog);
    await expectSameLog(b.followerLog, b.leaderLog);
  });

  test('a failing append (storage error) backs that partition off with one error log; the others go on', async () => {
    const a = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 3), partition: 0 });
    const b = await setup({ epoch: 0, fill: (l) => appendAsLeader(l, 0, 3), partition: 1 });
    a.replica.failAppends = new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'disk gone');
    manager.addFetcherForPartitions([
      { replica: a.replica, leader: LEADER },
      { replica: b.replica, leader: LEADER },
    ]);
    await waitFor(caughtUp(b.replica, b.leaderLog), 'the healthy partition');
    await sleep(300);
    expect(a.replica.logEndOffset()).toBe(0n);
    const attempts = a.replica.calls.filter((c) => c.startsWith('append')).length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('follower append failed');
    expect(errors[0]!.obj).toMatchObject({ topic: 't', partition: 0 });
    a.replica.failAppends = null;
    await waitFor(caughtUp(a.replica, a.leaderLog), 'recovered partition');
    await expectSameLog(a.followerLog, a.leaderLog);
  });

  test('a round that does not finish (an append that never settles) is logged with what it waits for', async () => {
    await manager.shutdown();
    manager = new ReplicaFetcherManager({ brokerId: FOLLOWER_ID, numFetchers: 1, endpointFor: () => leader.open(), config: { ...TEST_CONFIG, stallWarnMs: 200 }, clock: systemClock, logger });
    const a = await setup({ epoch: 1, fill: (l) => appendAsLeader(l, 1, 2) });
    let release: () => void = () => undefined;
    const appending = a.replica.appendAsFollower.bind(a.replica);
    a.replica.appendAsFollower = (records) => new Promise<void>((resolve) => (release = resolve)).then(() => appending(records));
    manager.addFetcherForPartitions([{ replica: a.replica, leader: LEADER }]);
    await waitFor(() => logger.loud('round has not finished').length > 0, 'the stall warning', 3000);
    expect(logger.loud('round has not finished')[0]!.obj['waitingFor']).toEqual(['append to t-0 at offset 0']);
    release();
    await waitFor(caughtUp(a.replica, a.leaderLog), 'the append to finish');
  });
});
