/**
 * Replication > InterBrokerClient and RemoteLeaderEndpoint against a real in-process Gregor
 * broker (port 0, temp data dir): produce, then Fetch v16 / ListOffsets v9 /
 * OffsetForLeaderEpoch v4 decode; pipelining; failures: a closed port, a silent peer (request
 * timeout), a dropped connection (reconnect on the next request), a broker restart, an
 * oversized frame, close(). Fetches are made as a consumer (replica id -1).
 */
import net from 'net';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultApiVersionsRequest } from '../../protocol/generated/api-versions-request';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { defaultCreatableTopic, defaultCreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import type { CreateTopicsResponse } from '../../protocol/generated/create-topics-response';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import { defaultMetadataRequest } from '../../protocol/generated/metadata-request';
import type { MetadataResponse } from '../../protocol/generated/metadata-response';
import { defaultPartitionProduceData, defaultProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { InterBrokerClient, InterBrokerError } from '../../replication/inter-broker-client';
import { RemoteLeaderEndpoint } from '../../replication/remote-leader-endpoint';
import { startTestBroker, tempDir, type TestBroker } from '../integration/helpers';
import { batch, splitBatches } from '../storage/helpers';
import { systemClock } from '../../storage/clock';
import { ReplicaFetcherManager } from '../../replication/replica-fetcher-manager';
import { NOOP_REPLICATION_LOGGER } from '../../replication/types';
import { LogReplica, TEST_CONFIG, batchesOf, openTestLog, rmDir, tmpDir, waitFor } from './helpers';

jest.setTimeout(30_000);

const apiVersions = (c: InterBrokerClient, timeoutMs?: number) => c.request<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1.0' }, timeoutMs);
const metadata = (c: InterBrokerClient, topic: string, timeoutMs?: number) =>
  c.request<MetadataResponse>(ApiKey.Metadata, 12, { ...defaultMetadataRequest(), allowAutoTopicCreation: false, topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }] }, timeoutMs);

