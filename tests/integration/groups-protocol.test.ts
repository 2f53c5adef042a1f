/**
 * Integration > Groups > protocol versions: the group APIs at their oldest and newest versions
 * (flexible encodings, batched FindCoordinator, multi-group OffsetFetch, batched LeaveGroup),
 * through raw wire requests against an in-process broker.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { encodeSubscription } from '../../coordinator/group/consumer-protocol';
import { startGroupBroker, type TestBroker } from './groups-broker';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(30_000);
const SUB = encodeSubscription(['proto-t']);

describe('Integration > Groups > protocol versions', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startGroupBroker();
    c = await RawClient.connect(b.port);
    // Like a client: find each group's coordinator first (this also waits for its partition to load).
    await c.request(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g9', 'g9b', 'g0', 'g6', 'unknown-g', 'g9-missing'] });
    await c.request(ApiKey.CreateTopics, 4, { topics: [{ name: 'proto-t', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false });
  });
  afterAll(async () => {
    c.close();
    await b.remove();
  });

  test('FindCoordinator v0, v1 and batched v6', async () => {
    const v0 = await c.request(ApiKey.FindCoordinator, 0, { key: 'g-proto', keyType: 0, coordinatorKeys: [] });
    expect(v0).toMatchObject({ errorCode: 0, nodeId: 1, host: '127.0.0.1', port: b.port });
    const v1 = await c.request(ApiKey.FindCoordinator, 1, { key: 'g-proto', keyType: 0, coordinatorKeys: [] });
    expect(v1).toMatchObject({ errorCode: 0, errorMessage: 'NONE', nodeId: 1 });
    const v6 = await c.request(ApiKey.FindCoordinator, 6, { key: '', keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(v6.coordinators.map((x: any) => [x.key, x.errorCode, x.nodeId, x.port])).toEqual([['a', 0, 1, b.port], ['b', 0, 1, b.port]]);
    const bad = await c.request(ApiKey.FindCoordinator, 6, { key: '', keyType: 7, coordinatorKeys: ['a'] });
    expect(bad.coordinators[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1 });
  });

  test('JoinGroup v9 / SyncGroup v5 / Heartbeat v4 / OffsetCommit v9 / OffsetFetch v9 / LeaveGroup v5', async () => {
    const join = (memberId: string) =>
      c.request(ApiKey.JoinGroup, 9, { groupId: 'g9', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: SUB }], reason: 'test' });
    const first = await join('');
    expect(first).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolName: null });
    const j = await join(first.memberId);
    expect(j).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, skipAssignment: false });
    expect(j.members).toEqual([expect.objectContaining({ memberId: first.memberId, groupInstanceId: null, metadata: SUB })]);
    const syncBase = { groupId: 'g9', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: j.memberId, assignment: Buffer.from('asg') }] };
    expect((await c.request(ApiKey.SyncGroup, 5, { ...syncBase, protocolName: null })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const s = await c.request(ApiKey.SyncGroup, 5, syncBase);
    expect(s).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('asg') });
    expect((await c.request(ApiKey.Heartbeat, 4, { groupId: 'g9', generationId: 1, memberId: j.memberId, groupInstanceId: null })).errorCode).toBe(0);

    const commit = await c.request(ApiKey.OffsetCommit, 9, {
      groupId: 'g9', generationIdOrMemberEpoch: 1, memberId: j.memberId, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [
        { name: 'proto-t', partitions: [{ partitionIndex: 0, committedOffset: 11n, committedLeaderEpoch: 0, commitTimestamp: -1n, committedMetadata: 'meta-0' }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] },
      ],
    });
    expect(commit.topics).toEqual([
      { name: 'proto-t', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
      { name: 'no-such-topic', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ]);
    const fetch9 = await c.request(ApiKey.OffsetFetch, 9, {
      groupId: '', topics: [], requireStable: true,
      groups: [{ groupId: 'g9', memberId: null, memberEpoch: -1, topics: null }, { groupId: 'unknown-g', memberId: null, memberEpoch: -1, topics: [{ name: 'proto-t', partitionIndexes: [1] }] }],
    });
    expect(fetch9.groups).toEqual([
      { groupId: 'g9', errorCode: 0, topics: [{ name: 'proto-t', partitions: [{ partitionIndex: 0, committedOffset: 11n, committedLeaderEpoch: 0, metadata: 'meta-0', errorCode: 0 }] }] },
      { groupId: 'unknown-g', errorCode: 0, topics: [{ name: 'proto-t', partitions: [{ partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }] },
    ]);
    const fetch1 = await c.request(ApiKey.OffsetFetch, 1, { groupId: 'g9', topics: [{ name: 'proto-t', partitionIndexes: [0, 1] }], requireStable: false, groups: [] });
    expect(fetch1.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[0, 11n, 'meta-0'], [1, -1n, '']]);
    const fetch2all = await c.request(ApiKey.OffsetFetch, 2, { groupId: 'g9', topics: null, requireStable: false, groups: [] });
    expect(fetch2all).toMatchObject({ errorCode: 0, topics: [{ name: 'proto-t', partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 11n })] }] });

    const desc = await c.request(ApiKey.DescribeGroups, 5, { groups: ['g9'], includeAuthorizedOperations: false });
    expect(desc.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolData: 'range', authorizedOperations: -2147483648 });
    expect(desc.groups[0].members[0]).toMatchObject({ memberId: j.memberId, clientId: 'raw', clientHost: '/127.0.0.1', memberAssignment: Buffer.from('asg') });
    const list5 = await c.request(ApiKey.ListGroups, 5, { statesFilter: ['stable'], typesFilter: ['classic'] });
    expect(list5.groups).toEqual([{ groupId: 'g9', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }]);

    const leave = await c.request(ApiKey.LeaveGroup, 5, { groupId: 'g9', memberId: '', members: [{ memberId: j.memberId, groupInstanceId: null, reason: 'done' }, { memberId: 'ghost', groupInstanceId: null, reason: null }] });
    expect(leave).toMatchObject({ errorCode: 0, members: [{ memberId: j.memberId, groupInstanceId: null, errorCode: 0 }, { memberId: 'ghost', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] });
    const list0 = await c.request(ApiKey.ListGroups, 0, { statesFilter: [], typesFilter: [] });
    expect(list0.groups).toEqual([{ groupId: 'g9', protocolType: 'consumer', groupState: '', groupType: '' }]);

    const offDel = await c.request(ApiKey.OffsetDelete, 0, { groupId: 'g9', topics: [{ name: 'proto-t', partitions: [{ partitionIndex: 0 }] }, { name: 'nope', partitions: [{ partitionIndex: 0 }] }] });
    expect(offDel).toMatchObject({ errorCode: 0, topics: [{ name: 'proto-t', partitions: [{ partitionIndex: 0, errorCode: 0 }] }, { name: 'nope', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }] });
    // Deleting its last offset removed the empty group altogether (as Kafka's cleanup does).
    const del = await c.request(ApiKey.DeleteGroups, 2, { groupsNames: ['g9', 'g9-missing'] });
    expect(del.results).toMatchObject([{ groupId: 'g9', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }, { groupId: 'g9-missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
    await c.request(ApiKey.OffsetCommit, 2, { groupId: 'g9b', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 'proto-t', partitions: [{ partitionIndex: 1, committedOffset: 3n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'x' }] }] });
    const del2 = await c.request(ApiKey.DeleteGroups, 0, { groupsNames: ['g9b'] });
    expect(del2.results).toMatchObject([{ groupId: 'g9b', errorCode: 0 }]);
  });

  test('old versions: JoinGroup v0 (rebalance timeout = session timeout), LeaveGroup v0 errors, JoinGroup v6 errors', async () => {
    const j0 = await c.request(ApiKey.JoinGroup, 0, { groupId: 'g0', sessionTimeoutMs: 10000, rebalanceTimeoutMs: -1, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: SUB }], reason: null });
    expect(j0).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    const gc = b.services.groupCoordinator as import('../../coordinator/group/group-coordinator').GroupCoordinator;
    expect(gc.group('g0')!.get(j0.memberId).rebalanceTimeoutMs).toBe(10000);
    const l0 = await c.request(ApiKey.LeaveGroup, 0, { groupId: 'g0', memberId: 'not-a-member', members: [] });
    expect(l0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const l0ok = await c.request(ApiKey.LeaveGroup, 0, { groupId: 'g0', memberId: j0.memberId, members: [] });
    expect(l0ok.errorCode).toBe(0);
    const j6 = await c.request(ApiKey.JoinGroup, 6, { groupId: 'g6', sessionTimeoutMs: 1, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: SUB }], reason: null });
    expect(j6).toMatchObject({ errorCode: ErrorCode.INVALID_SESSION_TIMEOUT, protocolName: '', generationId: -1 });
    const hb = await c.request(ApiKey.Heartbeat, 0, { groupId: '', generationId: 1, memberId: 'x', groupInstanceId: null });
    expect(hb.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});
