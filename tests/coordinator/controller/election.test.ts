import { ErrorCode, KafkaError } from '../../../protocol/errors';
import { Cluster, settle, StoreView } from './harness';

describe('Controller > election', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());

  it('becomes the controller with the store epoch and tells every live broker', async () => {
    await c.registerBrokers(1, 2);
    await c.createTopic('t', { 0: [1, 2] });
    const { controller, channel } = await c.startController(1);
    expect(controller.isActive).toBe(true);
    expect(controller.epoch).toBe(1);
    expect(c.store.controllerId()).toBe(1);
    // UpdateMetadata (brokers only) reaches every broker before any LeaderAndIsr.
    const first = channel.sent.slice(0, 2);
    expect(first.map((s) => [s.api, s.brokerId])).toEqual([
      ['UpdateMetadata', 1],
      ['UpdateMetadata', 2],
    ]);
    for (const s of channel.sent) {
      expect(s.req.controllerId).toBe(1);
      expect(s.req.controllerEpoch).toBe(1);
      expect(s.req.brokerEpoch).toBe(c.store.liveBrokers().find((b) => b.brokerId === s.brokerId)?.brokerEpoch);
    }
  });

  it('a second controller stays inactive and answers NOT_CONTROLLER', async () => {
    await c.registerBrokers(1, 2);
    await c.createTopic('t', { 0: [1, 2] });
    await c.startController(1);
    const { controller: c2, channel } = await c.startController(2);
    expect(c2.isActive).toBe(false);
    expect(c2.epoch).toBe(-1);
    expect(channel.sent).toEqual([]);
    expect(await c2.electLeaders(0, [{ topic: 't', partitions: [0] }])).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }]);
    expect(await c2.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [2, 1] }])).toEqual([
      { topic: 't', partition: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null },
    ]);
    expect((await c2.controlledShutdown(1, 1n)).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    const ap = await c2.alterPartition({ brokerId: 1, brokerEpoch: 1n, topics: [] }, 2);
    expect(ap.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(() => c2.listPartitionReassignments(null)).toThrow(KafkaError);
  });

  it('fails over to the second controller when the first shuts down, with a higher epoch', async () => {
    await c.registerBrokers(1, 2);
    await c.createTopic('t', { 0: [1, 2] });
    const { controller: c1 } = await c.startController(1);
    const { controller: c2, channel: ch2 } = await c.startController(2);
    let activated = 0;
    c2.onControllerActivated = () => activated++;
    await c1.shutdown();
    await settle();
    expect(c1.isActive).toBe(false);
    expect(c2.isActive).toBe(true);
    expect(c2.epoch).toBe(2);
    expect(activated).toBe(1);
    // The new controller sends every partition's state to its replicas.
    expect(ch2.leaderAndIsrFor(1, 't', 0)).toHaveLength(1);
    expect(ch2.leaderAndIsrFor(2, 't', 0)).toHaveLength(1);
    expect(ch2.of('LeaderAndIsr').every((s) => s.req.controllerEpoch === 2)).toBe(true);
  });

  it('a deposed controller that did not notice is fenced: its write fails, it resigns, nothing lands', async () => {
    await c.registerBrokers(1, 2);
    const topicId = await c.createTopic('t', { 0: [1, 2] });
    const p1 = new StoreView(c.store);
    const { controller: c1, channel: ch1 } = await c.startController(1, {}, p1.store);
    const { controller: c2 } = await c.startController(2);
    const initial = await c.state('t', 0);
    expect(initial).toMatchObject({ leader: 1, isr: [1, 2], version: 0 });

    p1.cut(); // broker 1 no longer hears the store
    await c.store.resignController(1); // its /controller is gone (e.g. its session expired)
    await settle();
    expect(c2.isActive).toBe(true);
    expect(c2.epoch).toBe(2);
    expect(c1.isActive).toBe(true); // it does not know yet
    ch1.clear();

    let resigned = 0;
    c1.onControllerResigned = () => resigned++;
    const epoch1 = c.store.liveBrokers()[0]!.brokerEpoch;
    const shrink = {
      brokerId: 1,
      brokerEpoch: epoch1,
      topics: [{ topicName: 't', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }],
    };
    const r = await c1.alterPartition(shrink, 1);
    expect(r.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(c1.isActive).toBe(false);
    expect(c1.epoch).toBe(-1);
    expect(resigned).toBe(1);
    expect(await c.state('t', 0)).toEqual(initial);
    expect((await c1.alterPartition(shrink, 1)).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(await c.state('t', 0)).toEqual(initial);
    expect(ch1.sent).toEqual([]);
    expect(ch1.closed).toBeGreaterThan(0);
    // The new controller still acts.
    const r2 = await c2.alterPartition(shrink, 1);
    expect(r2.topics[0]?.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1], partitionEpoch: 1 });
  });

  it('resigns at once when the controller moves to another broker, and stops acting', async () => {
    await c.registerBrokers(1, 2);
    const p1 = new StoreView(c.store);
    const { controller: c1, channel: ch1 } = await c.startController(1, {}, p1.store);
    p1.hold();
    await c.store.resignController(1);
    expect(await c.store.tryElectController(2)).not.toBeNull();
    p1.release(); // broker 1 hears: /controller gone, then broker 2 is the controller
    expect(c1.isActive).toBe(false);
    await settle();
    expect(c1.isActive).toBe(false);
    expect(c.store.controllerId()).toBe(2);
    ch1.clear();
    await c.createTopic('t', { 0: [1, 2] });
    expect(await c.state('t', 0)).toBeUndefined();
    expect(ch1.sent).toEqual([]);
  });

  it('resigns on session expiry and is elected again on the new session', async () => {
    await c.registerBrokers(1, 2);
    const { controller, channel } = await c.startController(1);
    const resignedEpochs: number[] = [];
    controller.onControllerResigned = () => resignedEpochs.push(1);
    await c.store.expireSession();
    await settle();
    expect(resignedEpochs).toHaveLength(1);
    expect(channel.closed).toBe(1);
    // The new session: /controller was free again.
    expect(controller.isActive).toBe(true);
    expect(controller.epoch).toBe(2);
  });

  it('clears a stale /controller naming itself before electing', async () => {
    await c.registerBrokers(1);
    await c.store.tryElectController(1);
    const { controller } = await c.startController(1);
    expect(controller.isActive).toBe(true);
    expect(controller.epoch).toBe(2);
  });

  it('shutdown resigns and frees /controller', async () => {
    await c.registerBrokers(1);
    const { controller } = await c.startController(1);
    await controller.shutdown();
    expect(controller.isActive).toBe(false);
    expect(c.store.controllerId()).toBe(-1);
    expect((await controller.controlledShutdown(1, 1n)).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
  });

  it('session expiry alone makes it resign at once (no /controller event needed)', async () => {
    await c.registerBrokers(1);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    view.hold();
    await c.store.expireSession();
    view.release((e) => e.type === 'session' && e.state === 'expired');
    expect(controller.isActive).toBe(false);
  });

  it('a new session alone starts an election', async () => {
    await c.registerBrokers(1);
    const view = new StoreView(c.store);
    const { controller } = await c.startController(1, {}, view.store);
    view.hold();
    await c.store.expireSession();
    view.release((e) => e.type === 'session');
    await settle();
    expect(controller.isActive).toBe(true);
    expect(controller.epoch).toBe(2);
  });

  it('a deposed controller acting on a store event is fenced and resigns', async () => {
    await c.registerBrokers(1, 2);
    const v1 = new StoreView(c.store);
    const { controller: c1, channel: ch1 } = await c.startController(1, {}, v1.store);
    const { controller: c2 } = await c.startController(2);
    v1.hold();
    await c.store.resignController(1);
    await settle();
    expect(c2.isActive).toBe(true);
    await c.createTopic('x', { 0: [1, 2] });
    const byC2 = await c.state('x', 0);
    expect(byC2?.controllerEpoch).toBe(2);
    ch1.clear();
    v1.release((e) => e.type === 'topic-created'); // broker 1 only hears of the topic
    await settle();
    expect(c1.isActive).toBe(false);
    expect(await c.state('x', 0)).toEqual(byC2);
    expect(ch1.sent).toEqual([]);
  });
});
