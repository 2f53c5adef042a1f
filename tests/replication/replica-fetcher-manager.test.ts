/**
 * Replication > ReplicaFetcherManager: the fencing guarantee of removeFetcherForPartitions
 * (no append or truncation after it resolves, even with a fetch or an append in flight),
 * fetcher ids as Kafka computes them, fetchers stopped when empty, partitions moving between
 * leaders, shutdown.
 */
import { systemClock } from '../../storage/clock';
import type { Log } from '../../storage/log';
import { fetcherIdFor, javaStringHash } from '../../replication/fetcher-id';
import { ReplicaFetcherManager } from '../../replication/replica-fetcher-manager';
import { CaptureLogger, FakeLeader, LogReplica, TEST_CONFIG, appendAsLeader, batchesOf, openTestLog, rmDir, sleep, tmpDir, waitFor } from './helpers';

jest.setTimeout(20_000);

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** Java's String.hashCode computed independently (BigInt, then wrapped to int32). */
function javaHashReference(s: string): number {
  let h = 0n;
  for (const ch of s.split('')) h = h * 31n + BigInt(ch.charCodeAt(0));
  return Number(BigInt.asIntN(32, h));
}

describe('Replication > fetcher ids', () => {
  test("match Kafka's abs(31 * topic.hashCode() + partition) % numFetchers", () => {
    expect(javaStringHash('test')).toBe(3556498); // "test".hashCode() in Java
    for (const t of ['test', 'orders', '__consumer_offsets', 'a-much-longer-topic-name-that-overflows.int32.many.times', 'ü-topic']) {
      expect(javaStringHash(t)).toBe(javaHashReference(t));
      for (let p = 0; p < 20; p++) {
        const raw = Number(BigInt.asIntN(32, 31n * BigInt(javaHashReference(t)) + BigInt(p)));
        expect(fetcherIdFor(t, p, 3)).toBe(Math.abs(raw) % 3);
      }
    }
    // 31 * 3556498 = 110251438 = 1 (mod 3)
    expect([0, 1, 2, 3].map((p) => fetcherIdFor('test', p, 3))).toEqual([1, 2, 0, 1]);
    expect(fetcherIdFor('test', 7, 1)).toBe(0);
  });
});

