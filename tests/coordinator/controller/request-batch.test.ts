import { ControllerContext } from '../../../coordinator/controller/controller-context';
import { PartitionLifecycle } from '../../../coordinator/controller/lifecycle';
import { RequestBatch } from '../../../coordinator/controller/request-batch';
import { endpoint, FakeChannel, recordingLogger } from './harness';

function setup() {
  const ctx = new ControllerContext({ controllerEpoch: 3, epochVersion: 3 });
  for (const id of [1, 2, 3]) ctx.addBroker({ brokerId: id, endpoints: endpoint(id), rack: null, brokerEpoch: BigInt(10 + id) });
  ctx.addTopic({
    name: 't',
    topicId: 'tttttttttttttttttttttA',
    assignment: new Map([
      [0, [1, 2, 3]],
      [1, [1, 2]],
    ]),
    addingReplicas: new Map(),
    removingReplicas: new Map(),
    configs: {},
    isInternal: false,
  });
  const tp = { topic: 't', partition: 0 };
  ctx.moveTo(tp, PartitionLifecycle.New);
  ctx.setState(tp, { leader: 1, leaderEpoch: 4, isr: [1, 2, 3], controllerEpoch: 2, leaderRecoveryState: 0, version: 7 });
  ctx.moveTo({ topic: 't', partition: 1 }, PartitionLifecycle.New);
  const channel = new FakeChannel();
  for (const b of ctx.liveOrShuttingDownBrokers()) channel.addBroker(b);
  let current = true;
  const logger = recordingLogger();
  const batch = new RequestBatch({ ctx, channel, controllerId: 1, logger, isCurrent: () => current, onDeletionResult: () => undefined });
  return { ctx, channel, batch, tp, logger, end: () => (current = false) };
}

describe('Controller > request batch', () => {
  it('keeps isNew and deletePartition once set for a partition in the same batch', () => {
    const { channel, batch, tp } = setup();
    batch.addLeaderAndIsr([2], tp, true);
    batch.addLeaderAndIsr([2], tp, false);
    batch.addStopReplica([3], tp, true);
    batch.addStopReplica([3], tp, false);
    batch.send();
    expect(channel.leaderAndIsrFor(2, 't', 0)).toEqual([expect.objectContaining({ isNew: true, partitionEpoch: 7, leaderEpoch: 4, controllerEpoch: 2 })]);
    expect(channel.stopReplicasTo(3)).toEqual([{ topic: 't', partition: 0, deletePartition: true, leaderEpoch: 4 }]);
  });

  it('carries the controller id and epoch and each broker its own epoch', () => {
    const { channel, batch, tp } = setup();
    batch.addLeaderAndIsr([1, 2], tp, false);
    batch.send();
    for (const s of channel.sent) {
      expect(s.req.controllerId).toBe(1);
      expect(s.req.controllerEpoch).toBe(3);
      expect(s.req.brokerEpoch).toBe(BigInt(10 + s.brokerId));
    }
    expect(channel.sent.map((s) => `${s.api}:${s.brokerId}`)).toEqual(['LeaderAndIsr:1', 'LeaderAndIsr:2', 'UpdateMetadata:1', 'UpdateMetadata:2', 'UpdateMetadata:3']);
  });

  it('sends nothing once its controllership ended, and starts empty again', () => {
    const { channel, batch, tp, end } = setup();
    batch.addLeaderAndIsr([1], tp, false);
    end();
    batch.send();
    expect(channel.sent).toEqual([]);
    expect(batch.isEmpty).toBe(true);
  });

  it('leaves out partitions without a state, and sends no empty request', () => {
    const { channel, batch, tp } = setup();
    batch.addLeaderAndIsr([1], { topic: 't', partition: 1 }, true);
    batch.addLeaderAndIsr([2], tp, false);
    batch.send();
    expect(channel.of('LeaderAndIsr').map((s) => s.brokerId)).toEqual([2]);
    expect(channel.of('UpdateMetadata')[0]!.req.topicStates[0]!.partitionStates.map((p) => p.partitionIndex)).toEqual([0]);
  });

  it('an empty batch sends and logs nothing', () => {
    const { channel, batch, logger } = setup();
    batch.send();
    expect(channel.sent).toEqual([]);
    expect(logger.lines).toEqual([]);
  });
});
