/**
 * Integration > Kafka 3.9 answers of the metadata and handshake APIs (raw protocol): authorized
 * operations with no authorizer, DescribeCluster endpoint types, DescribeLogDirs sizes and file
 * system space, ApiVersions validation and version fallback, CreateTopics timeouts.
 */
import fs from 'fs';
import net from 'net';
import path from 'path';
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { Reader } from '../../protocol/primitives/reader';
import { defaultMetadataRequest, type MetadataRequest } from '../../protocol/generated/metadata-request';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { defaultDescribeClusterRequest } from '../../protocol/generated/describe-cluster-request';
import type { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response';
import { defaultDescribeGroupsRequest } from '../../protocol/generated/describe-groups-request';
import type { DescribeGroupsResponse } from '../../protocol/generated/describe-groups-response';
import { defaultDescribeLogDirsRequest, type DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request';
import type { DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs-response';
import { defaultApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import { readApiVersionsResponse, type ApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { defaultCreatableTopic, defaultCreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import type { CreateTopicsResponse } from '../../protocol/generated/create-topics-response';
import { defaultCreatePartitionsRequest, defaultCreatePartitionsTopic, type CreatePartitionsRequest } from '../../protocol/generated/create-partitions-request';
import type { CreatePartitionsResponse } from '../../protocol/generated/create-partitions-response';
import { buildRecordBatch } from '../../protocol/records/record';
import { RawClient } from '../../bench/raw-client';
import { startTestBroker, waitFor, type TestBroker } from './helpers';

jest.setTimeout(30000);

/** Kafka with no authorizer: every operation the resource type supports (AclEntry.supportedOperations). */
const TOPIC_OPS = 3576; // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
const CLUSTER_OPS = 8096; // CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
const GROUP_OPS = 328; // READ DELETE DESCRIBE
const NOT_REQUESTED = -2147483648;
const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

describe('Integration > metadata and handshake answers (Kafka 3.9)', () => {
  let broker: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker({ config: { 'auto.create.topics.enable': false } });
    c = await RawClient.connect(broker.port);
    const r = await createTopics([{ name: 'hm', numPartitions: 2 }], 10000);
    expect(r.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  });
  afterAll(async () => {
    c.close();
    await broker.destroy();
  });

  function createTopics(topics: { name: string; numPartitions: number }[], timeoutMs: number, validateOnly = false): Promise<CreateTopicsResponse> {
    return c.request(ApiKey.CreateTopics, 7, {
      ...defaultCreateTopicsRequest(),
      timeoutMs,
      validateOnly,
      topics: topics.map((t) => ({ ...defaultCreatableTopic(), replicationFactor: -1, ...t })),
    });
  }
  const metadata = (version: number, req: Partial<MetadataRequest>) => c.request<MetadataRequest, MetadataResponse>(ApiKey.Metadata, version, { ...defaultMetadataRequest(), ...req });
  const byName = (m: MetadataResponse) => new Map(m.topics.map((t) => [t.name ?? t.topicId, t]));

  describe('authorized operations with no authorizer', () => {
    it('Metadata v8-v10: topic operations on topics looked up by name (found or not) and the cluster operations, when asked', async () => {
      for (const v of [8, 10]) {
        const m = await metadata(v, { topics: [{ name: 'hm', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, { name: 'hm-missing', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
        expect(m.clusterAuthorizedOperations).toBe(CLUSTER_OPS);
        expect(byName(m).get('hm')).toMatchObject({ errorCode: ErrorCode.NONE, topicAuthorizedOperations: TOPIC_OPS });
        expect(byName(m).get('hm-missing')).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicAuthorizedOperations: TOPIC_OPS });
      }
      const all = await metadata(9, { topics: null, includeTopicAuthorizedOperations: true });
      expect(byName(all).get('hm')!.topicAuthorizedOperations).toBe(TOPIC_OPS);
      expect(all.clusterAuthorizedOperations).toBe(NOT_REQUESTED);
    });

    it('Metadata: the sentinel when not asked, on unknown topic ids, and for the cluster from v11 (the field is gone)', async () => {
      const m = await metadata(10, { topics: null });
      expect(m.clusterAuthorizedOperations).toBe(NOT_REQUESTED);
      expect(byName(m).get('hm')!.topicAuthorizedOperations).toBe(NOT_REQUESTED);
      const v11 = await metadata(11, { topics: null, includeTopicAuthorizedOperations: true });
      expect(v11.clusterAuthorizedOperations).toBe(NOT_REQUESTED);
      expect(byName(v11).get('hm')!.topicAuthorizedOperations).toBe(TOPIC_OPS);
      const hmId = broker.services.metadataCache.topic('hm')!.topicId;
      const v12 = await metadata(12, { topics: [{ name: null, topicId: hmId }, { name: null, topicId: UNKNOWN_ID }], includeTopicAuthorizedOperations: true });
      expect(byName(v12).get('hm')).toMatchObject({ errorCode: ErrorCode.NONE, topicAuthorizedOperations: TOPIC_OPS });
      expect(byName(v12).get(UNKNOWN_ID)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, topicAuthorizedOperations: NOT_REQUESTED });
    });

    it('DescribeCluster: the cluster operations when asked, else the sentinel', async () => {
      const asked = await c.request<unknown, DescribeClusterResponse>(ApiKey.DescribeCluster, 1, { ...defaultDescribeClusterRequest(), includeClusterAuthorizedOperations: true });
      expect(asked).toMatchObject({ errorCode: ErrorCode.NONE, clusterAuthorizedOperations: CLUSTER_OPS, controllerId: broker.brokerId, endpointType: 1 });
      const v0 = await c.request<unknown, DescribeClusterResponse>(ApiKey.DescribeCluster, 0, defaultDescribeClusterRequest());
      expect(v0.clusterAuthorizedOperations).toBe(NOT_REQUESTED);
    });

    it('DescribeGroups v3+: the group operations on groups described without error, when asked', async () => {
      const describe = (include: boolean) => c.request<unknown, DescribeGroupsResponse>(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: ['hm-g'], includeAuthorizedOperations: include });
      // No __consumer_offsets yet: this broker coordinates no group.
      expect((await describe(true)).groups[0]).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, authorizedOperations: NOT_REQUESTED });
      await broker.services.topicAdmin.ensureOffsetsTopic();
      await waitFor(async () => (await describe(true)).groups[0]!.errorCode === ErrorCode.NONE, 10000, 'the group coordinator');
      expect((await describe(true)).groups[0]).toMatchObject({ groupState: 'Dead', authorizedOperations: GROUP_OPS });
      expect((await describe(false)).groups[0]!.authorizedOperations).toBe(NOT_REQUESTED);
    });
  });

  describe('DescribeCluster endpoint types', () => {
    it('controllers (2) -> MISMATCHED_ENDPOINT_TYPE, unknown types -> UNSUPPORTED_ENDPOINT_TYPE, with no brokers', async () => {
      const ask = (endpointType: number) => c.request<unknown, DescribeClusterResponse>(ApiKey.DescribeCluster, 1, { ...defaultDescribeClusterRequest(), endpointType });
      const controllers = await ask(2);
      expect(controllers).toMatchObject({ errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, brokers: [], clusterId: '', controllerId: -1 });
      expect(controllers.errorMessage).toContain('CONTROLLER');
      for (const t of [0, 3, 123]) expect(await ask(t)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unsupported endpoint type ${t}`, brokers: [] });
      expect((await ask(1)).brokers.map((b) => b.brokerId)).toEqual([broker.brokerId]);
    });
  });

  describe('DescribeLogDirs', () => {
    const describe = (version: number, topics: DescribeLogDirsRequest['topics']) => c.request<DescribeLogDirsRequest, DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, version, { ...defaultDescribeLogDirsRequest(), topics });

    it('v4: total and usable bytes of the log dir file system; below v4 the fields are absent', async () => {
      const r = await describe(4, null);
      expect(r.results).toHaveLength(1);
      const dir = r.results[0]!;
      expect(dir.logDir).toBe(path.resolve(broker.dataDir));
      const st = fs.statfsSync(broker.dataDir, { bigint: true });
      expect(dir.totalBytes).toBe(st.blocks * st.bsize);
      expect(dir.usableBytes).toBeGreaterThan(0n);
      expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
      const v3 = await describe(3, null);
      expect(v3.results[0]).toMatchObject({ errorCode: ErrorCode.NONE, totalBytes: -1n, usableBytes: -1n });
    });

    it('null = every partition with its size; a filter keeps the partitions stored here and leaves out unknown topics and partitions', async () => {
      const batch = buildRecordBatch({ records: [{ key: null, value: Buffer.from('x'.repeat(100)), timestamp: Date.now() }] });
      const produced = await c.request(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'hm', partitionData: [{ index: 1, records: batch }] }] });
      expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
      const all = await describe(4, null);
      const hm = all.results[0]!.topics.find((t) => t.name === 'hm')!;
      expect(hm.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag, p.isFutureKey]).sort()).toEqual([
        [0, 0n, 0n, false],
        [1, BigInt(batch.length), 0n, false],
      ]);
      const some = await describe(4, [{ topic: 'hm', partitions: [1, 7] }, { topic: 'hm-nope', partitions: [0] }]);
      expect(some.results[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([['hm', [1]]]);
      const none = await describe(4, [{ topic: 'hm', partitions: [7] }]);
      expect(none.results[0]!.topics).toEqual([]);
      expect((await describe(4, [])).results[0]!.topics).toEqual([]);
    });
  });

  describe('ApiVersions', () => {
    const ask = (clientSoftwareName: string, clientSoftwareVersion: string) => c.request<unknown, ApiVersionsResponse>(ApiKey.ApiVersions, 3, { ...defaultApiVersionsRequest(), clientSoftwareName, clientSoftwareVersion });

    it('v3+: an invalid client software name or version is INVALID_REQUEST with no API keys', async () => {
      for (const [name, version] of [['', '1.0'], ['-kafka', '1.0'], ['kafka-', '1.0'], ['kaf ka', '1.0'], ['kafka', '1.0_beta'], ['kafka', '.1']]) {
        expect(await ask(name!, version!)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] });
      }
      const ok = await ask('apache-kafka-java', '3.9.0');
      expect(ok.errorCode).toBe(ErrorCode.NONE);
      expect(ok.apiKeys.length).toBeGreaterThan(10);
      expect((await ask('a', '1')).errorCode).toBe(ErrorCode.NONE);
    });

    it('a version above 4 is answered at v0: UNSUPPORTED_VERSION and ApiVersions 0-4 as the only key', async () => {
      const clientId = Buffer.from('future');
      const frame = Buffer.alloc(14 + clientId.length + 3);
      frame.writeInt32BE(frame.length - 4, 0);
      frame.writeInt16BE(ApiKey.ApiVersions, 4);
      frame.writeInt16BE(5, 6);
      frame.writeInt32BE(77, 8);
      frame.writeInt16BE(clientId.length, 12);
      clientId.copy(frame, 14); // then an empty tag section and two empty compact strings
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const s = net.connect(broker.port, '127.0.0.1', () => s.write(frame));
        let got = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('error', reject);
      });
      expect(answer.readInt32BE(4)).toBe(77);
      const resp = readApiVersionsResponse(new Reader(answer, 8), 0);
      expect(resp.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect(resp.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion])).toEqual([[ApiKey.ApiVersions, 0, 4]]);
    });
  });

  describe('CreateTopics timeoutMs', () => {
    const row = (r: CreateTopicsResponse) => r.topics.map((t) => [t.name, t.errorCode, t.errorMessage, t.numPartitions, t.replicationFactor, t.configs?.length]);

    it('0 or negative: the topic is written and REQUEST_TIMED_OUT answered without waiting; the controller still creates it', async () => {
      const zero = await createTopics([{ name: 'hm-t0', numPartitions: 3 }, { name: 'hm', numPartitions: 1 }], 0);
      expect(row(zero)).toEqual([
        ['hm-t0', ErrorCode.REQUEST_TIMED_OUT, null, -1, -1, 0],
        ['hm', ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'hm' already exists.", -1, -1, 0],
      ]);
      expect(row(await createTopics([{ name: 'hm-tneg', numPartitions: 1 }], -1))).toEqual([['hm-tneg', ErrorCode.REQUEST_TIMED_OUT, null, -1, -1, 0]]);
      await waitFor(() => broker.services.metadataCache.hasLeaders('hm-t0', [0, 1, 2]) && broker.services.metadataCache.hasLeaders('hm-tneg', [0]), 10000, 'the created topics');
      expect((await createTopics([{ name: 'hm-t0', numPartitions: 3 }], 0)).topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    });

    it('validateOnly ignores the timeout; a positive timeout waits for the leaders', async () => {
      expect(row(await createTopics([{ name: 'hm-v', numPartitions: 2 }], 0, true))).toEqual([['hm-v', ErrorCode.NONE, null, 2, 1, expect.any(Number)]]);
      expect(broker.services.metadataCache.topic('hm-v')).toBeUndefined();
      const r = await createTopics([{ name: 'hm-wait', numPartitions: 2 }], 5000);
      expect(r.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2 });
      expect(broker.services.metadataCache.hasLeaders('hm-wait', [0, 1])).toBe(true);
    });

    it('CreatePartitions: timeoutMs 0 answers REQUEST_TIMED_OUT without a message and still adds them; a positive one waits', async () => {
      await createTopics([{ name: 'hm-grow', numPartitions: 1 }], 5000);
      const grow = (count: number, timeoutMs: number) =>
        c.request<CreatePartitionsRequest, CreatePartitionsResponse>(ApiKey.CreatePartitions, 3, { ...defaultCreatePartitionsRequest(), timeoutMs, topics: [{ ...defaultCreatePartitionsTopic(), name: 'hm-grow', count, assignments: null }] });
      expect((await grow(3, 0)).results.map((r) => [r.errorCode, r.errorMessage])).toEqual([[ErrorCode.REQUEST_TIMED_OUT, null]]);
      await waitFor(() => broker.services.metadataCache.hasLeaders('hm-grow', [0, 1, 2]), 10000, 'the added partitions');
      expect((await grow(5, 5000)).results.map((r) => [r.errorCode, r.errorMessage])).toEqual([[ErrorCode.NONE, null]]);
      expect(broker.services.metadataCache.hasLeaders('hm-grow', [3, 4])).toBe(true);
    });
  });
});
