import { ErrorCode } from '../../../protocol/errors';
import type { AlterPartitionRequest } from '../../../protocol/generated/alter-partition-request';
import type { Controller } from '../../../coordinator/controller/controller';
import { Cluster, FakeChannel, settle, StoreView } from './harness';

interface Ask {
  brokerId?: number;
  brokerEpoch?: bigint;
  topic?: string;
  topicId?: string;
  partition?: number;
  leaderEpoch?: number;
  partitionEpoch?: number;
  isr: number[];
  isrEpochs?: bigint[];
  leaderRecoveryState?: number;
}

describe('Controller > AlterPartition', () => {
  let c: Cluster;
  let controller: Controller;
  let channel: FakeChannel;
  let topicId: string;
  const epochOf = (id: number) => c.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;

  function request(a: Ask): AlterPartitionRequest {
    const isrEpochs = a.isrEpochs ?? a.isr.map(() => -1n);
    return {
      brokerId: a.brokerId ?? 1,
      brokerEpoch: a.brokerEpoch ?? epochOf(a.brokerId ?? 1),
      topics: [
        {
          topicName: a.topic ?? 't',
          topicId: a.topicId ?? topicId,
          partitions: [
            {
              partitionIndex: a.partition ?? 0,
              leaderEpoch: a.leaderEpoch ?? 0,
              newIsr: a.isr,
              newIsrWithEpochs: a.isr.map((brokerId, i) => ({ brokerId, brokerEpoch: isrEpochs[i] ?? -1n })),
              leaderRecoveryState: a.leaderRecoveryState ?? 0,
              partitionEpoch: a.partitionEpoch ?? 0,
            },
          ],
        },
      ],
    };
  }

  async function ask(a: Ask, version = 2) {
    const r = await controller.alterPartition(request(a), version);
    return { top: r.errorCode, p: r.topics[0]?.partitions[0], topic: r.topics[0] };
  }

  beforeEach(async () => {
    c = new Cluster();
    await c.registerBrokers(1, 2, 3, 4);
    ({ controller, channel } = await c.startController(1));
    topicId = await c.createTopic('t', { 0: [1, 2, 3] });
    // ISR [1] to start, so that expansions can be tried.
    const r = await ask({ isr: [1] });
    expect(r.p).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1], partitionEpoch: 1, leaderId: 1, leaderEpoch: 0 });
    channel.clear();
  });
  afterEach(() => c.stop());

  it('accepts an ISR change from the leader: leader epoch unchanged, version + 1, UpdateMetadata to all', async () => {
    const r = await ask({ isr: [1, 2], partitionEpoch: 1 });
    expect(r.top).toBe(ErrorCode.NONE);
    expect(r.topic?.topicId).toBe(topicId);
    expect(r.topic?.topicName).toBe('');
    expect(r.p).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NONE, leaderId: 1, leaderEpoch: 0, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 2 });
    expect(await c.state('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2], version: 2 });
    const um = channel.of('UpdateMetadata');
    expect(um.map((s) => s.brokerId)).toEqual([1, 2, 3, 4]);
    expect(um[0]!.req.topicStates[0]!.partitionStates[0]).toMatchObject({ isr: [1, 2], zkVersion: 2 });
  });

  it('uses topic names below v2', async () => {
    const r = await ask({ isr: [1, 2], partitionEpoch: 1, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, 1);
    expect(r.topic?.topicName).toBe('t');
    expect(r.p?.errorCode).toBe(ErrorCode.NONE);
    expect((await ask({ topic: 'nope', isr: [1] }, 1)).p?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('uses the broker ids of newIsrWithEpochs from v3 and checks their broker epochs', async () => {
    const v3 = request({ isr: [1, 2], partitionEpoch: 1, isrEpochs: [epochOf(1), epochOf(2)] });
    v3.topics[0]!.partitions[0]!.newIsr = [];
    expect((await controller.alterPartition(v3, 3)).topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1, 2] });
    const stale = await ask({ isr: [1, 2, 3], partitionEpoch: 2, isrEpochs: [-1n, -1n, epochOf(3) - 1n] }, 3);
    expect(stale.p?.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
  });

  it('rejects an unknown or stale broker epoch at the top level', async () => {
    expect((await ask({ isr: [1, 2], partitionEpoch: 1, brokerEpoch: epochOf(1) - 1n })).top).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect((await ask({ isr: [1, 2], partitionEpoch: 1, brokerId: 9, brokerEpoch: 1n })).top).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(await c.state('t', 0)).toMatchObject({ isr: [1], version: 1 });
  });

  it('answers UNKNOWN_TOPIC_ID and UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect((await ask({ isr: [1], topicId: 'ZZZZZZZZZZZZZZZZZZZZZA' })).p?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    expect((await ask({ isr: [1], partition: 7 })).p?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('fences an older leader epoch and sends a newer one to NOT_CONTROLLER', async () => {
    await ask({ isr: [1, 2], partitionEpoch: 1 });
    await c.store.unregisterBroker(1);
    await settle();
    await c.registerBroker(1);
    await settle();
    // Broker 2 leads with leader epoch 1 now.
    const s = (await c.state('t', 0))!;
    expect(s).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2] });
    const leader = s.leader;
    expect((await ask({ brokerId: leader, isr: [leader, 1], leaderEpoch: 0, partitionEpoch: s.version })).p?.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await ask({ brokerId: leader, isr: [leader, 1], leaderEpoch: 2, partitionEpoch: s.version })).p?.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await ask({ brokerId: leader, isr: [leader, 1], leaderEpoch: 1, partitionEpoch: s.version + 1 })).p?.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(await c.state('t', 0)).toEqual(s);
  });

  it('answers NOT_LEADER_OR_FOLLOWER to a broker that is not the leader', async () => {
    expect((await ask({ brokerId: 2, isr: [1, 2], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('answers the current state to a retry of an applied change, and INVALID_UPDATE_VERSION to a stale one', async () => {
    expect((await ask({ isr: [1, 2], partitionEpoch: 1 })).p?.partitionEpoch).toBe(2);
    const retry = await ask({ isr: [1, 2], partitionEpoch: 1 });
    expect(retry.p).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1, 2], partitionEpoch: 2 });
    expect((await ask({ isr: [1, 3], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect(await c.state('t', 0)).toMatchObject({ isr: [1, 2], version: 2 });
  });

  it('rejects malformed ISRs and recovery-state moves with INVALID_REQUEST', async () => {
    expect((await ask({ isr: [2, 3], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await ask({ isr: [1, 2, 2], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await ask({ isr: [1], partitionEpoch: 1, leaderRecoveryState: 1 })).p?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await c.state('t', 0)).toMatchObject({ isr: [1], version: 1, leaderRecoveryState: 0 });
  });

  it('after an unclean election: RECOVERING with more than one ISR member is refused, RECOVERED is accepted', async () => {
    const c2 = new Cluster();
    try {
      await c2.registerBrokers(1, 2);
      const { controller: ctl } = await c2.startController(1, { uncleanTopics: ['u'] });
      const uid = await c2.createTopic('u', { 0: [2, 1] });
      const ep = (id: number) => c2.store.liveBrokers().find((b) => b.brokerId === id)!.brokerEpoch;
      const req = (isr: number[], leaderRecoveryState: number, partitionEpoch: number): AlterPartitionRequest => ({
        brokerId: 1,
        brokerEpoch: ep(1),
        topics: [{ topicName: 'u', topicId: uid, partitions: [{ partitionIndex: 0, leaderEpoch: 1, newIsr: isr, newIsrWithEpochs: [], leaderRecoveryState, partitionEpoch }] }],
      });
      // ISR [2] only, then 2 dies: 1 is elected uncleanly.
      await ctl.alterPartition({ ...req([2], 0, 0), brokerId: 2, brokerEpoch: ep(2), topics: [{ topicName: 'u', topicId: uid, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [2], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] }, 1);
      await c2.store.unregisterBroker(2);
      await settle();
      await c2.registerBroker(2);
      await settle();
      const s = (await c2.state('u', 0))!;
      expect(s).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1], leaderRecoveryState: 1 });
      expect((await ctl.alterPartition(req([1, 2], 1, s.version), 1)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
      const ok = (await ctl.alterPartition(req([1, 2], 0, s.version), 1)).topics[0]!.partitions[0]!;
      expect(ok).toMatchObject({ errorCode: ErrorCode.NONE, isr: [1, 2], leaderRecoveryState: 0 });
    } finally {
      await c2.stop();
    }
  });

  it('rejects ISR members that are dead, shutting down or not assigned (INELIGIBLE_REPLICA; OPERATION_NOT_ATTEMPTED below v2)', async () => {
    expect((await ask({ isr: [1, 4], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
    await c.store.unregisterBroker(3);
    await settle();
    expect((await ask({ isr: [1, 3], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect((await ask({ isr: [1, 3], partitionEpoch: 1, topicId: '' }, 1)).p?.errorCode).toBe(ErrorCode.OPERATION_NOT_ATTEMPTED);
    expect((await controller.controlledShutdown(2, epochOf(2))).errorCode).toBe(ErrorCode.NONE);
    expect((await ask({ isr: [1, 2], partitionEpoch: 1 })).p?.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect(await c.state('t', 0)).toMatchObject({ isr: [1], version: 1 });
  });

  it('keeps one bad partition from failing the others', async () => {
    const req = request({ isr: [1, 2], partitionEpoch: 1 });
    req.topics[0]!.partitions.push({ ...req.topics[0]!.partitions[0]!, partitionIndex: 5 });
    const r = await controller.alterPartition(req, 2);
    expect(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, ErrorCode.NONE],
      [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });

  it('answers INVALID_UPDATE_VERSION when the state changed under the write', async () => {
    const c2 = new Cluster();
    try {
      await c2.registerBrokers(1, 2);
      const view = new StoreView(c2.store);
      const { controller: ctl } = await c2.startController(1, {}, view.store);
      const id = await c2.createTopic('u', { 0: [1, 2] });
      view.before('writePartitionStates', async () => {
        await c2.store.writePartitionStates({ controllerEpoch: 1, epochVersion: 1 }, [
          { topic: 'u', partition: 0, state: { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1, leaderRecoveryState: 0 }, expectedVersion: 0 },
        ]);
      });
      const ep = c2.store.liveBrokers()[0]!.brokerEpoch;
      const r = await ctl.alterPartition({ brokerId: 1, brokerEpoch: ep, topics: [{ topicName: 'u', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 0 }] }] }, 2);
      expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
      // The controller now knows version 1: a request naming it succeeds.
      const r2 = await ctl.alterPartition({ brokerId: 1, brokerEpoch: ep, topics: [{ topicName: 'u', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: 1 }] }] }, 2);
      expect(r2.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, partitionEpoch: 2 });
    } finally {
      await c2.stop();
    }
  });
});
