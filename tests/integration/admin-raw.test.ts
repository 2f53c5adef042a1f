import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { defaultCreatableTopic, defaultCreateTopicsRequest, type CreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import type { CreateTopicsResponse } from '../../protocol/generated/create-topics-response';
import { defaultDeleteTopicsRequest, type DeleteTopicsRequest } from '../../protocol/generated/delete-topics-request';
import type { DeleteTopicsResponse } from '../../protocol/generated/delete-topics-response';
import { defaultDescribeClusterRequest, type DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request';
import type { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response';
import { defaultDescribeLogDirsRequest, type DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request';
import type { DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs-response';
import { defaultOffsetForLeaderEpochRequest, defaultOffsetForLeaderPartition, type OffsetForLeaderEpochRequest } from '../../protocol/generated/offset-for-leader-epoch-request';
import type { OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch-response';
import { defaultAlterableConfig, defaultAlterConfigsResource, defaultIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs-response';
import { defaultDescribeConfigsRequest, defaultDescribeConfigsResource, type DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request';
import type { DescribeConfigsResponse } from '../../protocol/generated/describe-configs-response';
import { defaultListOffsetsPartition, defaultListOffsetsRequest, type ListOffsetsRequest } from '../../protocol/generated/list-offsets-request';
import type { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response';
import { buildRecordBatch } from '../../protocol/records/record';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(30000);

describe('Integration > admin APIs (raw protocol, flexible versions)', () => {
  let broker: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker();
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.close();
    await broker.destroy();
  });

  const create = (topics: Partial<ReturnType<typeof defaultCreatableTopic>>[], validateOnly = false) =>
    c.request<CreateTopicsRequest, CreateTopicsResponse>(ApiKey.CreateTopics, 7, { ...defaultCreateTopicsRequest(), timeoutMs: 5000, validateOnly, topics: topics.map((t) => ({ ...defaultCreatableTopic(), numPartitions: -1, replicationFactor: -1, ...t })) });

  it('CreateTopics v7 returns ids, partitions, RF and configs; DeleteTopics v6 deletes by id and by name', async () => {
    const r = await create([{ name: 'a1', numPartitions: 3, configs: [{ name: 'retention.ms', value: '1000' }] }, { name: 'a2' }, { name: 'a2' }, { name: 'a3', replicationFactor: 2 }, { name: 'bad!' }, { name: 'a4', numPartitions: 0 }]);
    const by = new Map(r.topics.map((t, i) => [`${t.name}#${i}`, t]));
    expect(by.get('a1#0')).toMatchObject({ errorCode: 0, numPartitions: 3, replicationFactor: 1 });
    expect(by.get('a1#0')!.topicId).toBe(broker.services.metadataCache.topic('a1')!.topicId);
    expect(by.get('a1#0')!.configs!.find((x) => x.name === 'retention.ms')).toMatchObject({ value: '1000', configSource: 1 });
    expect(by.get('a2#1')!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(by.get('a2#2')!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(by.get('a3#3')!.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(by.get('bad!#4')!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(by.get('a4#5')!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect((await create([{ name: 'a1' }])).topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    await create([{ name: 'dot.ted' }]);
    expect((await create([{ name: 'dot_ted' }])).topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: expect.stringContaining('collides with existing topic: dot.ted') });
    const v = await create([{ name: 'a5', numPartitions: 4 }], true);
    expect(v.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 4 });
    expect(broker.services.metadataCache.topic('a5')).toBeUndefined();

    await create([{ name: 'b1' }]);
    const a1Id = broker.services.metadataCache.topic('a1')!.topicId;
    const d = await c.request<DeleteTopicsRequest, DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, {
      ...defaultDeleteTopicsRequest(),
      timeoutMs: 5000,
      topics: [{ name: null, topicId: a1Id }, { name: 'b1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }, { name: 'zz', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    });
    expect(d.responses.map((x) => [x.name, x.errorCode])).toEqual([['a1', 0], ['b1', 0], [null, ErrorCode.UNKNOWN_TOPIC_ID], ['zz', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(broker.services.metadataCache.topic('a1')).toBeUndefined();
    expect(broker.services.replicaManager.getPartition('a1', 0)).toBeUndefined();
    await broker.services.topicAdmin.ensureOffsetsTopic();
    const internal = await c.request<DeleteTopicsRequest, DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, { ...defaultDeleteTopicsRequest(), timeoutMs: 5000, topics: [{ name: '__consumer_offsets', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(internal.responses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('IncrementalAlterConfigs SET / DELETE / APPEND, and DescribeConfigs v4 shows the result', async () => {
    await create([{ name: 'ic' }]);
    const alter = (configs: { name: string; op: number; value: string | null }[], validateOnly = false) =>
      c.request<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
        ...defaultIncrementalAlterConfigsRequest(),
        validateOnly,
        resources: [{ ...defaultAlterConfigsResource(), resourceType: 2, resourceName: 'ic', configs: configs.map((x) => ({ ...defaultAlterableConfig(), name: x.name, configOperation: x.op, value: x.value })) }],
      });
    const describe = async () => {
      const r = await c.request<DescribeConfigsRequest, DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, {
        ...defaultDescribeConfigsRequest(),
        includeSynonyms: true,
        resources: [{ ...defaultDescribeConfigsResource(), resourceType: 2, resourceName: 'ic', configurationKeys: ['retention.ms', 'cleanup.policy', 'segment.ms'] }],
      });
      return new Map(r.results[0]!.configs.map((x) => [x.name, x]));
    };
    expect((await alter([{ name: 'retention.ms', op: 0, value: '777' }, { name: 'cleanup.policy', op: 2, value: 'compact' }])).responses[0]!.errorCode).toBe(0);
    let d = await describe();
    expect(d.get('retention.ms')).toMatchObject({ value: '777', configSource: 1, configType: 5 });
    expect(d.get('cleanup.policy')!.value).toBe('delete,compact');
    expect(d.size).toBe(3);
    expect(broker.services.replicaManager.getPartition('ic', 0)!.log.config.retentionMs).toBe(777);
    expect((await alter([{ name: 'retention.ms', op: 1, value: null }])).responses[0]!.errorCode).toBe(0);
    d = await describe();
    expect(d.get('retention.ms')).toMatchObject({ value: '604800000', configSource: 5 });
    expect((await alter([{ name: 'segment.ms', op: 2, value: '5' }])).responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter([{ name: 'segment.ms', op: 0, value: '5' }], true)).responses[0]!.errorCode).toBe(0);
    expect((await describe()).get('segment.ms')!.value).toBe('604800000');
  });

  it('DescribeConfigs v4 returns documentation only when asked for it (topic and broker keys)', async () => {
    await create([{ name: 'docs' }]);
    const describe = (resourceType: number, resourceName: string, configurationKeys: string[], includeDocumentation: boolean) =>
      c.request<DescribeConfigsRequest, DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, {
        ...defaultDescribeConfigsRequest(),
        includeDocumentation,
        resources: [{ ...defaultDescribeConfigsResource(), resourceType, resourceName, configurationKeys }],
      });
    const topic = await describe(2, 'docs', ['retention.ms', 'cleanup.policy'], true);
    for (const x of topic.results[0]!.configs) expect(x.documentation).toMatch(/\w+ \w+/);
    expect(topic.results[0]!.configs.find((x) => x.name === 'retention.ms')!.documentation).toMatch(/ms|millisecond/i);
    const brokerKeys = await describe(4, String(broker.brokerId), ['log.retention.hours', 'num.io.threads'], true);
    expect(brokerKeys.results[0]!.configs.map((x) => x.name).sort()).toEqual(['log.retention.hours', 'num.io.threads']);
    for (const x of brokerKeys.results[0]!.configs) expect(x.documentation!.length).toBeGreaterThan(20);
    const without = await describe(2, 'docs', ['retention.ms'], false);
    expect(without.results[0]!.configs[0]!.documentation).toBeNull();
  });

  it('DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch and ListOffsets v9', async () => {
    const dc = await c.request<DescribeClusterRequest, DescribeClusterResponse>(ApiKey.DescribeCluster, 1, { ...defaultDescribeClusterRequest(), endpointType: 1 });
    expect(dc).toMatchObject({ errorCode: 0, clusterId: broker.services.metadataCache.clusterId, controllerId: broker.brokerId });
    expect(dc.brokers).toEqual([{ brokerId: broker.brokerId, host: '127.0.0.1', port: broker.port, rack: null }]);

    await create([{ name: 'od', numPartitions: 1 }]);
    await broker.services.replicaManager.appendRecords([{ topic: 'od', partition: 0, records: buildRecordBatch({ records: [{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 300 }, { value: 'c', timestamp: 200 }] }) }], 1, 1000, () => 1);
    const ld = await c.request<DescribeLogDirsRequest, DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, { ...defaultDescribeLogDirsRequest(), topics: [{ topic: 'od', partitions: [0] }] });
    expect(ld.results.length).toBe(1);
    expect(ld.results[0]!.topics).toEqual([{ name: 'od', partitions: [expect.objectContaining({ partitionIndex: 0, offsetLag: 0n })] }]);
    expect(ld.results[0]!.topics[0]!.partitions[0]!.partitionSize).toBeGreaterThan(0n);

    const oe = await c.request<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, {
      ...defaultOffsetForLeaderEpochRequest(),
      topics: [{ topic: 'od', partitions: [{ ...defaultOffsetForLeaderPartition(), partition: 0, leaderEpoch: 0, currentLeaderEpoch: 0 }, { ...defaultOffsetForLeaderPartition(), partition: 7, leaderEpoch: 0 }] }],
    });
    expect(oe.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 3n });
    expect(oe.topics[0]!.partitions[1]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    // one request per timestamp: a partition listed twice in one request is INVALID_REQUEST
    const lo = await Promise.all(
      [-2n, -1n, -3n, 150n, 250n].map(async (timestamp) => {
        const r = await c.request<ListOffsetsRequest, ListOffsetsResponse>(ApiKey.ListOffsets, 9, {
          ...defaultListOffsetsRequest(),
          topics: [{ name: 'od', partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp }] }],
        });
        return r.topics[0]!.partitions[0]!;
      }),
    );
    expect(lo.map((p) => [p.errorCode, p.offset, p.timestamp])).toEqual([
      [0, 0n, -1n],
      [0, 3n, -1n],
      [0, 1n, 300n],
      [0, 1n, 300n],
      [0, 1n, 300n],
    ]);
  });
});
