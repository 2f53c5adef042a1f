import { ErrorCode } from '../../../protocol/errors';
import type { Controller } from '../../../coordinator/controller/controller';
import { Cluster, FakeChannel, settle, StoreView } from './harness';

describe('Controller > partition reassignment', () => {
  let c: Cluster;
  let controller: Controller;
  let channel: FakeChannel;
  let topicId: string;
  const epochOf = (id: number) => c.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;

  async function expandIsr(isr: number[]) {
    const s = (await c.state('t', 0))!;
    const r = await controller.alterPartition(
      {
        brokerId: s.leader,
        brokerEpoch: epochOf(s.leader),
        topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: s.leaderEpoch, newIsr: isr, newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }],
      },
      2,
    );
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await settle();
  }

  beforeEach(async () => {
    c = new Cluster();
    await c.registerBrokers(1, 2, 3, 4);
    ({ controller, channel } = await c.startController(1));
    topicId = await c.createTopic('t', { 0: [1, 2, 3] });
    channel.clear();
  });
  afterEach(() => c.stop());

  it('moves a partition to new replicas once they join the ISR', async () => {
    const r = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [4, 3, 2] }]);
    expect(r).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    // Phase A: RS = TRS + ORS, AR = [4], RR = [1], stored; leader epoch bumped; the adding replica starts.
    const t = c.store.topic('t')!;
    expect(t.assignment.get(0)).toEqual([4, 3, 2, 1]);
    expect(t.addingReplicas.get(0)).toEqual([4]);
    expect(t.removingReplicas.get(0)).toEqual([1]);
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2, 3] });
    expect(channel.leaderAndIsrFor(4, 't', 0).at(-1)).toMatchObject({ isNew: true, replicas: [4, 3, 2, 1], addingReplicas: [4], removingReplicas: [1], leader: 1 });
    expect(channel.leaderAndIsrFor(1, 't', 0).at(-1)).toMatchObject({ isNew: false, leaderEpoch: 1 });
    expect(controller.listPartitionReassignments(null)).toEqual([{ topic: 't', partition: 0, replicas: [4, 3, 2, 1], addingReplicas: [4], removingReplicas: [1] }]);
    expect(controller.listPartitionReassignments([{ topic: 't', partitions: [0, 1] }])).toHaveLength(1);

    // Not complete while 4 is out of the ISR.
    await expandIsr([1, 2]);
    expect(c.store.topic('t')!.addingReplicas.get(0)).toEqual([4]);

    channel.clear();
    await expandIsr([1, 2, 3, 4]);
    // Phase B: leader 1 is not in TRS: the first live target replica in the ISR leads; 1 leaves.
    expect(await c.state('t', 0)).toMatchObject({ leader: 4, leaderEpoch: 2, isr: [2, 3, 4] });
    const done = c.store.topic('t')!;
    expect(done.assignment.get(0)).toEqual([4, 3, 2]);
    expect(done.addingReplicas.size).toBe(0);
    expect(done.removingReplicas.size).toBe(0);
    expect(channel.leaderAndIsrFor(4, 't', 0).at(-1)).toMatchObject({ leader: 4, replicas: [4, 3, 2], addingReplicas: [], removingReplicas: [] });
    expect(channel.stopReplicasTo(1)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: 2 }]);
    expect(channel.of('UpdateMetadata').at(-1)!.req.topicStates[0]!.partitionStates[0]).toMatchObject({ leader: 4, replicas: [4, 3, 2] });
    expect(controller.listPartitionReassignments(null)).toEqual([]);
  });

  it('completes at once when the target is already in the ISR (shrinking the replica set)', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2] }]);
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([1, 2]);
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, isr: [1, 2] });
    expect(channel.stopReplicasTo(3)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: 1 }]);
    expect(controller.listPartitionReassignments(null)).toEqual([]);
  });

  it('cancelling restores the original replicas and deletes the added ones', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 4] }]);
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([1, 2, 4, 3]);
    channel.clear();
    const r = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: null }]);
    expect(r[0]!.errorCode).toBe(ErrorCode.NONE);
    const t = c.store.topic('t')!;
    expect(t.assignment.get(0)).toEqual([1, 2, 3]);
    expect(t.addingReplicas.size).toBe(0);
    expect(channel.stopReplicasTo(4)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: 2 }]);
    expect(channel.leaderAndIsrFor(1, 't', 0).at(-1)).toMatchObject({ replicas: [1, 2, 3], addingReplicas: [] });
    expect(controller.listPartitionReassignments(null)).toEqual([]);
    expect((await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: null }]))[0]!.errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  });

  it('a new reassignment replaces one in progress, deleting replicas no longer wanted', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 4] }]);
    channel.clear();
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [3, 2, 1] }]);
    expect(channel.stopReplicasTo(4).map((s) => s.deletePartition)).toEqual([true]);
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([3, 2, 1]);
  });

  it('rejects invalid replica lists, unknown partitions and dead new replicas', async () => {
    await c.store.unregisterBroker(4);
    await settle();
    const r = await controller.alterPartitionReassignments([
      { topic: 't', partition: 0, replicas: [] },
      { topic: 't', partition: 0, replicas: [1, 1] },
      { topic: 't', partition: 0, replicas: [1, -2] },
      { topic: 't', partition: 0, replicas: [1, 2, 4] },
      { topic: 't', partition: 5, replicas: [1, 2] },
      { topic: 'nope', partition: 0, replicas: [1, 2] },
    ]);
    expect(r.map((x) => x.errorCode)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(r[0]!.errorMessage).toBe('Empty replica list specified in partition reassignment.');
    expect(r[1]!.errorMessage).toContain('Duplicate replica ids');
    expect(r[2]!.errorMessage).toContain('Invalid broker id');
    expect(r[3]!.errorMessage).toContain('not alive');
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([1, 2, 3]);
  });

  it('refuses to reassign a topic being deleted', async () => {
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    const r = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2] }]);
    expect(r[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('a new controller resumes a reassignment in progress', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [4, 3, 2] }]);
    await controller.shutdown();
    const next = await c.startController(2);
    controller = next.controller;
    expect(controller.listPartitionReassignments(null)).toEqual([{ topic: 't', partition: 0, replicas: [4, 3, 2, 1], addingReplicas: [4], removingReplicas: [1] }]);
    expect(next.channel.leaderAndIsrFor(4, 't', 0).some((p) => p.isNew && p.addingReplicas.includes(4))).toBe(true);
    await expandIsr([1, 2, 3, 4]);
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([4, 3, 2]);
    expect(await c.state('t', 0)).toMatchObject({ leader: 4, isr: [2, 3, 4] });
  });

  it('halts the deletion of a topic being reassigned until the reassignment completes', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [4, 3, 2] }]);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    expect(channel.of('StopReplica')).toEqual([]);
    await expandIsr([1, 2, 3, 4]);
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('answers UNKNOWN_SERVER_ERROR for a partition without a state, and a new controller survives it', async () => {
    await c.createTopic('dead', { 0: [9] }); // no live replica: no state
    const r = await controller.alterPartitionReassignments([{ topic: 'dead', partition: 0, replicas: [4] }]);
    expect(r[0]!.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    await c.store.unregisterBroker(4); // still no live replica at the next failover
    await controller.shutdown();
    const next = await c.startController(2);
    expect(next.controller.isActive).toBe(true);
  });

  it('keeps the context as it was when the assignment write fails', async () => {
    await controller.shutdown();
    const view = new StoreView(c.store);
    const next = await c.startController(2, {}, view.store);
    controller = next.controller;
    view.failNext('setAssignment', new Error('store unavailable'));
    const r = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [4, 3, 2] }]);
    expect(r[0]!.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(controller.listPartitionReassignments([{ topic: 't', partitions: [0] }])).toEqual([]);
  });

  it('resumes a reassignment when a target broker that died comes back', async () => {
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [4, 3, 2] }]);
    await c.store.unregisterBroker(4);
    await settle();
    const before = (await c.state('t', 0))!;
    channel.clear();
    await c.registerBroker(4);
    await settle();
    expect((await c.state('t', 0))!.leaderEpoch).toBe(before.leaderEpoch + 1);
    expect(channel.leaderAndIsrFor(4, 't', 0).at(-1)).toMatchObject({ isNew: true, addingReplicas: [4] });
  });

  it('a topic being deleted waits for all of its reassignments', async () => {
    await c.store.addPartitions('t', new Map([[1, [1, 2, 3]]]));
    await settle();
    await controller.alterPartitionReassignments([
      { topic: 't', partition: 0, replicas: [4, 3, 2] },
      { topic: 't', partition: 1, replicas: [4, 3, 2] },
    ]);
    await c.store.markTopicForDeletion('t');
    await settle();
    await expandIsr([1, 2, 3, 4]);
    expect(c.store.topic('t')).toBeDefined();
    const s = (await c.state('t', 1))!;
    await controller.alterPartition(
      {
        brokerId: s.leader,
        brokerEpoch: epochOf(s.leader),
        topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 1, leaderEpoch: s.leaderEpoch, newIsr: [1, 2, 3, 4], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }],
      },
      2,
    );
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('moving away from a dead replica completes without errors (no request to the dead broker)', async () => {
    await c.store.unregisterBroker(3);
    await settle();
    channel.clear();
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2] }]);
    await settle();
    expect(c.store.topic('t')!.assignment.get(0)).toEqual([1, 2]);
    expect(channel.of('StopReplica', 3)).toEqual([]);
    expect(c.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
