import { ErrorCode } from '../../../protocol/errors';
import { Cluster, settle, StoreView } from './harness';

describe('Controller > broker failure and startup', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());

  it('moves leadership of a dead leader to the next ISR member, bumping the leader epoch', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [2, 3, 1] });
    channel.clear();
    await c.store.unregisterBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3, 1], version: 1 });
    expect(channel.leaderAndIsrFor(3, 't', 0).at(-1)).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3, 1], partitionEpoch: 1 });
    expect(channel.leaderAndIsrFor(1, 't', 0).at(-1)).toMatchObject({ leader: 3, leaderEpoch: 1 });
    expect(channel.of('LeaderAndIsr', 2)).toEqual([]);
    const um = channel.of('UpdateMetadata');
    expect(um.map((s) => s.brokerId).sort()).toEqual([1, 3]);
    expect(um.at(-1)!.req.liveBrokers.map((b) => b.id)).toEqual([1, 3]);
    expect(um.at(-1)!.req.topicStates[0]!.partitionStates[0]).toMatchObject({ leader: 3, offlineReplicas: [2] });
    expect(c.log.lines.some((l) => l.level === 'info' && l.msg.includes('Elected leader 3 for t-0'))).toBe(true);
  });

  it('never elects outside the ISR when unclean election is disabled; the partition goes offline', async () => {
    await c.registerBrokers(1, 2, 3);
    await c.startController(1);
    await c.createTopic('t', { 0: [2, 3] });
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 0 });
    await c.registerBroker(3); // back, but not in the ISR
    await settle();
    await c.store.unregisterBroker(2);
    await settle();
    // Leader -1, the last ISR member kept so a clean election can still happen.
    expect(await c.state('t', 0)).toMatchObject({ leader: -1, isr: [2], leaderEpoch: 1, leaderRecoveryState: 0 });
    await c.registerBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 2 });
  });

  it('elects a live replica outside the ISR when the topic allows unclean election, marking it RECOVERING', async () => {
    await c.registerBrokers(1, 2, 3);
    await c.startController(1, { uncleanTopics: ['t'] });
    await c.createTopic('t', { 0: [2, 3] });
    await c.store.unregisterBroker(3);
    await settle();
    await c.registerBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2] });
    await c.store.unregisterBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, isr: [3], leaderEpoch: 1, leaderRecoveryState: 1 });
    expect(c.log.lines.some((l) => l.msg.includes('Elected leader 3 for t-0'))).toBe(true);
  });

  it('elects an offline partition once unclean election is enabled on its topic', async () => {
    await c.registerBrokers(1, 2, 3);
    const unclean = (t: string) => c.store.topic(t)?.configs['unclean.leader.election.enable'] === 'true';
    await c.startController(1, { unclean });
    await c.createTopic('t', { 0: [2, 3] });
    await c.store.unregisterBroker(3);
    await settle();
    await c.registerBroker(3);
    await c.store.unregisterBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: -1 });
    await c.store.setTopicConfigs('t', { 'unclean.leader.election.enable': 'true' });
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 3, isr: [3], leaderRecoveryState: 1 });
  });

  it('removes a dead follower from the ISR without changing the leader epoch', async () => {
    await c.registerBrokers(1, 2, 3);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2, 3] });
    channel.clear();
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2], version: 1 });
    expect(channel.leaderAndIsrFor(1, 't', 0).at(-1)).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2], partitionEpoch: 1 });
    expect(channel.leaderAndIsrFor(2, 't', 0).at(-1)).toMatchObject({ isr: [1, 2] });
    expect(channel.of('UpdateMetadata').map((s) => s.brokerId).sort()).toEqual([1, 2]);
  });

  it('a new broker gets the full metadata and LeaderAndIsr for its replicas, others the broker list', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('a', { 0: [1, 2] });
    await c.createTopic('b', { 0: [1], 1: [2, 1] });
    channel.clear();
    await c.registerBroker(3);
    await settle();
    const toNew = channel.of('UpdateMetadata', 3);
    expect(toNew).toHaveLength(1);
    const parts = toNew[0]!.req.topicStates.flatMap((t) => t.partitionStates.map((p) => `${t.topicName}-${p.partitionIndex}`)).sort();
    expect(parts).toEqual(['a-0', 'b-0', 'b-1']);
    const toOld = channel.of('UpdateMetadata', 1);
    expect(toOld[0]!.req.topicStates).toEqual([]);
    expect(toOld[0]!.req.liveBrokers.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(channel.of('LeaderAndIsr', 3)).toEqual([]); // it holds no replica
  });

  it('a restarted broker (new broker epoch) is treated as dead then new', async () => {
    await c.registerBrokers(1, 2, 3);
    const view = new StoreView(c.store);
    const { channel } = await c.startController(1, {}, view.store);
    await c.createTopic('t', { 0: [2, 1, 3] });
    const oldEpoch = c.store.liveBrokers().find((b) => b.brokerId === 2)!.brokerEpoch;
    channel.clear();
    // Unregistered and registered again before the controller looks: only the epoch changed.
    view.hold();
    await c.store.unregisterBroker(2);
    await c.registerBroker(2);
    view.release();
    await settle();
    expect(c.log.lines.some((l) => l.msg.includes('bounced: 2'))).toBe(true);
    const newEpoch = c.store.liveBrokers().find((b) => b.brokerId === 2)!.brokerEpoch;
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    // Leadership moved away from its old incarnation; it rejoins as a follower outside the ISR.
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, isr: [1, 3], leaderEpoch: 1 });
    const lai = channel.of('LeaderAndIsr', 2);
    expect(lai.length).toBeGreaterThan(0);
    expect(lai.every((s) => s.req.brokerEpoch === newEpoch)).toBe(true);
    expect(channel.leaderAndIsrFor(2, 't', 0).at(-1)).toMatchObject({ leader: 1 });
  });

  it('a broker whose endpoints changed is announced to every broker', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    channel.clear();
    await c.store.registerBroker({ brokerId: 2, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'moved', port: 1 }], rack: null });
    await settle();
    const um = channel.of('UpdateMetadata');
    expect(um.map((s) => s.brokerId)).toEqual([1, 2]);
    expect(um[0]!.req.liveBrokers.find((b) => b.id === 2)!.endpoints[0]!.host).toBe('moved');
  });

  it('fails over with dead ISR members still listed: removes them and elects for dead leaders', async () => {
    await c.registerBrokers(1, 2, 3);
    const first = await c.startController(1);
    await c.createTopic('t', { 0: [3, 2, 1], 1: [1, 3] });
    await first.controller.shutdown();
    await c.store.unregisterBroker(3); // dies while there is no controller
    await c.startController(1);
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2, 1], leaderEpoch: 1 });
    expect(await c.state('t', 1)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 0 });
  });

  it('retries a state write that lost a race, on the state the store returns', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 2, 3] });
    // Another writer (same fence) changes the state behind the controller's back.
    await c.store.writePartitionStates({ controllerEpoch: controller.epoch, epochVersion: 1 }, [
      { topic: 't', partition: 0, state: { leader: 1, leaderEpoch: 0, isr: [1, 3], controllerEpoch: 1, leaderRecoveryState: 0 }, expectedVersion: 0 },
    ]);
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, isr: [1], version: 2 });
  });

  it('gives up a state write after a bounded number of conflicts', async () => {
    await c.registerBrokers(1, 2, 3);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    await c.createTopic('t', { 0: [1, 2, 3] });
    let isr = [1, 2, 3];
    view.before(
      'writePartitionStates',
      async () => {
        const s = (await c.state('t', 0))!;
        isr = isr.length === 3 ? [1, 3, 2] : [1, 2, 3];
        await c.store.writePartitionStates({ controllerEpoch: controller.epoch, epochVersion: 1 }, [
          { topic: 't', partition: 0, state: { leader: 1, leaderEpoch: 0, isr, controllerEpoch: 1, leaderRecoveryState: 0 }, expectedVersion: s.version },
        ]);
      },
      1000,
    );
    await c.store.unregisterBroker(3);
    await settle(200);
    expect((await c.state('t', 0))!.isr).toHaveLength(3);
    expect(controller.isActive).toBe(true);
  });

  it('adopts a state that appeared before its own first write', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    const { controller, channel } = await c.startController(1, {}, view.store);
    view.hold();
    await c.store.createTopic({ name: 't', topicId: 'tttttttttttttttttttttA', assignment: new Map([[0, [1, 2]]]), configs: {} });
    await c.store.writePartitionStates({ controllerEpoch: controller.epoch, epochVersion: 1 }, [
      { topic: 't', partition: 0, state: { leader: 2, leaderEpoch: 3, isr: [2], controllerEpoch: 1, leaderRecoveryState: 0 }, expectedVersion: -1 },
    ]);
    channel.clear();
    view.release();
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 3, version: 0 });
    expect(channel.leaderAndIsrFor(1, 't', 0).at(-1)).toMatchObject({ leader: 2, leaderEpoch: 3, isNew: false });
  });

  it('follows topics deleted or re-created while it was not listening', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    await c.createTopic('gone', { 0: [1, 2] });
    await c.createTopic('again', { 0: [1, 2] });
    const fence = { controllerEpoch: controller.epoch, epochVersion: 1 };
    view.hold();
    await c.store.deleteTopic(fence, 'gone');
    await c.store.deleteTopic(fence, 'again');
    await c.store.createTopic({ name: 'again', topicId: 'NEWNEWNEWNEWNEWNEWNEWA', assignment: new Map([[0, [2, 1]]]), configs: {} });
    view.release();
    await settle();
    expect((await controller.electLeaders(0, [{ topic: 'gone', partitions: [0] }]))[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await c.state('again', 0)).toMatchObject({ leader: 2, version: 0 });
  });

  it('an offline election follows the assignment order, not the ISR order', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [1, 2, 3] });
    await controller.alterPartition(
      { brokerId: 1, brokerEpoch: c.store.liveBrokers()[0]!.brokerEpoch, topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1, 3, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      2,
    );
    await c.store.unregisterBroker(1);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [3, 2] });
  });

  it('a broker that restarts after a controlled shutdown is eligible again', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [1, 2, 3] });
    await controller.controlledShutdown(2, c.store.liveBrokers()[1]!.brokerEpoch);
    await c.store.unregisterBroker(2);
    await c.registerBroker(2);
    await settle();
    const s = (await c.state('t', 0))!;
    const r = await controller.alterPartition(
      { brokerId: 1, brokerEpoch: c.store.liveBrokers()[0]!.brokerEpoch, topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: s.leaderEpoch, newIsr: [...s.isr, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }] },
      2,
    );
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('a broker registering with an assigned replica is told to follow it', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [1, 3] });
    channel.clear();
    await c.registerBroker(3);
    await settle();
    expect(channel.leaderAndIsrFor(3, 't', 0)).toEqual([expect.objectContaining({ leader: 1, isr: [1], replicas: [1, 3] })]);
  });

  it('UpdateMetadata after a death lists the dead replica of partitions whose state did not change', async () => {
    await c.registerBrokers(1, 2, 3);
    const { controller, channel } = await c.startController(1);
    const topicId = await c.createTopic('t', { 0: [1, 2, 3] });
    await controller.alterPartition(
      { brokerId: 1, brokerEpoch: c.store.liveBrokers()[0]!.brokerEpoch, topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] },
      2,
    );
    channel.clear();
    await c.store.unregisterBroker(3);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ version: 1 });
    const ps = channel.of('UpdateMetadata', 1).at(-1)!.req.topicStates[0]!.partitionStates[0]!;
    expect(ps).toMatchObject({ partitionIndex: 0, offlineReplicas: [3] });
  });

  it('the channel gets the new registration of a restarted broker', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    const { channel } = await c.startController(1, {}, view.store);
    view.hold();
    await c.store.unregisterBroker(2);
    await c.registerBroker(2);
    view.release();
    await settle();
    expect(channel.brokers.get(2)?.brokerEpoch).toBe(c.store.liveBrokers()[1]!.brokerEpoch);
  });

  it('a broker event already handled by an earlier one changes and logs nothing', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    await c.startController(1, {}, view.store);
    const lines = c.log.lines.length;
    view.hold();
    await c.registerBroker(3);
    await c.registerBroker(4);
    view.release(); // two events; the first sees both brokers
    await settle();
    expect(c.log.lines.slice(lines).filter((l) => l.msg.startsWith('Brokers added'))).toHaveLength(1);
  });

  it('a topic event without new partitions writes and logs nothing', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    await c.startController(1, {}, view.store);
    await c.createTopic('t', { 0: [1, 2] });
    const writes = view.callCount('writePartitionStates');
    const lines = c.log.lines.length;
    await c.store.setTopicConfigs('t', { 'retention.ms': '1' });
    await settle();
    expect(view.callCount('writePartitionStates')).toBe(writes);
    expect(c.log.lines.slice(lines).filter((l) => l.msg.startsWith('New partitions'))).toEqual([]);
  });
});
