import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultFetchPartition, defaultFetchRequest, type FetchRequest } from '../../protocol/generated/fetch-request';
import type { FetchResponse } from '../../protocol/generated/fetch-response';
import { defaultPartitionProduceData, defaultProduceRequest } from '../../protocol/generated/produce-request';
import type { ProduceResponse } from '../../protocol/generated/produce-response';
import { buildRecordBatch } from '../../protocol/records/record';
import { ErrorCode } from '../../protocol/errors';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
jest.setTimeout(30000);

describe('Integration > Fetch (raw protocol)', () => {
  let broker: TestBroker;
  let client: RawClient;
  let topicId: string;

  const produce = async (partition: number, values: string[]): Promise<void> => {
    const req = {
      ...defaultProduceRequest(),
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'f', partitionData: [{ ...defaultPartitionProduceData(), index: partition, records: buildRecordBatch({ records: values.map((v) => ({ value: v })) }) }] }],
    };
    const resp = await client.request<typeof req, ProduceResponse>(ApiKey.Produce, 9, req);
    expect(resp.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  };

  const fetch = (version: number, over: Partial<FetchRequest>, parts: { partition: number; fetchOffset: bigint; maxBytes?: number }[] = [], byId = false): Promise<FetchResponse> =>
    client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, version, {
      ...defaultFetchRequest(),
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      ...over,
      topics:
        parts.length === 0
          ? []
          : [{ topic: byId ? '' : 'f', topicId: byId ? topicId : 'AAAAAAAAAAAAAAAAAAAAAA', partitions: parts.map((p) => ({ ...defaultFetchPartition(), partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.maxBytes ?? 1 << 20 })) }],
    });

  const partitionsOf = (r: FetchResponse) => r.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex)).sort();

  beforeAll(async () => {
    broker = await startTestBroker();
    const created = await broker.services.topicAdmin.createTopic({ name: 'f', numPartitions: 2, replicationFactor: 1, assignments: new Map(), configs: {} }, false);
    topicId = created.topicId;
    client = await RawClient.connect(broker.port);
    await produce(0, ['a', 'b', 'c']);
  });
  afterAll(async () => {
    client.close();
    await broker.destroy();
  });

  it('runs an incremental fetch session (KIP-227): only changed partitions are returned', async () => {
    const full = await fetch(12, { sessionId: 0, sessionEpoch: 0 }, [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }]);
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).not.toBe(0);
    expect(partitionsOf(full)).toEqual([0, 1]);
    const p0 = full.responses[0]!.partitions.find((p) => p.partitionIndex === 0)!;
    expect(p0.highWatermark).toBe(3n);
    expect(p0.records!.length).toBeGreaterThan(0);
    const sid = full.sessionId;

    // Epoch 1: the client moved p0 to 3; nothing new anywhere -> empty incremental response.
    const inc1 = await fetch(12, { sessionId: sid, sessionEpoch: 1 }, [{ partition: 0, fetchOffset: 3n }]);
    expect(inc1.errorCode).toBe(0);
    expect(inc1.sessionId).toBe(sid);
    expect(partitionsOf(inc1)).toEqual([]);

    // New data on p1 only: the next incremental request (no partitions listed) returns just p1.
    await produce(1, ['x']);
    const inc2 = await fetch(12, { sessionId: sid, sessionEpoch: 2 });
    expect(partitionsOf(inc2)).toEqual([1]);
    expect(inc2.responses[0]!.partitions[0]!.highWatermark).toBe(1n);

    // Wrong epoch and unknown session are top-level errors.
    expect((await fetch(12, { sessionId: sid, sessionEpoch: 7 })).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect((await fetch(12, { sessionId: 987654, sessionEpoch: 1 })).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

    // Forget p1 (epoch 3, with p1 moved to 1), then data on p1 is no longer reported.
    const inc3 = await fetch(12, { sessionId: sid, sessionEpoch: 3, forgottenTopicsData: [{ topic: 'f', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [1] }] });
    expect(partitionsOf(inc3)).toEqual([]);
    await produce(1, ['y']);
    expect(partitionsOf(await fetch(12, { sessionId: sid, sessionEpoch: 4 }))).toEqual([]);
    await produce(0, ['d']);
    expect(partitionsOf(await fetch(12, { sessionId: sid, sessionEpoch: 5 }))).toEqual([0]);

    // Epoch -1 closes the session: a sessionless answer, and the id is gone.
    const closing = await fetch(12, { sessionId: sid, sessionEpoch: -1 }, [{ partition: 0, fetchOffset: 0n }]);
    expect(closing.sessionId).toBe(0);
    expect((await fetch(12, { sessionId: sid, sessionEpoch: 6 })).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('uses topic ids from v13 and answers UNKNOWN_TOPIC_ID for an unknown id', async () => {
    const r = await fetch(13, { sessionId: 0, sessionEpoch: -1 }, [{ partition: 0, fetchOffset: 0n }], true);
    expect(r.responses[0]!.topicId).toBe(topicId);
    expect(r.responses[0]!.partitions[0]!.errorCode).toBe(0);
    const bad = await client.request<FetchRequest, FetchResponse>(ApiKey.Fetch, 13, {
      ...defaultFetchRequest(),
      topics: [{ topic: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ ...defaultFetchPartition(), partition: 0, partitionMaxBytes: 1000 }] }],
    });
    expect(bad.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('long-polls: waits for min.bytes up to max.wait.ms, and returns early when data arrives', async () => {
    const hw = (await fetch(11, {}, [{ partition: 1, fetchOffset: 0n }])).responses[0]!.partitions[0]!.highWatermark;
    let t = Date.now();
    const empty = await fetch(11, { maxWaitMs: 300, minBytes: 1 }, [{ partition: 1, fetchOffset: hw }]);
    expect(Date.now() - t).toBeGreaterThanOrEqual(280);
    expect(empty.responses[0]!.partitions[0]!.records!.length).toBe(0);

    t = Date.now();
    const waiting = fetch(11, { maxWaitMs: 5000, minBytes: 1 }, [{ partition: 1, fetchOffset: hw }]);
    await new Promise((r) => setTimeout(r, 100));
    const other = await RawClient.connect(broker.port);
    const c = client;
    client = other;
    await produce(1, ['late']);
    client = c;
    other.close();
    const r = await waiting;
    expect(Date.now() - t).toBeLessThan(2000);
    expect(r.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
  });

  it('honours partition and request byte limits but always returns at least one batch', async () => {
    for (let i = 0; i < 5; i++) await produce(0, [`batch-${i}-${'z'.repeat(200)}`]);
    const all = (await fetch(11, {}, [{ partition: 0, fetchOffset: 0n }])).responses[0]!.partitions[0]!.records!;
    const one = (await fetch(11, {}, [{ partition: 0, fetchOffset: 0n, maxBytes: 10 }])).responses[0]!.partitions[0]!.records!;
    expect(one.length).toBeGreaterThan(0);
    expect(one.length).toBeLessThan(all.length);
    expect(all.subarray(0, one.length).equals(one)).toBe(true);
    const limited = await fetch(11, { maxBytes: 300 }, [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }]);
    const total = limited.responses.flatMap((t) => t.partitions).reduce((n, p) => n + (p.records?.length ?? 0), 0);
    expect(total).toBeLessThan(all.length);
  });

  it('answers OFFSET_OUT_OF_RANGE past the log end and UNKNOWN_TOPIC_OR_PARTITION for a missing partition', async () => {
    const r = await fetch(11, {}, [{ partition: 0, fetchOffset: 10_000n }, { partition: 9, fetchOffset: 0n }]);
    const byIndex = new Map(r.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode]));
    expect(byIndex.get(0)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(byIndex.get(9)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

/** Top-level entries of a legacy message set (offset, magic, codec), stopping at a cut entry. */