describe('Replication > ReplicaFetcherManager', () => {
  let dir: string;
  let logs: Log[];
  let leaders: Map<number, FakeLeader>;
  let manager: ReplicaFetcherManager;
  let logger: CaptureLogger;

  const broker = (id: number, port = 9092) => ({ brokerId: id, host: `broker-${id}`, port });

  function makeManager(numFetchers: number): ReplicaFetcherManager {
    return new ReplicaFetcherManager({
      brokerId: 9,
      numFetchers,
      endpointFor: (l) => {
        let f = leaders.get(l.brokerId);
        if (!f) leaders.set(l.brokerId, (f = new FakeLeader()));
        return f.open();
      },
      config: TEST_CONFIG,
      clock: systemClock,
      logger,
    });
  }

  beforeEach(() => {
    dir = tmpDir('gregor-replication-');
    logs = [];
    leaders = new Map();
    logger = new CaptureLogger();
    manager = makeManager(1);
  });

  afterEach(async () => {
    await manager.shutdown();
    for (const l of logs) await l.close();
    rmDir(dir);
  });

  async function newLog(topic: string, partition: number): Promise<Log> {
    const l = await openTestLog(dir, topic, partition);
    logs.push(l);
    return l;
  }

  function fake(id: number): FakeLeader {
    let f = leaders.get(id);
    if (!f) leaders.set(id, (f = new FakeLeader()));
    return f;
  }

  /** A partition led by broker `leaderId` (batches at epoch 0), and its empty follower. */
  async function partition(leaderId: number, topic: string, p: number, batches = 3, epoch = 0) {
    const leaderLog = await newLog(topic, p);
    await appendAsLeader(leaderLog, epoch, batches);
    fake(leaderId).add(topic, p, TOPIC_ID, leaderLog, epoch);
    const replica = new LogReplica(await newLog(topic, p), topic, p, TOPIC_ID, epoch);
    return { leaderLog, replica };
  }

  const caughtUp = (r: LogReplica, l: Log) => () => r.logEndOffset() === l.logEndOffset;

  test('removeFetcherForPartitions during an in-flight fetch: the late response is not applied to the removed partition', async () => {
    const a = await partition(1, 't', 0);
    const b = await partition(1, 't', 1);
    manager.addFetcherForPartitions([
      { replica: a.replica, leader: broker(1) },
      { replica: b.replica, leader: broker(1) },
    ]);
    await waitFor(() => caughtUp(a.replica, a.leaderLog)() && caughtUp(b.replica, b.leaderLog)(), 'catch-up');
    const leader = fake(1);
    leader.fetchDelayMs = 300; // the leader answers slowly, with the data as of its answer
    const sentBefore = leader.fetches.length;
    await waitFor(() => leader.inFlightFetches > 0 && leader.fetches.length > sentBefore, 'a slow fetch in flight');
    await leader.produce('t', 0, 2);
    await leader.produce('t', 1, 2);
    const endBefore = a.replica.logEndOffset();
    await manager.removeFetcherForPartitions([{ topic: 't', partition: 0 }]);
    expect(leader.inFlightFetches).toBe(1); // nothing was running on the log: no wait for the fetch
    a.replica.fenced = true;
    expect(manager.fetcherCount()).toBe(1); // partition 1 keeps the fetcher alive
    expect(manager.assignment('t', 0)).toBeUndefined();
    await waitFor(caughtUp(b.replica, b.leaderLog), 'partition 1 applied the same response');
    await sleep(400);
    expect(a.replica.violations).toEqual([]);
    expect(a.replica.logEndOffset()).toBe(endBefore);
    expect(a.replica.logEndOffset()).toBeLessThan(a.leaderLog.logEndOffset);
    // later requests leave the removed partition out
    const last = leader.fetches[leader.fetches.length - 1]!;
    expect(last.topics[0]!.partitions.map((p) => p.partition)).toEqual([1]);
  });

  test('removeFetcherForPartitions during an append: resolves only after it finished, and none starts afterwards', async () => {
    const a = await partition(1, 't', 0, 1);
    const b = await partition(1, 't', 1, 1);
    manager.addFetcherForPartitions([
      { replica: a.replica, leader: broker(1) },
      { replica: b.replica, leader: broker(1) },
    ]);
    await waitFor(() => caughtUp(a.replica, a.leaderLog)() && caughtUp(b.replica, b.leaderLog)(), 'catch-up');
    a.replica.appendDelayMs = 250;
    await fake(1).produce('t', 0, 2);
    await waitFor(() => a.replica.running > 0, 'an append running');
    let resolved = false;
    const removal = manager.removeFetcherForPartitions([{ topic: 't', partition: 0 }]).then(() => (resolved = true));
    await sleep(100);
    expect(resolved).toBe(false); // the append is still writing
    await removal;
    a.replica.fenced = true; // from here on the broker may make the replica a leader
    expect(a.replica.running).toBe(0);
    expect(manager.fetcherCount()).toBe(1); // partition 1 keeps the fetcher (and its loop) going
    await fake(1).produce('t', 0, 2);
    await fake(1).produce('t', 1, 2);
    await waitFor(caughtUp(b.replica, b.leaderLog), 'partition 1 still replicated');
    await sleep(100);
    expect(a.replica.violations).toEqual([]);
    await manager.removeFetcherForPartitions([{ topic: 't', partition: 1 }]);
    expect(manager.fetcherCount()).toBe(0); // its last partition left: stopped, connection closed
    expect(fake(1).openConnections).toBe(0);
  });

  test('partitions spread over numFetchers fetchers per leader by fetcher id; an emptied fetcher stops and closes its connection', async () => {
    await manager.shutdown();
    manager = makeManager(3);
    const parts: { leaderLog: Log; replica: LogReplica; leader: ReturnType<typeof broker> }[] = [];
    for (let p = 0; p < 6; p++) parts.push({ ...(await partition(1, 'test', p, 1)), leader: broker(1) });
    for (let p = 0; p < 3; p++) parts.push({ ...(await partition(2, 'test', p + 6, 1)), leader: broker(2) });
    manager.addFetcherForPartitions(parts.map((x) => ({ replica: x.replica, leader: x.leader })));
    for (const x of parts) {
      expect(manager.assignment('test', x.replica.partition)).toMatchObject({ leaderId: x.leader.brokerId, fetcherId: fetcherIdFor('test', x.replica.partition, 3) });
    }
    expect(manager.fetcherCount()).toBe(6); // 3 per leader: each leader's partitions cover every fetcher id
    expect(fake(1).openConnections).toBe(3);
    expect(fake(2).openConnections).toBe(3);
    await waitFor(() => parts.every((x) => caughtUp(x.replica, x.leaderLog)()), 'all caught up');

    // fetcher 1 of leader 1 holds partitions 0 and 3 ('test': (1 + p) % 3)
    await manager.removeFetcherForPartitions([{ topic: 'test', partition: 0 }]);
    expect(manager.fetcherCount()).toBe(6);
    await manager.removeFetcherForPartitions([{ topic: 'test', partition: 3 }]);
    expect(manager.fetcherCount()).toBe(5);
    expect(fake(1).openConnections).toBe(2);
    expect(fake(2).openConnections).toBe(3);
    // unknown partitions are ignored
    await manager.removeFetcherForPartitions([{ topic: 'nope', partition: 0 }]);
    expect(manager.fetcherCount()).toBe(5);
  });

  test("moving a partition to another leader: the old fetcher stops, the old append finishes first, the new leader's log is copied", async () => {
    const oldLeader = await partition(1, 't', 0, 2, 0);
    manager.addFetcherForPartitions([{ replica: oldLeader.replica, leader: broker(1) }]);
    await waitFor(caughtUp(oldLeader.replica, oldLeader.leaderLog), 'catch-up from broker 1');
    // broker 2 becomes leader at epoch 1 with the same epoch-0 history plus its own writes
    const newLeaderLog = await newLog('t', 0);
    await appendAsLeader(newLeaderLog, 0, 2);
    await appendAsLeader(newLeaderLog, 1, 3);
    fake(2).add('t', 0, TOPIC_ID, newLeaderLog, 1);
    const replica = oldLeader.replica;
    replica.appendDelayMs = 200;
    await fake(1).produce('t', 0, 1); // an append from broker 1 is under way during the move
    await waitFor(() => replica.running > 0, 'old append running');
    replica.leaderEpoch = 1;
    manager.addFetcherForPartitions([{ replica, leader: broker(2) }]);
    expect(manager.assignment('t', 0)).toMatchObject({ leaderId: 2 });
    await waitFor(() => fake(1).openConnections === 0, 'old fetcher stopped');
    expect(manager.fetcherCount()).toBe(1);
    replica.appendDelayMs = 0;
    await waitFor(caughtUp(replica, newLeaderLog), 'catch-up from broker 2');
    expect(replica.maxConcurrent).toBe(1); // the two fetchers never wrote at once
    // broker 1's extra batch (epoch 0, offsets 4-5) was cut at the epoch-0 end of broker 2
    expect(replica.calls.filter((c) => c.startsWith('truncate'))).toEqual(['truncateTo 4']);
    const ours = await batchesOf(replica.log);
    const theirs = await batchesOf(newLeaderLog);
    expect(Buffer.concat(ours.map((x) => x.bytes)).equals(Buffer.concat(theirs.map((x) => x.bytes)))).toBe(true);
  });

  test("a leader's new address replaces its fetcher, keeping the partitions", async () => {
    const a = await partition(1, 't', 0, 1);
    manager.addFetcherForPartitions([{ replica: a.replica, leader: broker(1, 9092) }]);
    await waitFor(caughtUp(a.replica, a.leaderLog), 'catch-up');
    const b = await partition(1, 't', 1, 1);
    manager.addFetcherForPartitions([{ replica: b.replica, leader: broker(1, 9093) }]);
    expect(manager.fetcherCount()).toBe(1);
    expect(manager.assignment('t', 0)).toMatchObject({ leaderId: 1 });
    await waitFor(() => fake(1).openConnections === 1 && fake(1).connections.length === 2, 'old connection closed');
    await fake(1).produce('t', 0, 1);
    await waitFor(() => caughtUp(a.replica, a.leaderLog)() && caughtUp(b.replica, b.leaderLog)(), 'both copied');
  });

  test('shutdown stops every fetcher and closes every connection; no write afterwards', async () => {
    const a = await partition(1, 't', 0);
    const b = await partition(2, 't', 1);
    manager.addFetcherForPartitions([
      { replica: a.replica, leader: broker(1) },
      { replica: b.replica, leader: broker(2) },
    ]);
    await waitFor(() => caughtUp(a.replica, a.leaderLog)() && caughtUp(b.replica, b.leaderLog)(), 'catch-up');
    await manager.shutdown();
    a.replica.fenced = true;
    b.replica.fenced = true;
    expect(manager.fetcherCount()).toBe(0);
    expect(fake(1).openConnections + fake(2).openConnections).toBe(0);
    await fake(1).produce('t', 0, 1);
    await sleep(150);
    expect(a.replica.violations).toEqual([]);
    expect(() => manager.addFetcherForPartitions([{ replica: a.replica, leader: broker(1) }])).toThrow(/shut down/);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
