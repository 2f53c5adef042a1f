/**
 * Integration > Groups > loading: __consumer_offsets partitions are loaded when this broker
 * becomes their leader (Kafka's GroupCoordinator.onElection from LeaderAndIsr), not on a group's
 * first request, so no request after FindCoordinator, nor after a restart once the broker is up,
 * is answered COORDINATOR_LOAD_IN_PROGRESS.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { encodeSubscription } from '../../coordinator/group/consumer-protocol';
import { startGroupBroker, type TestBroker } from './groups-broker';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(60_000);

const GROUPS = Array.from({ length: 60 }, (_, i) => `load-g${i}`);
const COMMITTED = Array.from({ length: 60 }, (_, i) => `committed-g${i}`);

function offsetFetch(c: RawClient, groupId: string) {
  return c.request(ApiKey.OffsetFetch, 7, { groupId, topics: [{ name: 'load-t', partitionIndexes: [0] }], groups: [], requireStable: false });
}

describe('Integration > Groups > loading on election', () => {
  let b: TestBroker;
  afterAll(async () => {
    await b?.remove();
  });

  it('after FindCoordinator created __consumer_offsets, every group of every partition answers without COORDINATOR_LOAD_IN_PROGRESS', async () => {
    b = await startGroupBroker({ 'offsets.topic.num.partitions': '20', 'offsets.load.buffer.size': '1' });
    const c = await RawClient.connect(b.port);
    const found = await c.request(ApiKey.FindCoordinator, 3, { key: GROUPS[0], keyType: 0, coordinatorKeys: [] });
    expect(found.errorCode).toBe(ErrorCode.NONE);
    // The other groups live on other partitions: none was asked for yet.
    const fetched = await Promise.all(GROUPS.map((g) => offsetFetch(c, g)));
    expect(fetched.map((r) => r.errorCode).filter((e) => e !== ErrorCode.NONE)).toEqual([]);
    const join = await c.request(ApiKey.JoinGroup, 3, {
      groupId: GROUPS[1], sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeSubscription(['load-t']) }], reason: null,
    });
    expect(join.errorCode).toBe(ErrorCode.NONE);
    c.close();
  });

  it('after a restart, committed offsets are loaded before the broker is up', async () => {
    const c = await RawClient.connect(b.port);
    await c.request(ApiKey.CreateTopics, 4, { topics: [{ name: 'load-t', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false });
    // Many small batches read one at a time (offsets.load.buffer.size 1): loading takes a while.
    for (let round = 0; round < 20; round++) {
      await Promise.all(COMMITTED.map(async (g, i) => {
      const r = await c.request(ApiKey.OffsetCommit, 2, {
        groupId: g, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
        topics: [{ name: 'load-t', partitions: [{ partitionIndex: 0, committedOffset: BigInt(100 + i + round), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
      });
      expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
      }));
    }
    c.close();
    b = await b.restart();
    const c2 = await RawClient.connect(b.port);
    const fetched = await Promise.all(COMMITTED.map((g) => offsetFetch(c2, g)));
    expect(fetched.map((r) => r.errorCode)).toEqual(COMMITTED.map(() => ErrorCode.NONE));
    expect(fetched.map((r) => r.topics[0].partitions[0].committedOffset)).toEqual(COMMITTED.map((_, i) => BigInt(100 + i + 19)));
    c2.close();
  });
});