/** A TCP server; `silent` reads and never answers, otherwise it forwards to `target`. */
function tcpServer(opts: { silent?: boolean; target?: number }) {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (opts.silent) {
      s.resume();
      return;
    }
    const up = net.connect({ host: '127.0.0.1', port: opts.target! });
    sockets.add(up);
    up.on('close', () => {
      sockets.delete(up);
      s.destroy();
    });
    up.on('error', () => undefined);
    s.on('close', () => up.destroy());
    s.pipe(up);
    up.pipe(s);
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Replication > InterBrokerClient + RemoteLeaderEndpoint (real broker)', () => {
  let broker: TestBroker;
  let client: InterBrokerClient;
  let topicId: string;
  let epoch: number;

  beforeAll(async () => {
    broker = await startTestBroker();
    client = new InterBrokerClient({ host: '127.0.0.1', port: broker.port, clientId: 'broker-7-fetcher-0', requestTimeoutMs: 10_000 });
    const created = await client.request<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreatableTopic(), name: 'r', numPartitions: 1, replicationFactor: 1 }],
    });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    topicId = created.topics[0]!.topicId;
    for (let i = 0; i < 3; i++) {
      const resp = await client.request<ProduceResponse>(ApiKey.Produce, 9, {
        ...defaultProduceRequest(),
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'r', partitionData: [{ ...defaultPartitionProduceData(), index: 0, records: batch(2, { tag: `b${i}`, ts: Date.now() }) }] }],
      });
      expect(resp.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    const md = await metadata(client, 'r');
    expect(md.topics[0]!.topicId).toBe(topicId);
    epoch = md.topics[0]!.partitions[0]!.leaderEpoch;
  });

  afterAll(async () => {
    client.close();
    await broker.destroy();
  });

  const fetchReq = (fetchOffset: bigint, over: Partial<FetchRequest> = {}): FetchRequest => ({
    ...defaultFetchRequest(),
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    ...over,
    topics: [{ topic: 'r', topicId, partitions: [{ ...defaultFetchPartition(), partition: 0, currentLeaderEpoch: epoch, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
  });

  test('Fetch v16, ListOffsets v9 and OffsetForLeaderEpoch v4 through the endpoint decode correctly', async () => {
    const endpoint = new RemoteLeaderEndpoint({ client, replicaId: -1, socketTimeoutMs: 5000 });
    const resp = await endpoint.fetch(fetchReq(0n));
    expect(resp.errorCode).toBe(ErrorCode.NONE);
    expect(resp.responses).toHaveLength(1);
    expect(resp.responses[0]!.topicId).toBe(topicId);
    const p = resp.responses[0]!.partitions[0]!;
    expect(p).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE, highWatermark: 6n, logStartOffset: 0n });
    const batches = splitBatches(p.records!);
    expect(batches.map((b) => [b.base, b.last])).toEqual([
      [0n, 1n],
      [2n, 3n],
      [4n, 5n],
    ]);
    expect(batches.every((b) => b.bytes.readInt32BE(12) === epoch)).toBe(true);

    const out = await endpoint.fetch(fetchReq(100n));
    expect(out.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);

    await expect(endpoint.fetchLatestOffset('r', 0, epoch)).resolves.toBe(6n);
    await expect(endpoint.fetchEarliestOffset('r', 0, epoch)).resolves.toBe(0n);
    const fenced = endpoint.fetchEarliestOffset('r', 0, epoch + 1);
    await expect(fenced).rejects.toBeInstanceOf(KafkaError);
    await expect(fenced).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_LEADER_EPOCH });
    await expect(endpoint.fetchLatestOffset('nope', 0, -1)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });

    const answers = await endpoint.offsetForLeaderEpoch([
      { topic: 'r', partition: 0, currentLeaderEpoch: epoch, leaderEpoch: epoch },
      { topic: 'nope', partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
    ]);
    expect(answers).toEqual([
      { topic: 'r', partition: 0, errorCode: ErrorCode.NONE, leaderEpoch: epoch, endOffset: 6n },
      { topic: 'nope', partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1, endOffset: -1n },
    ]);
  });

  test('a ReplicaFetcherManager over RemoteLeaderEndpoint copies the broker\'s partition and follows new appends', async () => {
    const dir = tmpDir('gregor-replication-');
    const followerLog = await openTestLog(dir, 'r', 0);
    const clients: InterBrokerClient[] = [];
    const manager = new ReplicaFetcherManager({
      brokerId: 7,
      numFetchers: 1,
      endpointFor: (leader, fetcherId) => {
        const c = new InterBrokerClient({ host: leader.host, port: leader.port, clientId: `broker-7-fetcher-${fetcherId}` });
        clients.push(c);
        return new RemoteLeaderEndpoint({ client: c, replicaId: -1, socketTimeoutMs: 5000 });
      },
      config: { ...TEST_CONFIG, fetchWaitMaxMs: 200 },
      clock: systemClock,
      logger: NOOP_REPLICATION_LOGGER,
    });
    try {
      // the follower already holds the first batch (as copied before a restart): an epoch round first
      const first = await new RemoteLeaderEndpoint({ client, replicaId: -1, socketTimeoutMs: 5000 }).fetch(fetchReq(0n));
      await followerLog.appendAsFollower(splitBatches(first.responses[0]!.partitions[0]!.records!)[0]!.bytes);
      const replica = new LogReplica(followerLog, 'r', 0, topicId, epoch);
      manager.addFetcherForPartitions([{ replica, leader: { brokerId: broker.brokerId, host: '127.0.0.1', port: broker.port } }]);
      await waitFor(() => replica.logEndOffset() >= 6n && replica.hw >= 6n, 'catch-up over the wire');
      expect(replica.calls.filter((c) => c.startsWith('truncate'))).toEqual([]);
      const resp = await new RemoteLeaderEndpoint({ client, replicaId: -1, socketTimeoutMs: 5000 }).fetch(fetchReq(0n));
      const leaderBytes = Buffer.concat(splitBatches(resp.responses[0]!.partitions[0]!.records!).map((b) => b.bytes));
      const ours = Buffer.concat((await batchesOf(followerLog)).map((b) => b.bytes));
      expect(ours.subarray(0, leaderBytes.length).equals(leaderBytes)).toBe(true);
      const more = await client.request<ProduceResponse>(ApiKey.Produce, 9, {
        ...defaultProduceRequest(),
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'r', partitionData: [{ ...defaultPartitionProduceData(), index: 0, records: batch(3, { tag: 'late', ts: Date.now() }) }] }],
      });
      expect(more.responses[0]!.partitionResponses[0]!.baseOffset).toBe(6n);
      await waitFor(() => replica.logEndOffset() === 9n, 'the late batch replicated');
      expect(clients).toHaveLength(1);
    } finally {
      await manager.shutdown();
      expect(clients.every((c) => !c.isConnected)).toBe(true);
      await followerLog.close();
      rmDir(dir);
    }
  });

  test('pipelines many requests on one connection, each answered with its own response', async () => {
    const c = new InterBrokerClient({ host: '127.0.0.1', port: broker.port, clientId: 'pipeline' });
    try {
      const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? apiVersions(c) : metadata(c, 'r'))));
      rs.forEach((r, i) => {
        if (i % 2 === 0) expect((r as ApiVersionsResponse).apiKeys.some((k) => k.apiKey === ApiKey.Fetch && k.maxVersion >= 16)).toBe(true);
        else expect((r as MetadataResponse).topics[0]!.topicId).toBe(topicId);
      });
      expect(c.isConnected).toBe(true);
    } finally {
      c.close();
    }
  });

  test('a closed port fails with a clear connect error naming the peer and the API', async () => {
    const s = tcpServer({ silent: true });
    const port = await s.listen();
    await s.close();
    const c = new InterBrokerClient({ host: '127.0.0.1', port, clientId: 'x' });
    const e = await apiVersions(c).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InterBrokerError);
    expect(e).toMatchObject({ reason: 'connect', peer: `127.0.0.1:${port}`, api: 'ApiVersions v3' });
    expect((e as Error).message).toMatch(new RegExp(`^ApiVersions v3 request to broker 127.0.0.1:${port} failed: could not connect: .*ECONNREFUSED`));
    c.close();
  });

  test('a request timeout fails it and everything pending behind it, and the next request reconnects', async () => {
    const s = tcpServer({ silent: true });
    const port = await s.listen();
    const c = new InterBrokerClient({ host: '127.0.0.1', port, clientId: 'x' });
    try {
      const t0 = Date.now();
      const first = apiVersions(c, 150).catch((x: unknown) => x);
      const second = metadata(c, 'r', 10_000).catch((x: unknown) => x);
      expect(await first).toMatchObject({ reason: 'timeout', message: `ApiVersions v3 request to broker 127.0.0.1:${port} failed: no response within 150 ms` });
      expect(await second).toMatchObject({ reason: 'disconnected', api: 'Metadata v12' });
      expect((await second as Error).message).toContain('after ApiVersions v3 timed out');
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(s.accepted).toBe(1);
      await apiVersions(c, 100).catch(() => undefined);
      expect(s.accepted).toBe(2);
    } finally {
      c.close();
      await s.close();
    }
  });

  test('a dropped connection fails the requests in flight; the next request reconnects', async () => {
    const proxy = tcpServer({ target: broker.port });
    const port = await proxy.listen();
    const c = new InterBrokerClient({ host: '127.0.0.1', port, clientId: 'x' });
    const endpoint = new RemoteLeaderEndpoint({ client: c, replicaId: -1, socketTimeoutMs: 10_000 });
    try {
      const end = await endpoint.fetchLatestOffset('r', 0, epoch);
      // a long poll at the log end waits on the broker; the connection drops under it
      const polling = endpoint.fetch(fetchReq(end, { maxWaitMs: 5000, minBytes: 1 })).catch((x: unknown) => x);
      await new Promise((r) => setTimeout(r, 100));
      proxy.dropAll();
      const e = await polling;
      expect(e).toBeInstanceOf(InterBrokerError);
      expect(e).toMatchObject({ reason: 'disconnected', api: 'Fetch v16', peer: `127.0.0.1:${port}` });
      expect((e as Error).message).toContain('connection lost');
      const resp = await endpoint.fetch(fetchReq(0n));
      expect(resp.responses[0]!.partitions[0]!.highWatermark).toBe(end);
      expect(proxy.accepted).toBe(2);
    } finally {
      endpoint.close();
      await proxy.close();
    }
  });

  test('survives a broker restart: requests fail while it is down and succeed on a new connection after', async () => {
    const dataDir = tempDir();
    let b = await startTestBroker({ dataDir });
    const port = b.port;
    const c = new InterBrokerClient({ host: '127.0.0.1', port, clientId: 'x', connectTimeoutMs: 2000 });
    try {
      await apiVersions(c);
      await b.stop();
      await new Promise((r) => setTimeout(r, 50));
      expect(c.isConnected).toBe(false);
      await expect(apiVersions(c)).rejects.toMatchObject({ reason: 'connect' });
      b = await startTestBroker({ dataDir, port });
      const r = await apiVersions(c);
      expect(r.errorCode).toBe(ErrorCode.NONE);
    } finally {
      c.close();
      await b.destroy();
    }
  });

  test('refuses a response frame above maxFrameBytes', async () => {
    const c = new InterBrokerClient({ host: '127.0.0.1', port: broker.port, clientId: 'x', maxFrameBytes: 64 });
    try {
      await expect(apiVersions(c)).rejects.toMatchObject({ reason: 'protocol', message: expect.stringMatching(/exceeds the maximum of 64/) });
      expect(c.isConnected).toBe(false);
    } finally {
      c.close();
    }
  });

  test('close() fails what is pending and every later request', async () => {
    const s = tcpServer({ silent: true });
    const port = await s.listen();
    const c = new InterBrokerClient({ host: '127.0.0.1', port, clientId: 'x' });
    const pending = apiVersions(c, 10_000).catch((x: unknown) => x);
    c.close();
    expect(await pending).toMatchObject({ reason: 'closed' });
    await expect(apiVersions(c)).rejects.toMatchObject({ reason: 'closed', message: expect.stringContaining('the client is closed') });
    await s.close();
  });
});

