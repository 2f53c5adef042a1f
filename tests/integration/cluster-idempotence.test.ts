/**
 * Followers build the producer state from the leader's batches: after the leader is killed
 * (kill -9), an idempotent producer's retry sent to the new leader is still recognised as a
 * duplicate (answered with its original offset, not written twice), and a gap is still refused.
 * Batches are built with a producer id directly (raw protocol, no InitProducerId).
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { defaultProduceRequest, type ProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { buildRecordBatch } from '../../protocol/records/record-builder';
import { RawClient } from '../../bench/raw-client';
import { TestCluster, say } from '../helpers/cluster';

const TOPIC = 'idem-failover';
const PID = 900n;

function batch(seq: number, count: number): Buffer {
  return buildRecordBatch({ producerId: PID, producerEpoch: 0, baseSequence: seq, records: Array.from({ length: count }, (_, i) => ({ value: `m-${seq + i}`, timestamp: Date.now() })) });
}

async function produce(c: RawClient, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await c.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, 9, { ...defaultProduceRequest(), acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  return r.responses[0]!.partitionResponses[0]!;
}

describe('Cluster: producer state on followers', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await TestCluster.start('cluster-idempotence');
    await cluster.createTopic(TOPIC, 1);
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('a duplicate sent to the new leader after a failover is detected', async () => {
    await cluster.run('idempotence across a failover', async () => {
      const before = await cluster.leaderOf(TOPIC, 0);
      const old = cluster.broker(before.leader);
      const c1 = await RawClient.connect(old.port, old.host);
      expect(await produce(c1, batch(0, 3))).toMatchObject({ errorCode: 0, baseOffset: 0n });
      expect(await produce(c1, batch(3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3n }); // acks=-1: every ISR member has it
      c1.close();
      old.kill('SIGKILL');
      await old.exited;
      const after = await cluster.waitForPartition(TOPIC, 0, (v) => v.leader >= 0 && v.leader !== before.leader, 'a new leader', 30_000);
      say(`[idempotence] killed ${before.leader}, new leader ${after.leader} (epoch ${after.leaderEpoch})`);
      const leader = cluster.broker(after.leader);
      const c2 = await RawClient.connect(leader.port, leader.host);
      try {
        expect(await produce(c2, batch(3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3n }); // the retry: not written again
        expect(await produce(c2, batch(0, 3))).toMatchObject({ errorCode: 0, baseOffset: 0n });
        expect((await produce(c2, batch(9, 1))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        expect(await produce(c2, batch(5, 1))).toMatchObject({ errorCode: 0, baseOffset: 5n }); // the log holds 0-4 once
      } finally {
        c2.close();
      }
    });
  }, 150_000);
});
