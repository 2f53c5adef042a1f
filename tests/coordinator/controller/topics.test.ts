import { Cluster, settle } from './harness';

describe('Controller > new topics and partitions', () => {
  let c: Cluster;
  beforeEach(() => {
    c = new Cluster();
  });
  afterEach(() => c.stop());

  it('writes the initial state and sends LeaderAndIsr(isNew) to the replicas and UpdateMetadata to all', async () => {
    await c.registerBroker(1, 'r1', [
      { listenerName: 'INTERNAL', securityProtocol: 'SASL_SSL', host: 'b1-int', port: 19092 },
      { listenerName: 'EXTERNAL', securityProtocol: 'SSL', host: 'b1', port: 9093 },
    ]);
    await c.registerBroker(2, 'r2', [{ listenerName: 'PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', host: 'b2', port: 9092 }]);
    await c.registerBroker(3);
    const { channel } = await c.startController(1);
    channel.clear();
    const topicId = await c.createTopic('orders', { 0: [2, 1], 1: [1, 2] });

    expect(await c.state('orders', 0)).toEqual({ leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 1, leaderRecoveryState: 0, version: 0 });
    expect(await c.state('orders', 1)).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2], version: 0 });

    const lai = channel.of('LeaderAndIsr');
    expect(lai.map((s) => s.brokerId).sort()).toEqual([1, 2]);
    const to2 = lai.find((s) => s.brokerId === 2)!.req;
    expect(to2.topicStates).toHaveLength(1);
    expect(to2.topicStates[0]!.topicId).toBe(topicId);
    expect(to2.topicStates[0]!.partitionStates.find((p) => p.partitionIndex === 0)).toMatchObject({
      leader: 2,
      leaderEpoch: 0,
      isr: [2, 1],
      partitionEpoch: 0,
      replicas: [2, 1],
      addingReplicas: [],
      removingReplicas: [],
      isNew: true,
      controllerEpoch: 1,
    });
    expect(to2.liveLeaders.sort((a, b) => a.brokerId - b.brokerId)).toEqual([
      { brokerId: 1, hostName: 'b1-int', port: 19092 },
      { brokerId: 2, hostName: 'b2', port: 9092 },
    ]);
    // The order of one event: LeaderAndIsr first, then UpdateMetadata to every broker.
    const apis = channel.sent.map((s) => s.api);
    expect(apis.lastIndexOf('LeaderAndIsr')).toBeLessThan(apis.indexOf('UpdateMetadata'));
    const um = channel.of('UpdateMetadata');
    expect(um.map((s) => s.brokerId)).toEqual([1, 2, 3]);
    const req = um[0]!.req;
    expect(req.topicStates).toEqual([
      {
        topicName: 'orders',
        topicId,
        partitionStates: expect.arrayContaining([
          expect.objectContaining({ partitionIndex: 0, leader: 2, isr: [2, 1], zkVersion: 0, replicas: [2, 1], offlineReplicas: [], leaderEpoch: 0 }),
        ]),
      },
    ]);
    expect(req.liveBrokers).toEqual([
      {
        id: 1,
        v0Host: '',
        v0Port: 0,
        rack: 'r1',
        endpoints: [
          { host: 'b1-int', port: 19092, listener: 'INTERNAL', securityProtocol: 3 },
          { host: 'b1', port: 9093, listener: 'EXTERNAL', securityProtocol: 1 },
        ],
      },
      { id: 2, v0Host: '', v0Port: 0, rack: 'r2', endpoints: [{ host: 'b2', port: 9092, listener: 'PLAINTEXT', securityProtocol: 2 }] },
      { id: 3, v0Host: '', v0Port: 0, rack: null, endpoints: [{ host: 'broker3', port: 9095, listener: 'PLAINTEXT', securityProtocol: 0 }] },
    ]);
    for (const s of um) expect(s.req.brokerEpoch).toBe(c.store.liveBrokers().find((b) => b.brokerId === s.brokerId)!.brokerEpoch);
  });

  it('leaves dead replicas out of the first ISR and leadership', async () => {
    await c.registerBrokers(1, 2);
    const { channel } = await c.startController(1);
    channel.clear();
    await c.createTopic('t', { 0: [3, 2, 1] });
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2, 1] });
    expect(channel.of('LeaderAndIsr').map((s) => s.brokerId).sort()).toEqual([1, 2]);
    const um = channel.of('UpdateMetadata')[0]!.req.topicStates[0]!.partitionStates[0]!;
    expect(um.offlineReplicas).toEqual([3]);
  });

  it('a new partition with no live replica waits, and starts when a replica broker registers', async () => {
    await c.registerBrokers(1);
    const { channel } = await c.startController(1);
    await c.createTopic('t', { 0: [2] });
    expect(await c.state('t', 0)).toBeUndefined();
    channel.clear();
    await c.registerBroker(2);
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2], version: 0 });
    expect(channel.leaderAndIsrFor(2, 't', 0)[0]).toMatchObject({ isNew: true, leader: 2 });
  });

  it('initializes added partitions only', async () => {
    await c.registerBrokers(1, 2);
    await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    await c.store.addPartitions('t', new Map([[1, [2, 1]]]));
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, version: 0 });
    expect(await c.state('t', 1)).toMatchObject({ leader: 2, isr: [2, 1], version: 0 });
  });

  it('initializes partitions created while there was no controller at failover', async () => {
    await c.registerBrokers(1, 2);
    await c.createTopic('t', { 0: [2, 1] });
    const { channel } = await c.startController(1);
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, isr: [2, 1], version: 0 });
    expect(channel.leaderAndIsrFor(2, 't', 0).some((p) => p.isNew)).toBe(true);
  });

  it('treats a re-created topic (same name, new id) as new', async () => {
    await c.registerBrokers(1, 2);
    await c.startController(1);
    await c.createTopic('t', { 0: [1, 2] });
    await c.store.markTopicForDeletion('t');
    await settle();
    expect(c.store.topic('t')).toBeUndefined();
    await c.store.createTopic({ name: 't', topicId: 'BBBBBBBBBBBBBBBBBBBBBA', assignment: new Map([[0, [2, 1]]]), configs: {} });
    await settle();
    expect(await c.state('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 0, version: 0 });
  });
});