describe('Replication > RemoteLeaderEndpoint request shapes', () => {
  test('stamps the replica id where each version carries it and uses the socket timeout', async () => {
    const sent: { apiKey: number; version: number; body: any; timeoutMs?: number }[] = [];
    const client = {
      request: async <R>(apiKey: number, version: number, body: unknown, timeoutMs?: number): Promise<R> => {
        sent.push({ apiKey, version, body, timeoutMs });
        if (apiKey === ApiKey.ListOffsets) return { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset: 42n, leaderEpoch: 3 }] }] } as R;
        if (apiKey === ApiKey.OffsetForLeaderEpoch) return { throttleTimeMs: 0, topics: [] } as R;
        return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] } as R;
      },
      close: () => undefined,
    };
    const e = new RemoteLeaderEndpoint({ client, replicaId: 5, socketTimeoutMs: 1234 });
    await e.fetch({ ...defaultFetchRequest(), replicaId: 5 });
    await expect(e.fetchLatestOffset('t', 2, 3)).resolves.toBe(42n);
    const answers = await e.offsetForLeaderEpoch([{ topic: 't', partition: 2, currentLeaderEpoch: 3, leaderEpoch: 1 }]);
    expect(answers).toEqual([{ topic: 't', partition: 2, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, leaderEpoch: -1, endOffset: -1n }]);
    expect(sent.map((s) => [s.apiKey, s.version, s.timeoutMs])).toEqual([
      [ApiKey.Fetch, 16, 1234],
      [ApiKey.ListOffsets, 9, 1234],
      [ApiKey.OffsetForLeaderEpoch, 4, 1234],
    ]);
    expect(sent[0]!.body).toMatchObject({ replicaId: -1, replicaState: { replicaId: 5, replicaEpoch: -1n } });
    expect(sent[1]!.body).toMatchObject({ replicaId: 5, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, currentLeaderEpoch: 3, timestamp: -1n }] }] });
    expect(sent[2]!.body).toMatchObject({ replicaId: 5, topics: [{ topic: 't', partitions: [{ partition: 2, currentLeaderEpoch: 3, leaderEpoch: 1 }] }] });
  });
});
