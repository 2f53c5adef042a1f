import { ErrorCode } from '../../../protocol/errors';
import { Cluster, settle } from './harness';

describe('Controller > ElectLeaders and auto rebalance', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());
  const epochOf = (id: number) => c.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;

  /** Leadership of every partition moves off broker 2 (a restart), and 2 rejoins the ISRs. */
  async function bounce2(topicId: string, partitions: number[]) {
    const controller = c.controllers[0]!;
    await c.store.unregisterBroker(2);
    await settle();
    await c.registerBroker(2);
    await settle();
    for (const p of partitions) {
      const s = (await c.state('t', p))!;
      await controller.alterPartition(
        {
          brokerId: s.leader,
          brokerEpoch: epochOf(s.leader),
          topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: p, leaderEpoch: s.leaderEpoch, newIsr: [...s.isr, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }],
        },
        2,
      );
    }
  }

  it('preferred election moves leadership back to the preferred replica', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller, channel } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [2, 3, 1], 1: [3, 2, 1] });
    await bounce2(topicId, [0]);
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, isr: [3, 1, 2] });
    channel.clear();
    const r = await controller.electLeaders(0, [{ topic: 't', partitions: [0, 1, 9] }, { topic: 'nope', partitions: [0] }]);
    expect(r).toEqual(
      expect.arrayContaining([
        { topic: 't', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null },
        { topic: 't', partition: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
        { topic: 't', partition: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' },
        { topic: 'nope', partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' },
      ]),
    );
    expect(r).toHaveLength(4);
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 2, isr: [3, 1, 2] });
    expect(channel.leaderAndIsrFor(2, 't', 0).at(-1)).toMatchObject({ leader: 2, leaderEpoch: 2 });
  });

  it('preferred election fails when the preferred replica is not in the ISR', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 3, 1] });
    await c.store.unregisterBroker(2);
    await settle();
    await c.registerBroker(2);
    await settle();
    const r = await controller.electLeaders(0, [{ topic: 't', partitions: [0] }]);
    expect(r[0]).toMatchObject({ errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE });
    expect(r[0]!.errorMessage).toContain('t-0');
    expect(await c.state('t', 0)).toMatchObject({ leader: 3 });
  });

  it('with partitions = null, elects everywhere and leaves out ELECTION_NOT_NEEDED', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [2, 3, 1], 1: [3, 2, 1] });
    await bounce2(topicId, [0]);
    expect(await controller.electLeaders(0, null)).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
  });

  it('unclean election through the API elects a live replica outside the ISR, only for leaderless partitions', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [2, 3] });
    await controller.alterPartition(
      { brokerId: 2, brokerEpoch: epochOf(2), topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      2,
    );
    expect((await controller.electLeaders(1, [{ topic: 't', partitions: [0] }]))[0]!.errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    await c.store.unregisterBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: -1 });
    expect((await controller.electLeaders(1, [{ topic: 't', partitions: [0] }]))[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, isr: [3], leaderRecoveryState: 1 });
  });

  it('unclean election fails with ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live', async () => {
    await c.registerBrokers(1, 2);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [2] });
    await c.store.unregisterBroker(2);
    await settle();
    expect((await controller.electLeaders(1, [{ topic: 't', partitions: [0] }]))[0]!.errorCode).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });

  it('refuses elections for a topic being deleted', async () => {
    await c.registerBrokers(1, 2);
    const { controller, channel } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 1] });
    channel.unreachable.add(2);
    await c.store.markTopicForDeletion('t');
    await settle();
    expect((await controller.electLeaders(0, [{ topic: 't', partitions: [0] }]))[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
  });

  it('auto rebalance: moves leaders back when a broker leads too few of its preferred partitions', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000, leaderImbalancePerBrokerPercentage: 10 });
    const topicId = await c.createTopic('t', { 0: [2, 1, 3], 1: [2, 3, 1], 2: [1, 2, 3] });
    await bounce2(topicId, [0, 1, 2]);
    expect((await c.state('t', 0))!.leader).not.toBe(2);
    expect((await c.state('t', 1))!.leader).not.toBe(2);
    c.clock.advance(5_000); // the first check runs 5 s after becoming controller
    await settle();
    expect((await c.state('t', 0))!.leader).toBe(2);
    expect((await c.state('t', 1))!.leader).toBe(2);
    expect((await c.state('t', 2))!.leader).toBe(1);
    // It keeps checking every interval.
    await bounce2(topicId, [0, 1]);
    expect((await c.state('t', 0))!.leader).not.toBe(2);
    c.clock.advance(60_000);
    await settle();
    expect((await c.state('t', 0))!.leader).toBe(2);
    expect(controller.isActive).toBe(true);
  });

  it('auto rebalance: leaves an imbalance at the threshold alone', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000, leaderImbalancePerBrokerPercentage: 50 });
    const topicId = await c.createTopic('t', { 0: [2, 1, 3], 1: [2, 3, 1] });
    await bounce2(topicId, [0, 1]);
    await controller.electLeaders(0, [{ topic: 't', partitions: [1] }]);
    expect((await c.state('t', 1))!.leader).toBe(2);
    c.clock.advance(5_000);
    await settle();
    // 1 of broker 2's 2 preferred partitions led elsewhere: 50%, not above 50%.
    expect((await c.state('t', 0))!.leader).not.toBe(2);
  });

  it('auto rebalance: skips partitions whose preferred replica is not in the ISR', async () => {
    await c.registerBrokers(1, 2, 3);
    await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000, leaderImbalancePerBrokerPercentage: 10 });
    const topicId = await c.createTopic('t', { 0: [2, 1, 3], 1: [2, 3, 1] });
    await bounce2(topicId, [0]); // 2 is back in the ISR of t-0 only
    expect((await c.state('t', 1))!.leader).not.toBe(2);
    c.clock.advance(5_000);
    await settle();
    expect((await c.state('t', 0))!.leader).toBe(2);
    expect((await c.state('t', 1))!.leader).not.toBe(2);
  });

  it('auto rebalance: does nothing when disabled', async () => {
    await c.registerBrokers(1, 2, 3);
    await c.startController(1, { autoLeaderRebalanceEnable: false });
    const topicId = await c.createTopic('t', { 0: [2, 1, 3] });
    await bounce2(topicId, [0]);
    c.clock.advance(600_000);
    await settle();
    expect((await c.state('t', 0))!.leader).not.toBe(2);
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('auto rebalance: the timer stops at resignation', async () => {
    await c.registerBrokers(1);
    const { controller } = await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000 });
    expect(c.clock.pendingTimers).toBe(1);
    await controller.shutdown();
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('preferred election does not pick a dead preferred replica kept in the ISR', async () => {
    await c.registerBrokers(1, 2);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 1] });
    const topicId = c.store.topic('t')!.topicId;
    await controller.alterPartition(
      { brokerId: 2, brokerEpoch: epochOf(2), topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      2,
    );
    await c.store.unregisterBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: -1, isr: [2] });
    expect((await controller.electLeaders(0, [{ topic: 't', partitions: [0] }]))[0]!.errorCode).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    expect(await c.state('t', 0)).toMatchObject({ leader: -1 });
  });

  it('auto rebalance does not try (and fail) elections whose preferred replica cannot lead', async () => {
    await c.registerBrokers(1, 2, 3);
    await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000, leaderImbalancePerBrokerPercentage: 10 });
    await c.createTopic('t', { 0: [2, 1, 3] });
    await c.store.unregisterBroker(2);
    await settle();
    await c.registerBroker(2); // back, outside the ISR
    await settle();
    c.clock.advance(5_000);
    await settle();
    expect(c.log.lines.filter((l) => l.msg.includes('Leader election for t-0 failed'))).toEqual([]);
  });
});
