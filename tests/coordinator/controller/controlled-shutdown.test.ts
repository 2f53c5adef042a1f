import { ErrorCode } from '../../../protocol/errors';
import { Cluster, settle } from './harness';

describe('Controller > ControlledShutdown', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());
  const epochOf = (id: number) => c.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;

  it('moves leadership away, removes the broker from ISRs it follows; a single-replica partition stays and is not reported', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller, channel } = await c.startController(1);
    await c.createTopic('led', { 0: [2, 3, 1] });
    await c.createTopic('followed', { 0: [3, 2] });
    await c.createTopic('single', { 0: [2] });
    channel.clear();

    const r = await controller.controlledShutdown(2, epochOf(2));
    expect(r).toEqual({ errorCode: ErrorCode.NONE, remainingPartitions: [] });
    expect(await c.state('led', 0)).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3, 1] });
    expect(await c.state('followed', 0)).toMatchObject({ leader: 3, leaderEpoch: 0, isr: [3] });
    expect(await c.state('single', 0)).toMatchObject({ leader: 2, leaderEpoch: 0 });
    // The shutting-down broker learns it follows now, and stops (without deleting) the followed replica.
    expect(channel.leaderAndIsrFor(2, 'led', 0).at(-1)).toMatchObject({ leader: 3, leaderEpoch: 1 });
    expect(channel.stopReplicasTo(2)).toEqual([{ topic: 'followed', partition: 0, deletePartition: false, leaderEpoch: 0 }]);
    expect(channel.leaderAndIsrFor(3, 'followed', 0).at(-1)).toMatchObject({ isr: [3], leaderEpoch: 0 });
    expect(channel.leaderAndIsrFor(2, 'followed', 0)).toEqual([]);
    const apis = channel.sent.map((s) => s.api);
    expect(apis.lastIndexOf('LeaderAndIsr')).toBeLessThan(apis.indexOf('UpdateMetadata'));
    expect(apis.lastIndexOf('UpdateMetadata')).toBeLessThan(apis.indexOf('StopReplica'));
  });

  it('leaves a partition whose other replicas are not in the ISR with the broker', async () => {
    await c.registerBrokers(1, 2);
    const { controller } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [2, 1] });
    await controller.alterPartition(
      { brokerId: 2, brokerEpoch: epochOf(2), topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      2,
    );
    const r = await controller.controlledShutdown(2, epochOf(2));
    expect(r.remainingPartitions).toEqual([{ topicName: 't', partitionIndex: 0 }]);
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2] });
  });

  it('a shutting-down broker is not elected by later elections', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [3, 2, 1] });
    await controller.controlledShutdown(2, epochOf(2));
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, isr: [3, 1] });
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 1 });
  });

  it('answers STALE_BROKER_EPOCH for an old epoch and BROKER_NOT_AVAILABLE for an unknown broker', async () => {
    await c.registerBrokers(1, 2);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 1] });
    expect(await controller.controlledShutdown(2, epochOf(2) - 1n)).toEqual({ errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] });
    expect(await controller.controlledShutdown(7, 1n)).toEqual({ errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] });
    expect(await c.state('t', 0)).toMatchObject({ leader: 2 });
    // -1 (ControlledShutdown v0-v1 carries no broker epoch) is not checked.
    expect((await controller.controlledShutdown(2, -1n)).errorCode).toBe(ErrorCode.NONE);
    expect(await c.state('t', 0)).toMatchObject({ leader: 1 });
  });

  it('does not touch topics being deleted, and does not report them', async () => {
    await c.registerBrokers(1, 2);
    const { controller, channel } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 1] });
    channel.unreachable.add(2); // deletion stays in progress: broker 2 never answers
    await c.store.markTopicForDeletion('t');
    await settle();
    const before = await c.state('t', 0);
    const r = await controller.controlledShutdown(2, epochOf(2));
    expect(r.remainingPartitions).toEqual([]);
    expect(await c.state('t', 0)).toEqual(before);
  });
});
