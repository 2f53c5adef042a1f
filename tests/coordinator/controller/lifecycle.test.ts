import { ErrorCode } from '../../../protocol/errors';
import { Controller, FAILED_FAILOVER_RETRY_MS } from '../../../coordinator/controller/controller';
import { Cluster, controllerConfig, FakeChannel, settle, StoreView } from './harness';

describe('Controller > controllership lifecycle', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());
  const epochOf = (id: number) => c.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;

  it('a shutdown during an election attempt leaves no controller behind', async () => {
    await c.registerBrokers(1);
    const controller = new Controller({ brokerId: 1, store: c.store, channel: new FakeChannel(), clock: c.clock, logger: c.log, config: controllerConfig() });
    await controller.startup();
    await controller.shutdown();
    await settle();
    expect(controller.isActive).toBe(false);
    expect(c.store.controllerId()).toBe(-1);
  });

  it('a failed failover resigns, frees /controller, and retries after a pause', async () => {
    await c.registerBrokers(1);
    await c.createTopic('t', { 0: [1] });
    const view = new StoreView(c.store);
    view.failNext('readPartitionStates', new Error('disk on fire'));
    const { controller } = await c.startController(1, {}, view.store);
    expect(controller.isActive).toBe(false);
    expect(c.store.controllerId()).toBe(-1);
    expect(c.log.lines.some((l) => l.level === 'error' && l.msg.includes('disk on fire'))).toBe(true);
    c.clock.advance(FAILED_FAILOVER_RETRY_MS);
    await settle();
    expect(controller.isActive).toBe(true);
    expect(controller.epoch).toBe(2);
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, controllerEpoch: 2 });
  });

  it('shutdown cancels a pending retry', async () => {
    await c.registerBrokers(1);
    await c.createTopic('t', { 0: [1] });
    const view = new StoreView(c.store);
    view.failNext('readPartitionStates', new Error('disk on fire'));
    const { controller } = await c.startController(1, {}, view.store);
    expect(c.clock.pendingTimers).toBe(1);
    await controller.shutdown();
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('resigning while the context loads stops the failover before it opens the channel', async () => {
    await c.registerBrokers(1, 2);
    await c.createTopic('t', { 0: [1, 2] });
    const view = new StoreView(c.store);
    view.after('readPartitionStates', () => c.store.resignController(1));
    const { controller, channel } = await c.startController(1, {}, view.store);
    // The first controllership ended while loading; the second one (epoch 2) opened the channel once.
    expect(controller.epoch).toBe(2);
    expect(channel.addedLog).toEqual([1, 2]);
    expect(channel.sent.every((s) => s.req.controllerEpoch === 2)).toBe(true);
  });

  it('an event that loses the controllership during a write writes nothing more', async () => {
    await c.registerBrokers(1, 2, 3, 4);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    await c.createTopic('t', { 0: [1, 2, 3] });
    view.after('setAssignment', () => c.store.resignController(1));
    const r = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 4] }]);
    expect(r[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    await settle();
    // Re-elected (epoch 2), it resumes the stored reassignment: one leader epoch bump, by epoch 2.
    expect(controller.epoch).toBe(2);
    expect(await c.state('t', 0)).toMatchObject({ leaderEpoch: 1, controllerEpoch: 2 });
  });

  it('an event that loses the controllership sends nothing it collected', async () => {
    await c.registerBrokers(1, 2, 3);
    const view = new StoreView(c.store);
    const { controller, channel } = await c.startController(1, {}, view.store);
    await c.createTopic('led', { 0: [2, 3] });
    await c.createTopic('followed', { 0: [3, 2] });
    channel.clear();
    // The election write (led) succeeds; the controllership ends during the ISR write (followed).
    view.after('writePartitionStates', () => c.store.resignController(1), 2);
    const r = await controller.controlledShutdown(2, epochOf(2));
    expect(r.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    await settle();
    expect(channel.sent.filter((s) => s.req.controllerEpoch === 1)).toEqual([]);
  });

  it('work queued before a resignation is dropped', async () => {
    await c.registerBrokers(1, 2);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    await c.createTopic('x', { 0: [1, 2] });
    view.hold();
    await c.store.createTopic({ name: 'a', topicId: 'aaaaaaaaaaaaaaaaaaaaaA', assignment: new Map([[0, [1, 2]]]), configs: {} });
    await c.store.unregisterBroker(2);
    await c.store.resignController(1);
    view.release(); // the topic change starts at once; the broker change is queued when the resignation arrives
    await settle();
    expect(controller.epoch).toBe(2);
    // Broker 2's removal from the ISR was done by the new controllership, not by the queued event.
    expect(await c.state('x', 0)).toMatchObject({ isr: [1], controllerEpoch: 2 });
  });

  it('the rebalance timer is not renewed by a controllership that ended during the check', async () => {
    await c.registerBrokers(1, 2, 3);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalMs: 60_000 }, view.store);
    const topicId = await c.createTopic('t', { 0: [2, 1, 3] });
    await c.store.unregisterBroker(2);
    await settle();
    await c.registerBroker(2);
    await settle();
    const s = (await c.state('t', 0))!;
    await controller.alterPartition(
      { brokerId: s.leader, brokerEpoch: epochOf(s.leader), topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: s.leaderEpoch, newIsr: [...s.isr, 2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: s.version }] }] },
      2,
    );
    view.after('writePartitionStates', () => c.store.resignController(1));
    c.clock.advance(5_000);
    await settle();
    expect(controller.epoch).toBe(2);
    expect(c.clock.pendingTimers).toBe(1); // the new controllership's first check only
  });
});
