// A three-broker cluster on a real ZooKeeper (separate broker processes): what every broker
// answers about leadership, the fencing answers of Produce/Fetch, and the admin paths that go
// through the controller (configs, deletion, elections, reassignment).
import fs from 'fs';
import path from 'path';
import { RawClient } from '../../bench/raw-client';
import { ErrorCode } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFetchPartition, defaultFetchRequest, defaultFetchTopic } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { buildRecordBatch } from '../../protocol/records/record';
import { Kafka, logLevel } from 'kafkajs';
import { say, sleep, sorted, TestCluster } from '../helpers/cluster';

jest.setTimeout(180_000);

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start('replication');
});
afterAll(async () => {
  await cluster?.destroy();
});

async function raw(brokerId: number): Promise<RawClient> {
  return RawClient.connect(cluster.broker(brokerId).port);
}

function produceRequest(topic: string, value: string) {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value, timestamp: Date.now() }] }) }] }],
  };
}

describe('Integration > cluster > replication', () => {
  it('every broker reports the same leaders, epochs and ISR, and replicas hold byte-identical logs', async () => {
    await cluster.run('agreement', async () => {
      await cluster.createTopic('agree', 3);
      const views = await Promise.all([1, 2, 3].map((id) => cluster.metadata(['agree'], id)));
      const shape = (m: MetadataResponse) => m.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, sorted(p.isrNodes)].join('/')).sort();
      expect(shape(views[1]!)).toEqual(shape(views[0]!));
      expect(shape(views[2]!)).toEqual(shape(views[0]!));
      expect(new Set(views.map((v) => v.controllerId)).size).toBe(1);
      // leaders are spread over the brokers
      expect(new Set(views[0]!.topics[0]!.partitions.map((p) => p.leaderId)).size).toBe(3);
      const leader = (await cluster.leaderOf('agree', 0)).leader;
      const c = await raw(leader);
      for (let i = 0; i < 20; i++) expect((await c.request<unknown, ProduceResponse>(ApiKey.Produce, 9, produceRequest('agree', `v${i}`))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      c.close();
      const file = (id: number) => path.join(cluster.broker(id).logDir, 'agree-0', '00000000000000000000.log');
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline && ![1, 2, 3].every((id) => fs.existsSync(file(id)) && fs.statSync(file(id)).size === fs.statSync(file(leader)).size)) await sleep(100);
      const bytes = [1, 2, 3].map((id) => fs.readFileSync(file(id)));
      expect(bytes[0]!.length).toBeGreaterThan(0);
      expect(bytes[1]!.equals(bytes[0]!)).toBe(true);
      expect(bytes[2]!.equals(bytes[0]!)).toBe(true);
    });
  });

  it('a non-leader answers NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint (Produce v11, Fetch v16)', async () => {
    await cluster.run('leader hints', async () => {
      await cluster.createTopic('hint', 1);
      const { leader, leaderEpoch } = await cluster.leaderOf('hint', 0);
      const other = [1, 2, 3].find((id) => id !== leader)!;
      const c = await raw(other);
      const p = await c.request<unknown, ProduceResponse>(ApiKey.Produce, 11, produceRequest('hint', 'x'));
      const pr = p.responses[0]!.partitionResponses[0]!;
      expect(pr.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(pr.currentLeader).toEqual(expect.objectContaining({ leaderId: leader, leaderEpoch }));
      expect(p.nodeEndpoints).toEqual([expect.objectContaining({ nodeId: leader, port: cluster.broker(leader).port })]);
      const md = await cluster.metadata(['hint'], other);
      const topicId = md.topics[0]!.topicId;
      const f = await c.request<unknown, FetchResponse>(ApiKey.Fetch, 16, {
        ...defaultFetchRequest(),
        maxWaitMs: 0,
        topics: [{ ...defaultFetchTopic(), topicId, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: leaderEpoch }] }],
      });
      const fp = f.responses[0]!.partitions[0]!;
      expect(fp.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(fp.currentLeader).toEqual(expect.objectContaining({ leaderId: leader, leaderEpoch }));
      expect(f.nodeEndpoints.map((n) => n.nodeId)).toEqual([leader]);
      c.close();
      // a broker that holds no replica of a partition the cluster has: NOT_LEADER_OR_FOLLOWER too
      // (Kafka's getPartitionOrError), so the client refreshes its metadata
      await cluster.createTopic('single', 1, 1);
      const owner = (await cluster.leaderOf('single', 0)).leader;
      const stranger = await raw([1, 2, 3].find((id) => id !== owner)!);
      const ps = await stranger.request<unknown, ProduceResponse>(ApiKey.Produce, 11, produceRequest('single', 'x'));
      expect(ps.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const unknown = await stranger.request<unknown, ProduceResponse>(ApiKey.Produce, 11, produceRequest('no-such-topic-here', 'x'));
      expect(unknown.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      stranger.close();
    });
  });

  it('the leader fences an older client leader epoch (FENCED_LEADER_EPOCH) and a newer one (UNKNOWN_LEADER_EPOCH)', async () => {
    await cluster.run('epoch fencing', async () => {
      await cluster.createTopic('fence', 1);
      const { leader, leaderEpoch } = await cluster.leaderOf('fence', 0);
      const c = await raw(leader);
      const topicId = (await cluster.metadata(['fence'], leader)).topics[0]!.topicId;
      const fetchAt = (epoch: number) =>
        c.request<unknown, FetchResponse>(ApiKey.Fetch, 16, {
          ...defaultFetchRequest(),
          maxWaitMs: 0,
          topics: [{ ...defaultFetchTopic(), topicId, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: epoch }] }],
        });
      expect((await fetchAt(leaderEpoch)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      expect((await fetchAt(leaderEpoch + 1)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
      // after a leader change the old epoch is fenced on the new leader
      cluster.broker(leader).kill('SIGKILL');
      const next = await cluster.waitForPartition('fence', 0, (v) => v.leader >= 0 && v.leader !== leader, 'a new leader');
      expect(next.leaderEpoch).toBeGreaterThan(leaderEpoch);
      const c2 = await raw(next.leader);
      const r = await c2.request<unknown, FetchResponse>(ApiKey.Fetch, 16, {
        ...defaultFetchRequest(),
        maxWaitMs: 0,
        topics: [{ ...defaultFetchTopic(), topicId, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: leaderEpoch }] }],
      });
      expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
      c.close();
      c2.close();
    });
  });

  it('acks=all is refused with NOT_ENOUGH_REPLICAS when the ISR is smaller than min.insync.replicas', async () => {
    await cluster.run('min isr', async () => {
      await cluster.createTopic('single', 1, 1); // one replica, min.insync.replicas=2
      const { leader } = await cluster.leaderOf('single', 0);
      const c = await raw(leader);
      const r = await c.request<unknown, ProduceResponse>(ApiKey.Produce, 9, produceRequest('single', 'x'));
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
      c.close();
    });
  });

  it('a topic config written through one broker reaches every broker; a deleted topic leaves every broker and disk', async () => {
    await cluster.run('configs and deletion', async () => {
      await cluster.createTopic('cfg', 1);
      const admin = cluster.kafka('cfg-admin').admin();
      await admin.connect();
      try {
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'cfg', configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
        for (const id of [1, 2, 3]) {
          const one = new Kafka({ brokers: [cluster.broker(id).bootstrap], logLevel: logLevel.NOTHING }).admin();
          await one.connect();
          const deadline = Date.now() + 10000;
          let value: string | undefined;
          while (Date.now() < deadline) {
            const d = await one.describeConfigs({ resources: [{ type: 2, name: 'cfg', configNames: ['retention.ms'] }], includeSynonyms: false });
            value = d.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
            if (value === '123456') break;
            await sleep(100);
          }
          await one.disconnect();
          expect(`${id}:${value}`).toBe(`${id}:123456`);
        }
        await admin.deleteTopics({ topics: ['cfg'], timeout: 20000 });
      } finally {
        await admin.disconnect();
      }
      for (const id of [1, 2, 3]) {
        const md = await cluster.metadata(null, id);
        expect(md.topics.map((t) => t.name)).not.toContain('cfg');
      }
      const deadline = Date.now() + 15000;
      const present = () => [1, 2, 3].filter((id) => fs.existsSync(path.join(cluster.broker(id).logDir, 'cfg-0')));
      while (Date.now() < deadline && present().length > 0) await sleep(200);
      expect(present()).toEqual([]);
    });
  });

  it('ElectLeaders moves leadership back to the preferred replica after a failover', async () => {
    await cluster.run('preferred election', async () => {
      await cluster.createTopic('pref', 1);
      const before = await cluster.leaderOf('pref', 0);
      const md = await cluster.metadata(['pref']);
      const preferred = md.topics[0]!.partitions[0]!.replicaNodes[0]!;
      expect(before.leader).toBe(preferred);
      cluster.broker(preferred).kill('SIGKILL');
      await cluster.waitForPartition('pref', 0, (v) => v.leader >= 0 && v.leader !== preferred, 'a leader other than the preferred one');
      await cluster.broker(preferred).start();
      await cluster.waitForFullIsr('pref', 1);
      const controller = await cluster.controller();
      say(`[replication] controller ${controller}: electing the preferred leader of pref-0`);
      const deadline = Date.now() + 20000;
      let leader = -1;
      while (Date.now() < deadline) {
        // kafkajs has no electLeaders: use the raw API against the controller
        const c = await raw(await cluster.controller());
        const r = await c.request(ApiKey.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: 'pref', partitions: [0] }], timeoutMs: 10000 });
        c.close();
        const code = (r as { replicaElectionResults: { partitionResult: { errorCode: number }[] }[] }).replicaElectionResults[0]!.partitionResult[0]!.errorCode;
        expect([ErrorCode.NONE, ErrorCode.ELECTION_NOT_NEEDED]).toContain(code);
        leader = (await cluster.leaderOf('pref', 0)).leader;
        if (leader === preferred) break;
        await sleep(200);
      }
      expect(leader).toBe(preferred);
    });
  });

  it('a non-controller answers NOT_CONTROLLER to ElectLeaders', async () => {
    await cluster.run('not controller', async () => {
      const controller = await cluster.controller();
      const other = [1, 2, 3].find((id) => id !== controller)!;
      const c = await raw(other);
      const r = await c.request(ApiKey.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: 'agree', partitions: [0] }], timeoutMs: 10000 });
      c.close();
      expect((r as { errorCode: number }).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    });
  });

  it('AlterPartitionReassignments moves a partition to new replicas; the removed replica deletes its log', async () => {
    await cluster.run('reassignment', async () => {
      await cluster.createTopic('move', 1, 2);
      const md = await cluster.metadata(['move']);
      const current = sorted(md.topics[0]!.partitions[0]!.replicaNodes);
      const outgoing = current[0]!;
      const incoming = [1, 2, 3].find((id) => !current.includes(id))!;
      const target = [current[1]!, incoming];
      const admin = cluster.kafka('move').admin();
      await admin.connect();
      try {
        await admin.alterPartitionReassignments({ topics: [{ topic: 'move', partitionAssignment: [{ partition: 0, replicas: target }] }] });
        await cluster.waitForPartition('move', 0, (v) => sorted(v.replicas).join() === sorted(target).join() && v.isr.length === 2, `replicas ${target}`, 30000);
        const ongoing = await admin.listPartitionReassignments({ topics: [{ topic: 'move', partitions: [0] }] });
        expect(ongoing.topics).toEqual([]);
      } finally {
        await admin.disconnect();
      }
      const gone = path.join(cluster.broker(outgoing).logDir, 'move-0');
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline && fs.existsSync(gone)) await sleep(200);
      expect(fs.existsSync(gone)).toBe(false);
      expect(fs.existsSync(path.join(cluster.broker(incoming).logDir, 'move-0'))).toBe(true);
    });
  });
});
