import { ErrorCode } from '../../../protocol/errors';
import { Cluster, settle, StoreView } from './harness';

describe('Controller > topic deletion', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());

  it('tells brokers to drop the partitions, deletes every replica, then the topic', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2], 1: [2, 3] });
    await c.createTopic('keep', { 0: [1] });
    channel.clear();
    await c.store.markTopicForDeletion('t');
    await settle();

    expect(c.store.topic('t')).toBeUndefined();
    expect(c.store.topicsMarkedForDeletion()).toEqual([]);
    expect((await c.store.readPartitionStates('t')).size).toBe(0);
    expect(c.store.topic('keep')).toBeDefined();
    // UpdateMetadata with leader -2 to every broker, before the StopReplica requests.
    const um = channel.of('UpdateMetadata');
    expect(um.map((s) => s.brokerId)).toEqual([1, 2, 3]);
    const ps = um[0]!.req.topicStates.find((t) => t.topicName === 't')!.partitionStates;
    expect(ps.map((p) => p.leader)).toEqual([-2, -2]);
    expect(channel.stopReplicasTo(1)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: -2 }]);
    expect(channel.stopReplicasTo(2).map((s) => s.partition).sort()).toEqual([0, 1]);
    expect(channel.stopReplicasTo(3)).toEqual([{ topic: 't', partition: 1, deletePartition: true, leaderEpoch: -2 }]);
    const apis = channel.sent.map((s) => s.api);
    expect(apis.lastIndexOf('UpdateMetadata')).toBeLessThan(apis.indexOf('StopReplica'));
    expect(c.log.lines.some((l) => l.msg.includes('Deletion of topic t completed'))).toBe(true);
  });

  it('waits while a replica is on a dead broker, and completes when it returns', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 3] });
    await c.store.unregisterBroker(3);
    await settle();
    channel.clear();
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    expect(channel.stopReplicasTo(1)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: -2 }]);
    // Broker 1's answer came back, broker 3's replica blocks. Nothing is re-sent meanwhile.
    channel.clear();
    await c.registerBroker(2); // unrelated broker
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    expect(channel.of('StopReplica')).toEqual([]);
    // No election for a topic being deleted, even though broker 3 is its other replica.
    await c.registerBroker(3);
    await settle();
    expect(channel.stopReplicasTo(3)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: -2 }]);
    expect(channel.of('LeaderAndIsr', 3)).toEqual([]);
    expect(channel.stopReplicasTo(1)).toEqual([]);
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('a replica that answers an error halts the deletion until its broker restarts', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    channel.stopReplicaError.set(2, ErrorCode.KAFKA_STORAGE_ERROR);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    expect(c.log.lines.some((l) => l.level === 'warn' && l.msg.includes('Deletion of replica 2 of t-0 failed'))).toBe(true);
    channel.stopReplicaError.delete(2);
    channel.clear();
    await c.store.unregisterBroker(2);
    await c.registerBroker(2);
    await settle();
    expect(channel.stopReplicasTo(2)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: -2 }]);
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('a broker dying with a deletion in flight makes its replica wait for its return', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    await c.store.unregisterBroker(2);
    await settle();
    expect(c.log.lines.some((l) => l.msg.includes('StopReplica to broker 2 failed'))).toBe(true);
    expect(c.store.topic('t')).toBeDefined();
    channel.unreachable.delete(2);
    await c.registerBroker(2);
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('with delete.topic.enable=false nothing is deleted and the mark stays', async () => {
    await c.registerBrokers(1);
    const { channel } = await c.startController(1, { deleteTopicEnable: false });
    await c.createTopic('t', { 0: [1] });
    channel.clear();
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    expect(c.store.topicsMarkedForDeletion()).toEqual(['t']);
    expect(channel.of('StopReplica')).toEqual([]);
  });

  it('a new controller resumes pending deletions', async () => {
    await c.registerBrokers(1, 2);
    const first = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    first.channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    await first.controller.shutdown();
    const next = await c.startController(2);
    expect(next.controller.isActive).toBe(true);
    expect(c.store.topic('t')).toBeUndefined();
    expect(next.channel.of('LeaderAndIsr')).toEqual([]); // not for a topic being deleted
  });

  it('ignores partitions added to a topic being deleted', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    await c.store.addPartitions('t', new Map([[1, [1, 2]]]));
    await settle();
    expect(await c.state('t', 1)).toBeUndefined();
    expect(c.log.lines.some((l) => l.msg.includes('Not adding partition 1 to t'))).toBe(true);
  });

  it('a whole-request error from a replica halts the deletion like a partition error', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    channel.stopReplicaTopLevelError.set(2, ErrorCode.STALE_CONTROLLER_EPOCH);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
  });

  it('an answer that does not list a partition counts as done', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    channel.stopReplicaUnlisted.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('a failed StopReplica send halts the deletion; it is asked again when the deletion resumes', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2, 3] });
    channel.stopReplicaFailure.set(2, new Error('encoding failed'));
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    channel.stopReplicaFailure.delete(2);
    channel.clear();
    // Another replica's broker restarting resumes the deletion: broker 2 is asked again.
    await c.store.unregisterBroker(3);
    await c.registerBroker(3);
    await settle();
    expect(channel.stopReplicasTo(2)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: -2 }]);
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('a new controller leaves the ISR of a topic being deleted alone', async () => {
    await c.registerBrokers(1, 2, 3);
    const first = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2, 3] });
    first.channel.unreachable.add(1);
    await c.store.markTopicForDeletion('t');
    await settle();
    await first.controller.shutdown();
    await c.store.unregisterBroker(3);
    const before = await c.state('t', 0);
    await c.startController(2);
    expect(await c.state('t', 0)).toEqual(before);
  });

  it('a broker restarting (new broker epoch) with a deletion in flight is asked again and the topic goes', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    const { channel } = await c.startController(1, {}, view.store);
    await c.createTopic('t', { 0: [1, 2] });
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined();
    channel.unreachable.delete(2);
    view.hold();
    await c.store.unregisterBroker(2);
    await c.registerBroker(2);
    view.release();
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
  });

  it('does not shrink the ISR of a topic being deleted when a replica dies', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2, 3] });
    channel.unreachable.add(1);
    await c.store.markTopicForDeletion('t');
    await settle();
    const before = await c.state('t', 0);
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toEqual(before);
  });

  it('a topic halted before its first round (reassignment) gets no election when its leader dies', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 3] }]);
    await c.store.markTopicForDeletion('t');
    await settle();
    const before = (await c.state('t', 0))!;
    await c.store.unregisterBroker(1);
    await settle();
    expect((await c.state('t', 0))!.leader).toBe(before.leader);
  });

  it('the rebalance leaves topics being deleted alone', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller, channel } = await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000 });
    const topicId = await c.createTopic('t', { 0: [2, 1, 3] });
    await c.store.unregisterBroker(2);
    await settle();
    await c.registerBroker(2);
    await settle();
    const s = (await c.state('t', 0))!;
    const epoch = c.store.liveBrokers().find((b) => b.brokerId === s.leader)!.brokerEpoch;
    await controller.alterPartition(
      { brokerId: s.leader, brokerEpoch: epoch, topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: s.leaderEpoch, newIsr: [...s.isr, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }] },
      2,
    );
    channel.unreachable.add(3);
    await c.store.markTopicForDeletion('t');
    await settle();
    const before = await c.state('t', 0);
    c.clock.advance(5_000);
    await settle();
    expect(await c.state('t', 0)).toEqual(before);
  });

  it('a re-created topic of the same name is deleted from scratch', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
    await c.store.createTopic({ name: 't', topicId: 'SECONDSECONDSECONDSECA', assignment: new Map([[0, [1, 2]]]), configs: {} });
    await settle();
    channel.clear();
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeDefined(); // broker 2 has not answered
    expect(channel.stopReplicasTo(2)).toHaveLength(1);
  });
});
