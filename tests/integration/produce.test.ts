import { ApiKey } from '../../protocol/generated/api-keys';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { defaultApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { defaultPartitionProduceData, defaultProduceRequest, type ProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { defaultMetadataRequest, type MetadataRequest } from '../../protocol/generated/metadata-request';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { ErrorCode } from '../../protocol/errors';
import { buildMessageSet } from '../../protocol/records/legacy-message-set';
import { buildRecordBatch, readRecords } from '../../protocol/records/record';
import { CompressionType } from '../../protocol/records/record-batch';
import { iterateBatches } from '../../protocol/records/batch-iterator';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(30000);

describe('Integration > Produce and Metadata (raw protocol)', () => {
  let broker: TestBroker;
  let client: RawClient;

  const produceReq = (acks: number, parts: { topic?: string; partition: number; records: Buffer | null }[]): ProduceRequest => ({
    ...defaultProduceRequest(),
    acks,
    timeoutMs: 5000,
    topicData: [...new Set(parts.map((p) => p.topic ?? 'p'))].map((name) => ({
      name,
      partitionData: parts.filter((p) => (p.topic ?? 'p') === name).map((p) => ({ ...defaultPartitionProduceData(), index: p.partition, records: p.records })),
    })),
  });
  const produce = (version: number, req: ProduceRequest) => client.request<ProduceRequest, ProduceResponse>(ApiKey.Produce, version, req);
  const codes = (r: ProduceResponse) => r.responses.flatMap((t) => t.partitionResponses.map((p) => [t.name, p.index, p.errorCode]));
  const batch = (...values: string[]) => buildRecordBatch({ records: values.map((v) => ({ value: v })) });
  /** Reads a partition from 0 to its HW (a fetch returns batches of one segment at a time). */
  const readAll = async (topic: string, partition: number): Promise<string[]> => {
    const out: string[] = [];
    let offset = 0n;
    for (;;) {
      const r = await client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 11, {
        ...defaultFetchRequest(),
        maxBytes: 1 << 20,
        topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...defaultFetchPartition(), partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
      });
      const p = r.responses[0]!.partitions[0]!;
      for (const e of iterateBatches(p.records!)) {
        if (!e.view) continue;
        for (const rec of readRecords(e.view)) if (rec.offset >= offset) out.push(rec.value?.toString() ?? 'null');
        offset = e.view.lastOffset + 1n;
      }
      if (offset >= p.highWatermark) return out;
    }
  };

  beforeAll(async () => {
    broker = await startTestBroker();
    await broker.services.topicAdmin.createTopic({ name: 'p', numPartitions: 2, replicationFactor: 1, assignments: new Map(), configs: {} }, false);
    await broker.services.topicAdmin.createTopic({ name: 'strict', numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs: { 'min.insync.replicas': '2' } }, false);
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client.close();
    await broker.destroy();
  });

  it('advertises exactly the registered APIs with Kafka 3.9.2 ranges', async () => {
    const r = await client.request<ReturnType<typeof defaultApiVersionsRequest>, ApiVersionsResponse>(ApiKey.ApiVersions, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const m = new Map(r.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(m.get(ApiKey.Produce)).toEqual([0, 11]);
    expect(m.get(ApiKey.Fetch)).toEqual([0, 17]);
    expect(m.get(ApiKey.ListOffsets)).toEqual([0, 9]);
    expect(m.get(ApiKey.Metadata)).toEqual([0, 12]);
    expect(m.get(ApiKey.ApiVersions)).toEqual([0, 4]);
    expect(m.get(ApiKey.CreateTopics)).toEqual([0, 7]);
    expect(m.get(ApiKey.DeleteTopics)).toEqual([0, 6]);
    expect(m.get(ApiKey.DescribeConfigs)).toEqual([0, 4]);
    expect(m.get(ApiKey.IncrementalAlterConfigs)).toEqual([0, 1]);
    expect(m.get(ApiKey.DescribeCluster)).toEqual([0, 1]);
    expect(m.get(ApiKey.WriteTxnMarkers)).toEqual([0, 1]);
    expect(m.get(ApiKey.DescribeProducers)).toEqual([0, 0]);
  });

  it('gives every partition its own result: a bad one never fails the others', async () => {
    const corrupt = batch('bad');
    corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff; // breaks the CRC
    const two = Buffer.concat([batch('x'), batch('y')]);
    const r = await produce(9, produceReq(1, [
      { partition: 0, records: batch('ok-0') },
      { partition: 1, records: corrupt },
      { topic: 'nope', partition: 0, records: batch('z') },
    ]));
    expect(codes(r)).toEqual([['p', 0, 0], ['p', 1, ErrorCode.CORRUPT_MESSAGE], ['nope', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const r2 = await produce(9, produceReq(1, [{ partition: 1, records: two }, { partition: 0, records: Buffer.alloc(10) }]));
    expect(codes(r2)).toEqual([['p', 1, ErrorCode.INVALID_RECORD], ['p', 0, ErrorCode.CORRUPT_MESSAGE]]);
    expect(await readAll('p', 0)).toEqual(['ok-0']);
    expect(await readAll('p', 1)).toEqual([]);
  });

  it('answers INVALID_REQUIRED_ACKS for acks outside -1/0/1', async () => {
    const r = await produce(7, produceReq(2, [{ partition: 0, records: batch('never') }]));
    expect(codes(r)).toEqual([['p', 0, ErrorCode.INVALID_REQUIRED_ACKS]]);
  });

  it('acks=0 writes no response but appends; the next request is answered in order', async () => {
    client.sendOnly(ApiKey.Produce, 9, produceReq(0, [{ partition: 1, records: batch('fire-and-forget') }]));
    const md = await client.request<MetadataRequest, MetadataResponse>(ApiKey.Metadata, 12, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'p' }] });
    expect(md.topics[0]!.name).toBe('p');
    expect(await readAll('p', 1)).toEqual(['fire-and-forget']);
  });

  it('acks=-1 fails with NOT_ENOUGH_REPLICAS when min.insync.replicas exceeds the ISR; acks=1 succeeds', async () => {
    expect(codes(await produce(9, produceReq(-1, [{ topic: 'strict', partition: 0, records: batch('a') }])))).toEqual([['strict', 0, ErrorCode.NOT_ENOUGH_REPLICAS]]);
    expect(codes(await produce(9, produceReq(1, [{ topic: 'strict', partition: 0, records: batch('b') }])))).toEqual([['strict', 0, 0]]);
  });

  it('converts legacy magic 0/1 message sets of Produce v0-2 to record batches', async () => {
    const v1set = buildMessageSet([{ offset: 0n, timestamp: 1234n, key: null, value: Buffer.from('legacy-1') }, { offset: 1n, timestamp: 1235n, key: Buffer.from('k'), value: Buffer.from('legacy-2') }], { magic: 1, compression: CompressionType.Gzip });
    const r = await produce(2, { ...produceReq(1, [{ topic: 'legacy', partition: 0, records: v1set }]) });
    expect(codes(r)).toEqual([['legacy', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    await broker.services.topicAdmin.createTopic({ name: 'legacy', numPartitions: 1, replicationFactor: 1, assignments: new Map(), configs: {} }, false);
    expect(codes(await produce(2, produceReq(1, [{ topic: 'legacy', partition: 0, records: v1set }])))).toEqual([['legacy', 0, 0]]);
    const v0set = buildMessageSet([{ offset: 0n, key: null, value: Buffer.from('legacy-0') }], { magic: 0 });
    expect(codes(await produce(0, produceReq(1, [{ topic: 'legacy', partition: 0, records: v0set }])))).toEqual([['legacy', 0, 0]]);
    expect(await readAll('legacy', 0)).toEqual(['legacy-1', 'legacy-2', 'legacy-0']);
  });

  it('Metadata: auto-creates when allowed, refuses invalid names, and finds topics by id', async () => {
    const md = (topics: MetadataRequest['topics'], allow = true, v = 12) =>
      client.request<MetadataRequest, MetadataResponse>(ApiKey.Metadata, v, { ...defaultMetadataRequest(), topics, allowAutoTopicCreation: allow });
    const noAuto = await md([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto-x' }], false);
    expect(noAuto.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const auto = await md([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto-x' }], true);
    expect(auto.topics[0]).toMatchObject({ errorCode: 0, name: 'auto-x' });
    expect(auto.topics[0]!.partitions.map((p) => p.leaderId)).toEqual([broker.brokerId]);
    const invalid = await md([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad/name' }]);
    expect(invalid.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const byId = await md([{ topicId: auto.topics[0]!.topicId, name: null }]);
    expect(byId.topics[0]).toMatchObject({ errorCode: 0, name: 'auto-x' });
    const unknownId = await md([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }]);
    expect(unknownId.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const all = await md(null);
    expect(all.topics.map((t) => t.name).sort()).toEqual(expect.arrayContaining(['auto-x', 'legacy', 'p', 'strict']));
    expect(all.brokers).toEqual([{ nodeId: broker.brokerId, host: '127.0.0.1', port: broker.port, rack: null }]);
    expect(all.clusterId).toBe(broker.services.metadataCache.clusterId);
  });
});
