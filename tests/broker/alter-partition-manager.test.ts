// ISR changes reach the controller: answers applied, refusals backed off, a moved controller
// gets the change at once. The controller side is a small fake of Gregor's ControllerClient.
import { ErrorCode } from '../../protocol/errors';
import type { AlterPartitionRequest } from '../../protocol/generated/alter-partition-request';
import type { AlterPartitionResponse } from '../../protocol/generated/alter-partition-response';
import { AlterPartitionManager } from '../../broker/cluster/alter-partition-manager';
import type { ControllerClient } from '../../broker/cluster/controller-client';
import { createLogger } from '../../broker/logger';
import { Partition } from '../../broker/replica/partition';
import type { Log } from '../../storage/log';
import { ManualClock, batch, openLog, rmDir, tmpDir } from '../storage/helpers';

const log = createLogger({ level: 'silent' });
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

class FakeControllerClient {
  controllerId = 9;
  sent: { to: number; req: AlterPartitionRequest; answer: (r: AlterPartitionResponse) => void }[] = [];
  send<R>(_apiKey: number, _v: number, body: unknown): Promise<R> {
    return new Promise((resolve) => this.sent.push({ to: this.controllerId, req: body as AlterPartitionRequest, answer: resolve as (r: AlterPartitionResponse) => void }));
  }
}

function answer(req: AlterPartitionRequest, errorCode: ErrorCode, partitionEpoch = 1): AlterPartitionResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    topics: req.topics.map((t) => ({
      topicName: t.topicName,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, leaderId: 1, leaderEpoch: p.leaderEpoch, isr: p.newIsr, leaderRecoveryState: 0, partitionEpoch })),
    })),
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('Broker > AlterPartitionManager', () => {
  let dir: string;
  let logFile: Log;
  let p: Partition;
  let clock: ManualClock;
  let client: FakeControllerClient;
  let mgr: AlterPartitionManager;

  beforeEach(async () => {
    dir = tmpDir('gregor-alter-partition-');
    logFile = await openLog(dir);
    clock = new ManualClock();
    p = new Partition('t', 0, TOPIC_ID, logFile, 1);
    client = new FakeControllerClient();
    mgr = new AlterPartitionManager(client as unknown as ControllerClient, 1, () => 5n, clock, 200, log);
    p.requestIsrChange = (part, isr) => mgr.submit(part, isr);
    p.makeLeader({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2], replicas: [1, 2, 3] }, clock.now());
    await p.appendRecordsToLeader(batch(2), 1, 1);
  });
  afterEach(async () => {
    mgr.close();
    await logFile.close();
    rmDir(dir);
  });

  it('sends the expansion with the leader and partition epochs and applies the accepted ISR', async () => {
    await p.fetchRecords({ fetchOffset: 2n, maxBytes: 1000, minOneBatch: true, isolation: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, replicaId: 2, nowMs: clock.now() });
    await p.fetchRecords({ fetchOffset: 2n, maxBytes: 1000, minOneBatch: true, isolation: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, replicaId: 3, nowMs: clock.now() });
    expect(client.sent).toHaveLength(1);
    const req = client.sent[0]!.req;
    expect(req).toMatchObject({ brokerId: 1, brokerEpoch: 5n });
    expect(req.topics[0]!.partitions[0]).toMatchObject({ leaderEpoch: 0, partitionEpoch: 0, newIsr: [1, 2, 3] });
    client.sent[0]!.answer(answer(req, ErrorCode.NONE));
    await flush();
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.partitionEpoch).toBe(1);
  });

  it('a refused change is not proposed again before the back-off', async () => {
    const fetch3 = () => p.fetchRecords({ fetchOffset: 2n, maxBytes: 1000, minOneBatch: true, isolation: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, replicaId: 3, nowMs: clock.now() });
    await fetch3();
    client.sent[0]!.answer(answer(client.sent[0]!.req, ErrorCode.INELIGIBLE_REPLICA));
    await flush();
    expect(p.isr).toEqual([1, 2]);
    for (let i = 0; i < 5; i++) await fetch3();
    expect(client.sent).toHaveLength(1);
    clock.advance(200);
    await fetch3();
    expect(client.sent).toHaveLength(2);
  });

  it('when the controller moves while a request is in flight, the change goes to the new controller at once', async () => {
    await p.fetchRecords({ fetchOffset: 2n, maxBytes: 1000, minOneBatch: true, isolation: 0, currentLeaderEpoch: -1, lastFetchedEpoch: -1, replicaId: 3, nowMs: clock.now() });
    expect(client.sent.map((s) => s.to)).toEqual([9]);
    client.controllerId = 7;
    mgr.controllerChanged(7);
    await flush();
    expect(client.sent.map((s) => s.to)).toEqual([9, 7]);
    // the old controller's late answer is ignored; the new one's is applied
    client.sent[0]!.answer(answer(client.sent[0]!.req, ErrorCode.NONE, 4));
    await flush();
    expect(p.partitionEpoch).toBe(0);
    client.sent[1]!.answer(answer(client.sent[1]!.req, ErrorCode.NONE, 1));
    await flush();
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.partitionEpoch).toBe(1);
  });
});
