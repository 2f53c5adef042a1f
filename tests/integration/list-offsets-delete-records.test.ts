/**
 * Integration > ListOffsets (v0 legacy offsets, duplicates, special timestamps by version),
 * DeleteRecords (policy, ranges, internal and unknown topics) and the compaction lags, over
 * Gregor's raw protocol client against an in-process broker.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { defaultCreatableTopic, defaultCreateTopicsRequest, type CreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import type { CreateTopicsResponse } from '../../protocol/generated/create-topics-response';
import { defaultDeleteRecordsRequest, type DeleteRecordsRequest } from '../../protocol/generated/delete-records-request';
import type { DeleteRecordsResponse } from '../../protocol/generated/delete-records-response';
import { defaultListOffsetsPartition, defaultListOffsetsRequest, type ListOffsetsPartition, type ListOffsetsRequest } from '../../protocol/generated/list-offsets-request';
import type { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response';
import { buildRecordBatch } from '../../protocol/records/record';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(30000);

describe('Integration > ListOffsets and DeleteRecords (raw protocol)', () => {
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

  async function create(name: string, configs: Record<string, string> = {}, numPartitions = 1): Promise<void> {
    const r = await c.request<CreateTopicsRequest, CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      ...defaultCreateTopicsRequest(),
      timeoutMs: 5000,
      topics: [{ ...defaultCreatableTopic(), name, numPartitions, replicationFactor: -1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
    });
    expect(r.topics[0]!.errorCode).toBe(0);
  }

  async function append(topic: string, records: { key?: string; value: string; timestamp?: number }[], partition = 0): Promise<void> {
    const [r] = await broker.services.replicaManager.appendRecords([{ topic, partition, records: buildRecordBatch({ records: records.map((x) => ({ timestamp: Date.now(), ...x })) }) }], 1, 1000, () => 1);
    expect(r!.errorCode).toBe(0);
  }

  const logOf = (topic: string) => broker.services.replicaManager.getPartition(topic, 0)!.log;

  function listOffsets(version: number, topics: { name: string; partitions: Partial<ListOffsetsPartition>[] }[], over: Partial<ListOffsetsRequest> = {}) {
    return c.request<ListOffsetsRequest, ListOffsetsResponse>(ApiKey.ListOffsets, version, {
      ...defaultListOffsetsRequest(),
      replicaId: -1, // a consumer
      ...over,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...defaultListOffsetsPartition(), ...p })) })),
    });
  }

  it('v0 answers the legacy offsets: log end and segment bases, newest first, up to maxNumOffsets', async () => {
    await create('lo-v0-one');
    for (let i = 0; i < 15; i++) await append('lo-v0-one', Array.from({ length: 100 }, (_, j) => ({ value: `v${i}-${j}` })));
    let r = await listOffsets(0, [{ name: 'lo-v0-one', partitions: [{ timestamp: -1n, maxNumOffsets: 3 }] }]);
    expect(r.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, oldStyleOffsets: [1500n, 0n] });

    await create('lo-v0-many', { 'segment.bytes': '300' });
    for (let i = 0; i < 8; i++) await append('lo-v0-many', [{ value: 'x'.repeat(100) }]);
    const bases = logOf('lo-v0-many').segments.all().map((s) => s.baseOffset);
    expect(bases.length).toBeGreaterThan(3);
    const leo = logOf('lo-v0-many').logEndOffset;
    r = await listOffsets(0, [
      {
        name: 'lo-v0-many',
        partitions: [
          { timestamp: -1n, maxNumOffsets: 3 },
          { timestamp: -2n, maxNumOffsets: 3 }, // v0 has no duplicate check
          { timestamp: BigInt(Date.now() + 60_000), maxNumOffsets: 2 },
          { timestamp: 1000n, maxNumOffsets: 2 }, // before any segment was written
          { timestamp: -3n, maxNumOffsets: 2 },
        ],
      },
    ]);
    const expectedLatest = leo > bases[bases.length - 1]! ? [leo, ...bases.slice(-2).reverse()] : bases.slice(-3).reverse();
    expect(r.topics[0]!.partitions.map((p) => [p.errorCode, p.oldStyleOffsets])).toEqual([
      [0, expectedLatest],
      [0, [0n]],
      [0, expectedLatest.slice(0, 2)],
      [0, []],
      [ErrorCode.UNSUPPORTED_VERSION, []],
    ]);
  });

  it('v1+: a partition listed twice is INVALID_REQUEST for each entry; others are answered', async () => {
    await create('lo-dup', {}, 2);
    await append('lo-dup', [{ value: 'a' }, { value: 'b' }]);
    const r = await listOffsets(9, [
      { name: 'lo-dup', partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -1n }] },
      { name: 'lo-dup', partitions: [{ partitionIndex: 0, timestamp: -2n }] },
    ]);
    expect(r.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset]))).toEqual([
      [
        [0, ErrorCode.INVALID_REQUEST, -1n],
        [1, 0, 0n],
      ],
      [[0, ErrorCode.INVALID_REQUEST, -1n]],
    ]);
  });

  it('special timestamps need their version; -5 without tiered storage is offset -1; latest has the leader epoch', async () => {
    await create('lo-ts');
    await append('lo-ts', [{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 300 }]);
    const one = async (version: number, timestamp: bigint) => (await listOffsets(version, [{ name: 'lo-ts', partitions: [{ timestamp }] }])).topics[0]!.partitions[0]!;
    expect((await one(6, -3n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(await one(7, -3n)).toMatchObject({ errorCode: 0, offset: 1n, timestamp: 300n, leaderEpoch: 0 });
    expect((await one(7, -4n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(await one(8, -4n)).toMatchObject({ errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    expect((await one(8, -5n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(await one(9, -5n)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
    expect((await one(9, -6n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(await one(9, -1n)).toMatchObject({ errorCode: 0, offset: 2n, timestamp: -1n, leaderEpoch: 0 });
    expect(await one(3, -1n)).toMatchObject({ errorCode: 0, offset: 2n, leaderEpoch: -1 });
    expect(await one(9, 301n)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
  });

  function deleteRecords(topics: { name: string; partitions: { partitionIndex: number; offset: bigint }[] }[]) {
    return c.request<DeleteRecordsRequest, DeleteRecordsResponse>(ApiKey.DeleteRecords, 2, { ...defaultDeleteRecordsRequest(), timeoutMs: 5000, topics });
  }

  it('DeleteRecords: POLICY_VIOLATION on compact-only topics; ranges, unknown and internal topics, repeats', async () => {
    await create('dr-compact', { 'cleanup.policy': 'compact' });
    await create('dr-both', { 'cleanup.policy': 'compact,delete' });
    await create('dr-delete');
    for (const t of ['dr-compact', 'dr-both', 'dr-delete']) await append(t, [{ key: 'k', value: 'a' }, { key: 'k', value: 'b' }, { key: 'k', value: 'c' }]);
    await broker.services.topicAdmin.ensureOffsetsTopic();
    const r = await deleteRecords([
      { name: 'dr-compact', partitions: [{ partitionIndex: 0, offset: 1n }] },
      { name: 'dr-both', partitions: [{ partitionIndex: 0, offset: 1n }] },
      { name: 'dr-delete', partitions: [{ partitionIndex: 0, offset: 9n }, { partitionIndex: 7, offset: 1n }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, offset: 1n }] },
      { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0n }] },
    ]);
    expect(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark])])).toEqual([
      ['dr-compact', [[0, ErrorCode.POLICY_VIOLATION, -1n]]],
      ['dr-both', [[0, 0, 1n]]],
      ['dr-delete', [[0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]]],
      ['__consumer_offsets', [[0, ErrorCode.INVALID_TOPIC_EXCEPTION, -1n]]],
    ]);
    expect(logOf('dr-compact').logStartOffset).toBe(0n);
    // a topic and partition listed twice: one answer, with the last offset; -1 is the HW; below -1 is out of range
    const again = await deleteRecords([
      { name: 'dr-delete', partitions: [{ partitionIndex: 0, offset: 1n }] },
      { name: 'dr-delete', partitions: [{ partitionIndex: 0, offset: -1n }] },
      { name: 'dr-both', partitions: [{ partitionIndex: 0, offset: -2n }] },
    ]);
    expect(again.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark])])).toEqual([
      ['dr-delete', [[0, 0, 3n]]],
      ['dr-both', [[0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n]]],
    ]);
  });
});

describe('Integration > compaction lags (raw protocol CreateTopics, the broker cleaner)', () => {
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

  async function create(name: string, configs: Record<string, string>): Promise<void> {
    const r = await c.request<CreateTopicsRequest, CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      ...defaultCreateTopicsRequest(),
      timeoutMs: 5000,
      topics: [{ ...defaultCreatableTopic(), name, numPartitions: 1, replicationFactor: -1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
    });
    expect(r.topics[0]!.errorCode).toBe(0);
  }
  async function append(topic: string, records: { key: string; value: string; timestamp: number }[]): Promise<void> {
    const [r] = await broker.services.replicaManager.appendRecords([{ topic, partition: 0, records: buildRecordBatch({ records }) }], 1, 1000, () => 1);
    expect(r!.errorCode).toBe(0);
  }
  const logOf = (topic: string) => broker.services.replicaManager.getPartition(topic, 0)!.log;
  const cleaner = () => broker.services.replicaManager.logManager.runCleaner();

  it('min.compaction.lag.ms keeps records newer than the lag uncompacted', async () => {
    const base = { 'cleanup.policy': 'compact', 'segment.bytes': '300', 'min.cleanable.dirty.ratio': '0.01' };
    await create('lag-min', { ...base, 'min.compaction.lag.ms': '3600000' });
    await create('lag-none', base);
    for (const t of ['lag-min', 'lag-none']) for (let i = 0; i < 10; i++) await append(t, [{ key: `k${i % 2}`, value: 'v'.repeat(80), timestamp: Date.now() }]);
    const before = { min: logOf('lag-min').size(), none: logOf('lag-none').size() };
    expect(logOf('lag-min').segments.size).toBeGreaterThan(2);
    await cleaner();
    expect(logOf('lag-min').size()).toBe(before.min);
    expect(logOf('lag-none').size()).toBeLessThan(before.none);
  });

  it('max.compaction.lag.ms rolls the active segment and cleans old dirty records below the dirty ratio', async () => {
    const old = Date.now() - 2 * 3_600_000;
    const base = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.99' };
    await create('lag-max', { ...base, 'max.compaction.lag.ms': '3600000' });
    await create('lag-control', { ...base, 'segment.ms': '3600000' }); // rolls alike, but no max lag
    const unique = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(50), timestamp: old }));
    for (const t of ['lag-max', 'lag-control']) {
      await append(t, unique);
      await append(t, [{ key: 'k0', value: 'newer', timestamp: old }]);
      expect(logOf(t).segments.size).toBe(2); // the first batch is older than 1 h: rolled
    }
    await cleaner(); // never cleaned: everything is dirty, so both are cleaned (nothing to drop yet)
    for (const t of ['lag-max', 'lag-control']) await append(t, [{ key: 'k0', value: 'newest', timestamp: old }]);
    const before = { max: logOf('lag-max').size(), control: logOf('lag-control').size() };
    await cleaner(); // a little dirty data: below the ratio, but older than the max lag on lag-max
    expect(logOf('lag-max').size()).toBeLessThan(before.max);
    expect(logOf('lag-control').size()).toBe(before.control);
  });
});
